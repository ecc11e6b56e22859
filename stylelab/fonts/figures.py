"""EMD's figures: glyph mosaics, a triplet, loss curves, the D1–D4 grid, study plots, pix2pix panels.

Each function takes glyph tensors or results and returns a matplotlib figure; titles that name a
character use a CJK-capable font (:func:`cjk_font_family`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from ..training import History
from . import glyphs
from .data import SPLIT_LABELS, SPLITS, FontData, Triplets


def cjk_font_family() -> list[str]:
    """matplotlib font families with a CJK fallback (Noto Sans CJK SC, else WenQuanYi Zen Hei), so
    titles that name a character draw it instead of a tofu box; the default family if neither is
    installed."""
    from matplotlib import font_manager, rcParams

    families = list(rcParams["font.family"])
    for name in ("noto-sans-sc-regular", "wqy-zenhei"):
        spec = glyphs.font_spec(name)
        if not glyphs.missing_fonts([spec]):
            path = glyphs.locate(spec)[name]
            font_manager.fontManager.addfont(str(path))
            # A .ttc registers its first face's family name; that face covers the CJK block either way.
            family = font_manager.FontProperties(fname=str(path)).get_name()
            return [f for f in rcParams["font.sans-serif"][:1]] + [family]
    return families


def _mosaic(rows: list[torch.Tensor], gap: int = 2) -> np.ndarray:
    """Rows of glyphs (each (n, 1, H, W) or (n, H, W)) → one grey image with white gaps."""
    rows = [r.detach().float().cpu().reshape(-1, *r.shape[-2:]) for r in rows]
    n = max(len(r) for r in rows)
    h, w = rows[0].shape[-2:]
    canvas = np.ones((len(rows) * (h + gap) - gap, n * (w + gap) - gap), dtype=np.float32)
    for i, row in enumerate(rows):
        for j, glyph in enumerate(row):
            canvas[i * (h + gap): i * (h + gap) + h, j * (w + gap): j * (w + gap) + w] = glyph.numpy()
    return canvas


def _labelled(ax, mosaic: np.ndarray, labels: list[str], title: str = "") -> None:
    ax.imshow(mosaic, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    step = mosaic.shape[0] / len(labels)
    ax.set_yticks([step * (k + 0.5) for k in range(len(labels))], labels, fontsize=7)
    ax.set_xticks([])
    for side in ax.spines.values():
        side.set_visible(False)
    ax.tick_params(length=0)
    if title:
        ax.set_title(title, fontsize=9)


def glyph_figure(data: FontData, n_chars: int = 6):
    """Sample glyphs: one row per style (known, then novel), known then novel characters."""
    import matplotlib.pyplot as plt

    table = data.table
    contents = torch.cat([data.known_contents[:n_chars], data.novel_contents[:n_chars]])
    styles = torch.cat([data.known_styles, data.novel_styles])
    rows = [table.images[s, contents].float() / 255 for s in styles.tolist()]
    labels = [f"{table.style_names[s]} ({'novel' if k >= len(data.known_styles) else 'known'})"
              for k, s in enumerate(styles.tolist())]
    fig, ax = plt.subplots(figsize=(0.5 * len(contents) + 2.5, 0.42 * len(rows) + 0.6))
    _labelled(ax, _mosaic(rows), labels, f"{len(styles)} {glyphs.SCRIPTS[data.script]} styles: "
                                          f"{n_chars} known | {n_chars} novel characters")
    return fig


def triplet_figure(triplets: Triplets, index: int = 0, data: FontData | None = None):
    """One triplet: the target, its r style references and its r content references."""
    import matplotlib.pyplot as plt

    r = triplets.style_refs.shape[1]
    names = data.table.style_names if data else None
    style, content = int(triplets.style[index]), int(triplets.content[index])
    title = (f"target: {data.table.chars[content]} (U+{ord(data.table.chars[content]):04X}) in {names[style]}"
             if data else "target")
    with plt.rc_context({"font.family": cjk_font_family()}):  # the title names the character
        fig, axes = plt.subplots(3, 1, figsize=(0.55 * r + 2.5, 2.4), gridspec_kw={"hspace": 0.5})
        for ax, row, label in ((axes[0], triplets.target[index], title),
                               (axes[1], triplets.style_refs[index], "style references: same font, other characters"),
                               (axes[2], triplets.content_refs[index], "content references: same character, other fonts")):
            _labelled(ax, _mosaic([row]), [""], label)
    return fig


def loss_figure(histories: dict[str, History], window: int = 20):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3))
    for name, history in histories.items():
        values = np.asarray(history["loss"])
        smooth = np.convolve(values, np.ones(window) / window, mode="valid") if len(values) > window else values
        ax.plot(np.arange(len(smooth)) + (len(values) - len(smooth)), smooth, label=name)
    ax.set_xlabel("step")
    ax.set_ylabel(f"training loss (mean of {window})")
    ax.set_yscale("log")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def split_grid_figure(tests: dict[str, Triplets], outputs: dict[str, Callable[[Triplets], torch.Tensor]],
                      n: int = 8, *, numbered: bool = False):
    """The D1–D4 grid in the layout of the deck's Figure 4 (D1 | D2 over D3 | D4): a target row (TG)
    and one row per output.

    ``numbered=False``: each row is labelled with its method's name. ``numbered=True``: rows are O1, O2, …
    in the order given, as the deck numbers its outputs for increasing training-set size N_t (pass the
    outputs in increasing N_t); a legend below names each O_k."""
    import matplotlib.pyplot as plt

    labels = [f"O{k + 1}" for k in range(len(outputs))] if numbered else list(outputs)
    fig, axes = plt.subplots(2, 2, figsize=(2 * (0.5 * n + 1.4), 2 * (0.5 * (len(outputs) + 1) + 0.5)))
    for ax, split in zip(axes.ravel(), SPLITS):
        part = tests[split].slice(0, n)
        rows = [part.target] + [fn(part) for fn in outputs.values()]
        _labelled(ax, _mosaic(rows), ["TG"] + labels, f"{split}: {SPLIT_LABELS[split]}")
    legend = " · ".join(f"O{k + 1}: {name}" for k, name in enumerate(outputs)) if numbered \
        else "rows: " + " · ".join(outputs)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.text(0.01, 0.03, "TG: target · " + legend, ha="left", va="bottom", fontsize=8)  # the stamp goes below
    return fig


def study_plot(rows: list[dict], x: str, metric: str = "L1", log_x: bool = False):
    """One line per split: ``metric`` against ``x`` (e.g. "Nt", "r")."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.5, 3))
    for split in SPLITS:
        points = sorted((r[x], r[metric]) for r in rows if r["split"] == split)
        if points:
            ax.plot(*zip(*points), marker="o", label=f"{split}: {SPLIT_LABELS[split]}")
    ax.set_xlabel(x)
    ax.set_ylabel(metric)
    if log_x:
        ax.set_xscale("log")
    ax.set_xticks(sorted({r[x] for r in rows}))
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def pix2pix_figure(runs: Sequence):
    """Per pix2pix style and split: target, EMD and pix2pix rows."""
    import matplotlib.pyplot as plt

    panels = [(run, split, ex) for run in runs for split, ex in run.examples.items()]
    fig, axes = plt.subplots(len(panels), 1, figsize=(6, 1.5 * len(panels) + 0.3), squeeze=False)
    for ax, (run, split, ex) in zip(axes[:, 0], panels):
        rows = [ex[:, 0], ex[:, 1], ex[:, 2]]
        _labelled(ax, _mosaic(rows), ["target", "EMD", "pix2pix"],
                  f"{run.style} ({run.kind} style; pix2pix trained on {len(run.train_contents)} glyphs) · {split}")
    fig.tight_layout()
    return fig
