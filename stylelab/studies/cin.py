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
