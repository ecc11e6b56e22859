"""A benchmark run's report: the rows, the paper's numbers beside them, the targets, and its text tables."""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import fastpath
from ..errors import StylelabError
from ..fastpath import PathResult
from ..methods import base
from ..methods.base import Speed
from ..timing import BenchSettings, SpeedRow
from .paper import GPU_TARGETS, PAPER_DEVICE, PAPER_ENCODER, PAPER_SPEED, PaperRow


@dataclass(frozen=True)
class TimedMethod:
    """A timed method as the report shows it: its registry name, a label for tables (the paper's name for
    its row; else the authors of its paper), its ``speed`` entry and its row of the paper's table."""

    name: str
    label: str
    speed: Speed
    paper: PaperRow | None

    @classmethod
    def of(cls, name: str) -> "TimedMethod":
        method = base.get(name)
        if method.speed is None:
            raise StylelabError(f"method {method.name} is not timed (python -m stylelab bench --list)")
        paper = PAPER_SPEED[method.speed.paper_row] if method.speed.paper_row is not None else None
        label = paper.method if paper is not None else (method.paper.split(",")[0] or method.name)
        return cls(method.name, label, method.speed, paper)

    @property
    def paper_styles(self) -> str:
        return "N/A" if self.paper is None else self.paper.styles_label


@dataclass
class BenchReport:
    """A benchmark run: one row per method and size, and where it ran.

    ``methods``: each row's method (:class:`TimedMethod`); filled in from the registry for any row whose
    method it lacks, as is each row's ``paper``, so the report stands on its own once made."""

    rows: list[SpeedRow]
    device: str
    device_type: str
    encoder: str
    versions: str
    settings: BenchSettings
    methods: dict[str, TimedMethod] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for row in self.rows:
            if row.method not in self.methods:
                self.methods[row.method] = TimedMethod.of(row.method)
            if row.paper is None:
                row.paper = self.methods[row.method].paper

    def label(self, method: str) -> str:
        return self.methods[method].label

    def table(self) -> list[dict]:
        """One dict per method (CSV/Markdown rows): ours and the paper's seconds at each size, with and
        without style encoding, the ratio ours / paper, the fast path, and how each number was obtained
        (N/A where the paper has no number, or no row)."""
        out = []
        for key in dict.fromkeys(r.method for r in self.rows):
            rows = {r.size: r for r in self.rows if r.method == key}
            method = self.methods[key]
            entry: dict = {"method": method.label, "styles (paper)": method.paper_styles,
                           "styles (ours)": method.speed.styles}
            for size, r in rows.items():
                entry[f"ours {size} (s)"] = _round(r.seconds)
                entry[f"paper {size} (s)"] = "N/A" if r.paper_seconds is None else r.paper_seconds
                entry[f"ratio {size}"] = _na(r.ratio)
                entry[f"ours {size} with style encoding (s)"] = _na(r.with_style_encoding)
                entry[f"paper {size} with style encoding (s)"] = _na(r.paper_with_style_encoding)
                entry[f"ratio {size} with style encoding"] = _na(r.ratio_with_style_encoding)
            for size, r in rows.items():
                entry[f"fast path {size} (s)"] = _na(r.fast_seconds)
            entry["fast path"] = "; ".join(dict.fromkeys(r.fast_path for r in rows.values() if r.fast_seconds))
            entry["extrapolated"] = any(r.extrapolated for r in rows.values())
            entry["how measured"] = next(iter(rows.values())).measured
            entry["what we time"] = method.speed.what
            out.append(entry)
        return out

    def path_results(self) -> list[PathResult]:
        return [p for r in self.rows for p in r.paths]

    def fast_path_table(self) -> list[dict]:
        """One dict per (method, size, path): median seconds, speed-up over fp32 eager, max / mean |difference|."""
        return fastpath.as_rows(self.path_results())

    def targets(self) -> list[tuple[str, float, float, bool]]:
        """(what, ours, limit, passed): the GPU targets on a GPU, else fast path ≤ fp32 eager per feed-forward net."""
        checks = []
        if self.device_type == "cuda":
            for target in GPU_TARGETS:
                row = next((r for r in self.rows if r.size == target.size
                            and self.methods[r.method].speed.paper_row == target.paper_row), None)
                if row is not None and row.fast_seconds is not None:
                    what = f"{PAPER_SPEED[target.paper_row].method} at {target.size} px{target.condition}"
                    checks.append((what + f" ({row.fast_path})", row.fast_seconds, target.seconds,
                                   row.fast_seconds <= target.seconds))
            return checks
        for row in self.rows:
            if self.methods[row.method].speed.kind == "feed-forward" and row.fast_seconds is not None:
                checks.append((f"{self.label(row.method)} at {row.size} px: {row.fast_path} vs fp32 eager",
                               row.fast_seconds, row.seconds, row.fast_seconds <= row.seconds))
        return checks

    def format(self) -> str:
        lines = [f"device: {self.device}", f"encoder: {self.encoder} (the paper: {PAPER_ENCODER})",
                 f"versions: {self.versions}", "",
                 "seconds per image, batch 1; in brackets with style encoding; ratio = ours / paper "
                 f"({PAPER_DEVICE}; N/A: not in the paper's table); * extrapolated", ""]
        header = ["method", "size", "ours (s)", "paper (s)", "ratio", "fast path (s)", "how"]
        body = []
        for r in self.rows:
            mark = "*" if r.extrapolated else ""
            body.append([self.label(r.method), str(r.size),
                         _pair(r.seconds, r.with_style_encoding, mark), _pair(r.paper_seconds, r.paper_with_style_encoding),
                         _pair(r.ratio, r.ratio_with_style_encoding, suffix="×"),
                         "" if r.fast_seconds is None else f"{_pair(r.fast_seconds, r.fast_with_style_encoding, mark)} "
                                                          f"{r.fast_path}", r.measured])
        lines += text_table(header, body)
        paths = self.path_results()
        if paths:
            lines += ["", "fast paths against fp32 eager (same run, same input, round-robin medians); |Δ| = |path's "
                          "output − fp32 eager's|; keeps: max |Δ| within "
                          f"{fastpath.OUTPUT_TOLERANCE['fp32']:g} (fp32) or 4/255 (16-bit) of the fp32 output's range", ""]
            lines += text_table(["method", "size", "path", "seconds", "× eager", "max |Δ|", "mean |Δ|", "range", "keeps",
                                 "notes"],
                                [[p.network, str(p.size), p.path, f"{p.seconds:.4g}", f"{p.speedup:.2f}",
                                  f"{p.max_error:.1e}", f"{p.mean_error:.1e}", f"{p.output_range:.2g}",
                                  "yes" if p.keeps_output else "no",
                                  "; ".join(x for x in (_first_call(p), p.note) if x)] for p in paths])
        targets = self.format_targets()
        if targets:
            lines += ["", "targets:", targets]
        return "\n".join(lines)

    def format_targets(self) -> str:
        return "\n".join(f"  {'pass' if passed else 'FAIL'}  {what}: {format_seconds(ours)} (limit {format_seconds(limit)})"
                         for what, ours, limit, passed in self.targets())


def _first_call(result: PathResult) -> str:
    """The first call's seconds where it is worth a note (compilation, graph capture)."""
    if result.setup_seconds is None or result.setup_seconds < 1 or result.setup_seconds < 3 * result.seconds:
        return ""
    return f"first call {result.setup_seconds:.1f} s"


def _round(value: float | None) -> float | None:
    return None if value is None else float(f"{value:.4g}")


def _na(value: float | None):
    return "N/A" if value is None else _round(value)


def format_seconds(value: float) -> str:
    """Milliseconds below 0.1 s, else seconds, 3 significant digits."""
    return f"{value * 1e3:.3g} ms" if value < 0.1 else f"{value:.3g} s"


def _pair(value: float | None, bracket: float | None, mark: str = "", suffix: str = "") -> str:
    if value is None:
        return "N/A"
    text = f"{value:.4g}{suffix}{mark}"
    return text + (f" ({bracket:.4g}{suffix}{mark})" if bracket is not None else " (N/A)")


def text_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Left-aligned columns, two spaces apart, one string per line."""
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    return ["  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip() for line in [header] + rows]
