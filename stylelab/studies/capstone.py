"""Notebook 07 (the capstone): one content/style pair through every method of the registry.

    run = experiment.start("capstone", profile=profile, ...)
    entries = capstone.load_all(cfg.style, device=run.device, encoder=run.encoder_name, cfg=cfg)
    outputs = capstone.stylize_all(entries, content, style)
    rows = capstone.measure_rows(enc, entries, outputs, content, style)

Nothing here branches on a method's name: the methods come from :func:`stylelab.methods.base.methods`, and
what differs between them is read from the interface (``style_source``: style images or a trained net's own
styles; ``Options``' fields; ``speed``). A net trained on fixed styles gets the first registered model of its
method that paints the asked style (its default model first); when none does, its default model, marked.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import torch

from .. import assets, bench, images, weights
from ..encoders import MultiLayerEncoder
from ..errors import StylelabError
from ..methods import base
from ..methods.gatys import style_distance
from ..perceptual import style_ratio

#: Published weights tried beside a method's own model when their files are present (offline: absent).
#: (registry name of the method, the asset or model name, the column label)
PUBLISHED = (("adain", "weights/adain_decoder", "adain (authors' decoder.pth)"),)

#: The content distance's layer: the relu4_1 features AdaIN's decoder is trained to invert.
CONTENT_LAYER = "relu4_1"


@dataclass
class Entry:
    """One column of the capstone: a loaded method and what it paints."""

    name: str  # registry name
    label: str
    method: base.Method
    trained_on: tuple[str, ...]  # a net's own styles; () = any style image
    weights: str = ""
    note: str = ""

    @property
    def any_style(self) -> bool:
        return not self.trained_on

    def paints(self, style: str) -> bool:
        return self.any_style or _index(self.trained_on, style) is not None

    def style_input(self, style: str, image: torch.Tensor):
        """What ``stylize`` takes: the image, or the net's id of ``style`` (its first style if it lacks it)."""
        if self.any_style:
            return image
        index = _index(self.trained_on, style)
        return 0 if index is None else index


def _index(own: Sequence[str], style: str) -> int | None:
    return next((i for i, n in enumerate(own) if n == style or Path(n).stem == Path(style).stem), None)


def options_for(cls: type[base.Method], overrides: dict):
    """The method's ``Options`` with those of ``overrides`` it has (e.g. ``iterations``, ``scales``)."""
    names = {f.name for f in dataclasses.fields(cls.Options)}
    return dataclasses.replace(cls.Options(), **{k: v for k, v in overrides.items() if k in names})


def _net_candidates(cls: type[base.Method]) -> list[str | None]:
    own = getattr(cls, "default_weights", None)
    return [None] + [name for name in weights.registry() if name != own]


def load_entry(cls: type[base.Method], style: str, *, device, encoder: str, overrides: dict,
               weights_name: str | None = None, label: str | None = None) -> Entry | None:
    """The method loaded for ``style``; None (and a note in :data:`SKIPPED`) when it cannot load."""
    options = options_for(cls, overrides)
    label = label or cls.name
    if weights_name is not None or cls.style_source == "images":
        try:
            method = cls.load(weights_name, options, device=device, encoder=encoder)
        except StylelabError as exc:
            SKIPPED.append((label, _first_clause(str(exc))))
            return None
        return Entry(cls.name, label, method, tuple(method.net_styles()), weights_name or "default")
    fallback = None
    for candidate in _net_candidates(cls):
        try:
            method = cls.load(candidate, options, device=device, encoder=encoder)
        except Exception:  # not this method's kind of model file, or no default model
            continue
        entry = Entry(cls.name, label, method, tuple(method.net_styles()), method.describe())
        if entry.paints(style):
            return entry
        fallback = fallback or entry
    if fallback is None:
        SKIPPED.append((label, f"no registered {cls.name} model loads"))
        return None
    fallback.note = f"not trained on {Path(style).stem}: paints {Path(fallback.trained_on[0]).stem}"
    return fallback


def _first_clause(message: str) -> str:
    """A loader's error up to its first bracket or colon: the reason without download hints or paths."""
    return re.split(r" \(|: ", message.splitlines()[0], maxsplit=1)[0]


#: (label, one-line reason) of what :func:`load_all` could not load, in order.
SKIPPED: list[tuple[str, str]] = []


def load_all(style: str, *, device, encoder: str, overrides: dict) -> list[Entry]:
    """Every registered method, in the talk's order, then the published weights found; see :data:`SKIPPED`."""
    SKIPPED.clear()
    entries = [load_entry(cls, style, device=device, encoder=encoder, overrides=overrides)
               for cls in base.methods().values()]
    for name, source, label in PUBLISHED:
        entries.append(load_entry(base.get(name), style, device=device, encoder=encoder, overrides=overrides,
                                  weights_name=source, label=label))
    return [e for e in entries if e is not None]


def load_pair(content: str, style: str, size: int, style_size: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    """The content (cropped to a multiple of 16, the texture net's four halvings) and the style image."""
    c = images.load_image(assets.fetch(content), short_side=size, device=device)
    c = c[..., : c.shape[-2] // 16 * 16, : c.shape[-1] // 16 * 16]
    return c, images.load_image(assets.fetch(style), short_side=style_size, device=device)


def stylize_all(entries: Sequence[Entry], content: torch.Tensor, style_name: str, style: torch.Tensor,
                *, only_any_style: bool = False) -> dict[str, tuple[torch.Tensor, float]]:
    """label → (output, wall seconds of the one ``stylize`` call); ``only_any_style``: skip fixed-style nets."""
    out = {}
    for e in entries:
        if only_any_style and not e.any_style:
            continue
        start = time.perf_counter()
        with torch.no_grad() if e.method.speed and e.method.speed.kind == "feed-forward" else contextlib.nullcontext():
            image = e.method.stylize(content, [e.style_input(style_name, style)], **e.method.controls())
        out[e.label] = (image.detach(), time.perf_counter() - start)
    return out


def measures(encoder: MultiLayerEncoder, output: torch.Tensor, content: torch.Tensor,
             style: torch.Tensor) -> dict[str, float]:
    """Style ratio d(out, s)/d(c, s); Gram ratio (Σ_l E_l of the output over the content's); content
    distance ‖f(out) − f(c)‖ / ‖f(c)‖ at relu4_1."""
    with torch.no_grad():
        fo, fc = encoder(output, [CONTENT_LAYER])[CONTENT_LAYER], encoder(content, [CONTENT_LAYER])[CONTENT_LAYER]
        content_distance = ((fo - fc).norm() / fc.norm()).item()
    return {"style ratio": style_ratio(encoder, output, content, style).item(),
            "Gram ratio": style_distance(encoder, output, style) / style_distance(encoder, content, style),
            "content distance": content_distance}


def measure_rows(encoder: MultiLayerEncoder, entries: Sequence[Entry],
                 outputs: dict[str, tuple[torch.Tensor, float]], content: torch.Tensor, style_name: str,
                 style: torch.Tensor) -> list[dict]:
    """One row per output: the measures, the wall seconds and what the method painted."""
    rows = []
    for e in entries:
        if e.label not in outputs:
            continue
        image, seconds = outputs[e.label]
        m = measures(encoder, image, content, style)
        rows.append({"method": e.label, **{k: round(v, 3) for k, v in m.items()}, "seconds here": round(seconds, 2),
                     "paints the style": "yes" if e.paints(style_name) else "no (" + e.note + ")"
                     if e.note else "no"})
    return rows


def timing(encoder: MultiLayerEncoder, device, size: int, repeats: int, iterations: int,
           progress: bool = False) -> bench.BenchReport:
    """Every timed method of the registry at one size through its ``speed.time`` (fp32 eager; the
    optimisation methods run ``iterations`` iterations and are multiplied out to their full count)."""
    settings = bench.BenchSettings(sizes=(size,), repeats=repeats, warmup=1, slow_repeats=1,
                                   gatys_iterations=iterations, inverse_iterations=iterations, fast_paths=False,
                                   compile=False, more_threads=False, adain_decoder="auto")
    return bench.run_bench(None, settings, device=device, encoder=encoder, progress=progress)


def timing_rows(report: bench.BenchReport) -> list[dict]:
    """Per method: seconds per image (style encoding excluded), ``*`` when multiplied out, and the kind."""
    rows = []
    for r in report.rows:
        rows.append({"method": r.method, "kind": report.methods[r.method].speed.kind,
                     "seconds": f"{r.seconds:.3g}" + ("*" if r.extrapolated else ""), "measured": r.measured})
    return rows


def seconds_by_kind(report: bench.BenchReport) -> dict[str, list[tuple[str, float]]]:
    """kind → [(method, seconds)], from the report's rows."""
    out: dict[str, list[tuple[str, float]]] = {}
    for r in report.rows:
        out.setdefault(report.methods[r.method].speed.kind, []).append((r.method, r.seconds))
    return out


def grid_figure(content: torch.Tensor, rows: Sequence[tuple[str, torch.Tensor, dict, list[dict]]]):
    """One row per style: content, style, then each method's output with its measures under it (one column
    per method, in the first row's order; a method a row did not run leaves its panel empty)."""
    labels = list(dict.fromkeys(label for _, _, outs, _ in rows for label in outs))
    ncols = 2 + len(labels)
    fig, axes = plt.subplots(len(rows), ncols, figsize=(1.9 * ncols, 2.3 * len(rows)), squeeze=False)
    for (title, style, outs, measured), ax_row in zip(rows, axes):
        by_label = {m["method"]: m for m in measured}
        panels = [("content", content, ""), (f"style: {title}", style, "")]
        panels += [(label, outs[label][0], _caption(by_label[label])) if label in outs else (None, None, "")
                   for label in labels]
        for ax, (name, img, caption) in zip(ax_row, panels + [(None, None, "")] * (ncols - len(panels))):
            ax.axis("off")
            if name is None:
                continue
            ax.imshow(images.to_pil(img.cpu()))
            ax.set_title(name, fontsize=7)
            ax.text(0.5, -0.04, caption, transform=ax.transAxes, ha="center", va="top", fontsize=6.5)
    fig.tight_layout(rect=(0, 0.04, 1, 1))  # room for the stamp under the last row's captions
    # the captions are text below each axes, which tight_layout does not count: room for two lines of them
    fig.subplots_adjust(hspace=0.45)
    return fig


def _caption(m: dict) -> str:
    return f"style {m['style ratio']:.2f} · Gram {m['Gram ratio']:.2f}\ncontent {m['content distance']:.2f}"


def reference_content_distance(encoder: MultiLayerEncoder, content: torch.Tensor, style: torch.Tensor) -> float:
    """The content distance of the style painting itself (resized to the content's size): an output as far
    from the photograph's relu4_1 features as this has kept none of its content."""
    resized = torch.nn.functional.interpolate(style, size=content.shape[-2:], mode="bilinear", align_corners=False)
    with torch.no_grad():
        fo, fc = encoder(resized, [CONTENT_LAYER])[CONTENT_LAYER], encoder(content, [CONTENT_LAYER])[CONTENT_LAYER]
        return ((fo - fc).norm() / fc.norm()).item()


def with_alpha(entries: Sequence[Entry], encoder: MultiLayerEncoder, content: torch.Tensor, style_name: str,
               style: torch.Tensor, alpha: float) -> list[dict]:
    """Every method with an ``alpha`` control at ``alpha``: its style ratio and content distance."""
    rows = []
    for e in entries:
        controls = e.method.controls()
        if "alpha" not in controls:
            continue
        with torch.no_grad():
            image = e.method.stylize(content, [e.style_input(style_name, style)], **{**controls, "alpha": alpha})
        m = measures(encoder, image, content, style)
        rows.append({"method": e.label, "alpha": alpha, "style ratio": round(m["style ratio"], 3),
                     "content distance": round(m["content distance"], 3)})
    return rows


def entry_rows(entries: Sequence[Entry]) -> list[dict]:
    """What each column is: kind, weights, the styles it was trained on."""
    return [{"method": e.label, "kind": e.method.speed.kind if e.method.speed else "",
             "weights": e.weights, "styles": "any style image" if e.any_style else
             ", ".join(Path(s).stem for s in e.trained_on)} for e in entries]
