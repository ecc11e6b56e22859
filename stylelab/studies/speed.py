"""Notebook 06's table and figures: the AdaIN paper's Table 1 beside ours (timing: :mod:`stylelab.bench`).

The paper's numbers live in ``bench.PAPER_SPEED``; the methods and what is timed for each in their
``speed`` entries (the registry, :mod:`stylelab.methods.base`; ``report.methods`` for a run's); the
inference paths in :mod:`stylelab.fastpath`. This module turns a profile's
``speed`` settings into a :class:`bench.BenchSettings`, and a :class:`bench.BenchReport` into the
notebook's compact table, bar chart and generated sentences (generated, so that they are true of
whatever numbers the run measured).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from .. import bench, fastpath
from ..bench import BenchReport, BenchSettings


def bench_settings(cfg) -> BenchSettings:
    """A profile's ``speed`` section as benchmark settings."""
    return BenchSettings(sizes=tuple(cfg.sizes), repeats=cfg.repeats, warmup=cfg.warmup, slow_repeats=cfg.slow_repeats,
                         slow_warmup=cfg.slow_warmup,
                         gatys_iterations=cfg.gatys_iterations, inverse_iterations=cfg.inverse_iterations,
                         fast_paths=cfg.fast_paths, fast_path_sizes=cfg.fast_path_sizes, compile=cfg.compile,
                         more_threads=cfg.more_threads, adain_decoder=cfg.adain_decoder)


def use_threads(run) -> int:
    """On a CPU, the profile's ``threads`` (if set) caps torch's intra-op threads for this process;
    returns the thread count the timings run with."""
    if run.device.type == "cpu" and run.cfg.threads:
        torch.set_num_threads(run.cfg.threads)
    return torch.get_num_threads()


def measure(run, encoder) -> BenchReport:
    """Every timed method at the profile's sizes, on the run's device and encoder."""
    return bench.run_bench(None, bench_settings(run.cfg), device=run.device, encoder=encoder, progress=run.progress)


def _seconds(value: float | None, mark: str = "") -> str:
    if value is None:
        return "N/A"
    return f"{value:.3g}{mark}" if value < 100 else f"{value:,.0f}{mark}"


def _as_given(value: float | None) -> str:
    """The paper's seconds with the digits the paper prints."""
    return "N/A" if value is None else f"{value:g}"


def compact_rows(report: BenchReport) -> list[dict]:
    """The slide's layout: per size "seconds (with style encoding)" for ours and the paper's, and the ratio.
    Extrapolated numbers carry a ``*``; a method the paper's table lacks has N/A in its columns."""
    out = []
    for key in dict.fromkeys(r.method for r in report.rows):
        rows = [r for r in report.rows if r.method == key]
        entry = {"Method": report.label(key)}
        for r in rows:
            mark = "*" if r.extrapolated else ""
            entry[f"ours {r.size}px"] = f"{_seconds(r.seconds, mark)} ({_seconds(r.with_style_encoding, mark)})"
            entry[f"paper {r.size}px"] = f"{_as_given(r.paper_seconds)} ({_as_given(r.paper_with_style_encoding)})"
            entry[f"ours/paper {r.size}px"] = "N/A" if r.ratio is None else f"{r.ratio:,.0f}×" if r.ratio >= 10 else f"{r.ratio:.2g}×"
            if r.fast_seconds is not None:
                entry[f"fast path {r.size}px"] = _seconds(r.fast_seconds, mark)
        entry["# Styles (ours / paper)"] = f"{report.methods[key].speed.styles} / {report.methods[key].paper_styles}"
        out.append(entry)
    return out


def markdown(rows: Sequence[dict]) -> str:
    """A list of dicts as a Markdown table (columns: the union, in first-seen order)."""
    columns = list(dict.fromkeys(c for row in rows for c in row))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def speed_figure(report: BenchReport):
    """One panel per size: the paper's seconds, ours in fp32 eager and along the fast path, log scale.

    Hatched bars are extrapolated; the number above each of our bars is ours / paper."""
    sizes = list(dict.fromkeys(r.size for r in report.rows))
    keys = list(dict.fromkeys(r.method for r in report.rows))
    fig, axes = plt.subplots(1, len(sizes), figsize=(6.2 * len(sizes), 4.2), squeeze=False, sharey=True)
    width = 0.27
    x = np.arange(len(keys))
    for ax, size in zip(axes[0], sizes):
        rows = {r.method: r for r in report.rows if r.size == size}
        paper = [rows[k].paper_seconds or np.nan for k in keys]
        ours = [rows[k].seconds for k in keys]
        fast = [rows[k].fast_seconds if rows[k].fast_seconds is not None else np.nan for k in keys]
        ax.bar(x - width, paper, width, label=f"paper ({bench.PAPER_DEVICE})", color="0.65")
        bars = ax.bar(x, ours, width, label="ours, fp32 eager", color="tab:blue")
        fast_bars = ax.bar(x + width, fast, width, label="ours, fast path", color="tab:orange")
        for k, key in enumerate(keys):
            if rows[key].extrapolated:
                bars[k].set_hatch("//")
                fast_bars[k].set_hatch("//")
            if rows[key].ratio is not None:
                ax.annotate(f"×{rows[key].ratio:,.0f}" if rows[key].ratio >= 10 else f"×{rows[key].ratio:.2g}",
                            (x[k], ours[k]), ha="center", va="bottom", fontsize=7)
        ax.set_yscale("log")
        ax.set_xticks(x, [report.label(k).replace(" (ours)", "") for k in keys], rotation=20, fontsize=8)
        ax.set_title(f"{size} px, style encoding excluded (×: ours / paper; hatched: extrapolated)", fontsize=9)
        ax.grid(axis="y", which="major", alpha=0.3)
    axes[0][0].set_ylabel("seconds per image (log scale)")
    from matplotlib.patches import Patch

    # proxies: the first bar of a series may be hatched (extrapolated), which the legend would copy
    handles = [Patch(color="0.65", label=f"paper ({bench.PAPER_DEVICE})"), Patch(color="tab:blue", label="ours, fp32 eager"),
               Patch(color="tab:orange", label="ours, fast path"),
               Patch(facecolor="white", edgecolor="0.3", hatch="//", label="extrapolated")]
    axes[0][0].legend(handles=handles, fontsize=7, loc="upper right")
    fig.tight_layout()
    return fig


def fast_path_rows(report: BenchReport, sizes: Sequence[int] | None = None) -> list[dict]:
    """The fast-path table, restricted to ``sizes`` (None: all)."""
    return [r for r in report.fast_path_table() if sizes is None or r["size"] in sizes]


def findings(report: BenchReport) -> list[str]:
    """Sentences about the run, computed from its numbers (so they stay true when the numbers change)."""
    lines = []
    rows = {(r.method, r.size): r for r in report.rows}
    sizes = sorted({r.size for r in report.rows})
    ratios = [r.ratio for r in report.rows if r.ratio is not None]
    if ratios:
        lines.append(f"ours / paper: between {min(ratios):,.1f}× and {max(ratios):,.0f}× (above 1: this device is "
                     f"slower than the paper's {bench.PAPER_DEVICE})")
    for size in sizes:
        if ("gatys", size) in rows and ("adain", size) in rows:
            g, a = rows["gatys", size], rows["adain", size]
            if g.paper_seconds and a.paper_seconds:
                lines.append(f"{size} px: AdaIN is {g.paper_seconds / a.paper_seconds:,.0f}× faster than Gatys in the "
                             f"paper, {g.seconds / a.seconds:,.0f}× here")
        if ("adain", size) in rows and ("ulyanov", size) in rows:
            a, u = rows["adain", size], rows["ulyanov", size]
            if a.paper_seconds and u.paper_seconds:
                lines.append(f"{size} px: AdaIN takes {a.paper_seconds / u.paper_seconds:.1f}× Ulyanov's time in the "
                             f"paper, {a.seconds / u.seconds:.1f}× here (fp32 eager)")
    weights = {report.label(r.method): r.weights for r in report.rows if r.weights}
    if weights:
        lines.append("weights: " + "; ".join(f"{k}: {v}" for k, v in weights.items()))
    extrapolated = [f"{report.label(r.method)} {r.size} px ({r.measured})" for r in report.rows if r.extrapolated]
    if extrapolated:
        lines.append("extrapolated: " + "; ".join(extrapolated))
    return lines


def _fast_path_rows(report: BenchReport):
    """(row, its chosen path's result) per feed-forward method and size timed along the fast paths (a size the
    settings time in fp32 eager only has no choice to report)."""
    for row in report.rows:
        if report.methods[row.method].speed.kind == "feed-forward" and row.fast_seconds is not None:
            yield row, next(p for p in row.paths if p.path == row.fast_path)


def fast_path_findings(report: BenchReport) -> list[str]:
    """Per feed-forward method and size timed along the fast paths: the path chosen, its speed-up, and what each
    16-bit path did."""
    lines = []
    for row, best in _fast_path_rows(report):
        line = (f"{report.label(row.method)} {row.size} px: {row.fast_path}, ×{best.speedup:.2f} of fp32 eager "
                f"({row.fast_seconds:.3g} s vs {row.seconds:.3g} s)")
        for p in row.paths:
            if p.path.startswith(("bf16", "fp16")) and p.path != row.fast_path:
                why = p.note or f"max |Δ| {p.max_error:.2g} > {4 / 255 * p.output_range:.2g}"
                line += f"; {p.path.split(' +')[0]}: ×{p.speedup:.2f} but not kept ({why})"
            elif p.path == fastpath.ONNXRUNTIME.name and p.path != row.fast_path:
                line += (f"; onnxruntime {p.note}" if p.note.startswith("skipped") else
                         f"; onnxruntime: ×{p.speedup:.2f} ({p.seconds:.3g} s, max |Δ| {p.max_error:.1g}"
                         f"{'' if p.keeps_output else ', not kept'})")
        lines.append(line)
    return lines


def fast_path_display(report: BenchReport) -> list[dict]:
    """The fast-path table's columns a reader needs (the saved CSV has them all); "keeps output" as yes / no."""
    keep = ("method", "size", "path", "seconds", "× fp32 eager", "max |Δ|", "keeps output")
    rows = [{k: r[k] for k in keep} for r in report.fast_path_table()]
    for row in rows:
        row["keeps output"] = "yes" if row["keeps output"] else "no"
    return rows


def fast_path_choices(report: BenchReport) -> list[dict]:
    """Per feed-forward method and size timed along the fast paths: the chosen path and its speed-up over fp32
    eager (a table, not sentences: it reads the same in both languages)."""
    return [{"method": report.label(row.method), "size": row.size, "chosen path": row.fast_path,
             "× fp32 eager": f"{best.speedup:.2f}", "seconds": f"{row.fast_seconds:.3g} / {row.seconds:.3g}"}
            for row, best in _fast_path_rows(report)]


def speedups(report: BenchReport, slow: str, fast: str) -> list[tuple[int, float | None, float]]:
    """Per size: (size, the paper's ``slow`` / ``fast`` seconds or None, ours), fp32 eager, style encoding
    excluded; rows keyed by registry name."""
    rows = {(r.method, r.size): r for r in report.rows}
    out = []
    for size in sorted({r.size for r in report.rows}):
        if (slow, size) in rows and (fast, size) in rows:
            s, f = rows[slow, size], rows[fast, size]
            paper = s.paper_seconds / f.paper_seconds if s.paper_seconds and f.paper_seconds else None
            out.append((size, paper, s.seconds / f.seconds))
    return out


def per_iteration(report: BenchReport, method: str = "gatys") -> list[tuple[int, float, str]]:
    """(size, seconds per iteration, what was measured) of an optimisation row: its seconds over the
    iterations it counts (:data:`bench.PAPER_ITERATIONS` for Gatys)."""
    return [(r.size, r.seconds / bench.PAPER_ITERATIONS, r.measured) for r in report.rows if r.method == method]
