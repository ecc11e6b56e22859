"""Notebook 03's studies (conditional instance norm, Dumoulin et al.) as functions and figures.

The method is :mod:`stylelab.methods.cin` (mixing weights, interpolation, ``add_style``); the net is a
:mod:`stylelab.methods.feedforward` Johnson net with ``norm="conditional_instance"``.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch

from .. import assets, images
from ..encoders import MultiLayerEncoder
from ..methods import cin
from .feedforward import ratio_grid
from .normalization import span
from ..weights import recipe_command  # noqa: F401  (notebook 03 reads it here)

__all__ = ["blend_figure", "grid_figure", "new_style_rows", "recipe_command", "recipe_rows", "span",
           "speed_rows", "strip_distances", "style_grid", "style_images", "style_spread", "strip_figure"]


def style_images(names: Sequence[str], short_side: int, device="cpu") -> list[torch.Tensor]:
    return [images.load_image(assets.fetch(n), short_side=short_side, device=device) for n in names]


def style_grid(net: torch.nn.Module, encoder: MultiLayerEncoder, contents: Sequence[torch.Tensor],
               styles: Sequence[torch.Tensor], content_names: Sequence[str], style_names: Sequence[str]):
    """Every content through every style of one net; ratio d(output, s) / d(content, s) per pair."""
    return ratio_grid(lambda content, s, _style: cin.stylize(net, content, s), encoder, contents, styles,
                      content_names, style_names)


def grid_figure(contents, styles, outputs, ratios: Sequence[dict], style_names: Sequence[str]):
    """Styles along the top, one row per content image (left), ratios in the titles."""
    n_rows, n_cols = len(contents) + 1, len(styles) + 1
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(2.3 * n_cols, 2.2 * n_rows))
    for j, (style, name) in enumerate(zip(styles, style_names)):
        axes[0, j + 1].imshow(images.to_pil(style[0]))
        axes[0, j + 1].set_title(f"style {j}: {name.split('/')[-1]}", fontsize=8)
    for i, content in enumerate(contents):
        axes[i + 1, 0].imshow(images.to_pil(content[0]))
        axes[i + 1, 0].set_title(f"{ratios[i]['content']} (never seen)", fontsize=8)
        for j, name in enumerate(style_names):
            axes[i + 1, j + 1].imshow(images.to_pil(outputs[i][j][0]))
            axes[i + 1, j + 1].set_title(f"ratio {ratios[i][name.split('/')[-1]]:.2f}", fontsize=8)
    for ax in axes.flat:
        ax.axis("off")
    fig.tight_layout()
    return fig


def strip_figure(strip: Sequence[torch.Tensor], a: str, b: str):
    n = len(strip)
    fig, axes = plt.subplots(1, n, figsize=(2.3 * n, 2.6))
    for k, (ax, image) in enumerate(zip(axes, strip)):
        t = k / (n - 1)
        ax.imshow(images.to_pil(image[0]))
        ax.set_title(f"{1 - t:.2f}·{a}\n+ {t:.2f}·{b}", fontsize=8)
        ax.axis("off")
    fig.tight_layout()
    return fig


def blend_figure(grid: Sequence[Sequence[torch.Tensor]], corner_names: Sequence[str]):
    n = len(grid)
    fig, axes = plt.subplots(n, n, figsize=(2.2 * n, 2.2 * n))
    for i in range(n):
        for j in range(n):
            axes[i, j].imshow(images.to_pil(grid[i][j][0]))
            axes[i, j].axis("off")
    for (i, j), name in zip(((0, 0), (0, n - 1), (n - 1, 0), (n - 1, n - 1)), corner_names):
        axes[i, j].set_title(name.split("/")[-1], fontsize=8)
    fig.tight_layout()
    return fig


def recipe_rows(recipe: dict, keys: Sequence[str] = ("steps", "wall_time_s", "device", "encoder",
                                                       "revision")) -> list[dict]:
    """The committed net's recipe as table rows (setting, value)."""
    def value(v):
        return f"{v:,.0f}" if isinstance(v, float) and v >= 100 else v

    return [{"setting": k, "value": value(recipe[k])} for k in keys if k in recipe]


def style_spread(outputs: Sequence[Sequence[torch.Tensor]]) -> float:
    """The closest two styles' renderings of the same photo: min over photos and style pairs of the
    mean absolute pixel difference (0 = two styles give the same picture)."""
    return min(float((row[i] - row[j]).abs().mean())
               for row in outputs for i in range(len(row)) for j in range(i + 1, len(row)))


def strip_distances(strip: Sequence[torch.Tensor]) -> list[float]:
    """Mean absolute pixel distance of every image of an interpolation strip from its first image."""
    return [float((image - strip[0]).abs().mean()) for image in strip]


def new_style_rows(net, grown_net, encoder, contents, content_names, new_style, steps: int) -> list[dict]:
    """Ratio to the new painting before (the new row's start: the mean of the old styles) and after training
    its γ, β for ``steps`` steps, per photo."""
    from ..perceptual import statistics_ratio, style_statistics

    rows, style_stats = [], style_statistics(encoder, new_style)
    for name, content in zip(content_names, contents):
        before = cin.stylize(net, content, [1 / cin.num_styles(net)] * cin.num_styles(net))
        after = cin.stylize(grown_net, content, cin.num_styles(grown_net) - 1)
        ratios = statistics_ratio(style_statistics(encoder, torch.cat([before, after])),
                                  style_statistics(encoder, content), style_stats).tolist()
        rows.append({"content": name, "before (mean γ, β)": ratios[0], f"after {steps} steps": ratios[1]})
    return rows


def _or_dash(value):
    return "—" if value is None else value


def speed_rows(net, sizes: Sequence[int], device, repeats: int, styles: int) -> list[dict]:
    """Our CIN net's forward pass (one style, batch 1) against the paper's Dumoulin et al. row."""
    from .. import bench
    from ..bench.paper import paper_row

    paper = paper_row("Dumoulin et al.")
    return [{"size (px)": size,
             "ours (s)": bench.time_forward(net, size, device=device, repeats=repeats, style=0),
             "paper, Titan X (s)": _or_dash(bench.paper_seconds("Dumoulin et al.", size)),
             "styles (ours / paper)": f"{styles} / {paper.styles_label}"} for size in sizes]
