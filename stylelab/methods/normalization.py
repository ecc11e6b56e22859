"""The talk's normalisation slides (BN, IN, CIN, AdaIN) shown on real images and VGG features.

Each function returns a matplotlib figure or table rows for ``notebooks/00_normalization.ipynb``;
the equations themselves live in :mod:`stylelab.norms`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

import torch

from ..losses import mean_std_style_loss
from ..norms import ConditionalInstanceNorm, adain, batch_norm, instance_norm, mean_std


def _as_display(normalised: torch.Tensor) -> torch.Tensor:
    """Map zero-mean, unit-σ values to [0, 1] for display (±2σ → 0…1)."""
    return (0.5 + normalised / 4).clamp(0, 1)


def feature_statistics_figure(features: torch.Tensor, labels: Sequence[str], layer: str):
    """Per-channel (μ, σ) of each image's features: raw, after BN over the batch, after IN."""
    import matplotlib.pyplot as plt

    variants = {"raw features": features, "after BN (batch statistics)": batch_norm(features),
                "after IN (per-image statistics)": instance_norm(features)}
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    for ax, (title, x) in zip(axes, variants.items()):
        mean, std = mean_std(x)
        for i, label in enumerate(labels):
            ax.scatter(mean[i].flatten(), std[i].flatten(), s=6, alpha=0.6, label=label)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("channel mean μ_nc")
    axes[0].set_ylabel("channel std σ_nc")
    axes[0].legend(fontsize=7, markerscale=2)
    fig.suptitle(f"{layer}: each dot is one channel of one image", fontsize=10)
    fig.tight_layout()
    return fig


def normalized_pixels_figure(images: torch.Tensor, labels: Sequence[str]):
    """The same normalisations on RGB pixels: BN keeps each image's colour and contrast, IN removes them."""
    from ..images import show_images

    rows = [images, _as_display(batch_norm(images)), _as_display(instance_norm(images))]
    names = ["input", "BN over the batch", "IN per image"]
    tiles = [row[i] for row in rows for i in range(len(labels))]
    titles = [f"{name}: {label}" for name in names for label in labels]
    return show_images([t.unsqueeze(0) for t in tiles], titles, ncols=len(labels), size=2.2)


def _unit_rms(x: torch.Tensor) -> torch.Tensor:
    return x / x.square().mean().sqrt().clamp_min(1e-12)


def style_distance_rows(features: Mapping[str, torch.Tensor], labels: Sequence[str]) -> list[dict]:
    """AdaIN's style loss L_s between every pair of images, on raw, BN'd and IN'd features.

    Each variant is first scaled to unit RMS over the batch, so that the three columns compare
    how different the styles are, not how large the activations happen to be.
    """
    variants = {"raw": lambda x: x, "after BN": batch_norm, "after IN": instance_norm}
    transformed = {name: {layer: _unit_rms(fn(x)) for layer, x in features.items()} for name, fn in variants.items()}
    rows = []
    for i, j in combinations(range(len(labels)), 2):
        row = {"pair": f"{labels[i]} vs {labels[j]}"}
        for name, feats in transformed.items():
            a = {layer: x[i : i + 1] for layer, x in feats.items()}
            b = {layer: x[j : j + 1] for layer, x in feats.items()}
            row[f"L_s {name}"] = mean_std_style_loss(a, b).item()
        rows.append(row)
    return rows


def style_cin(styles: torch.Tensor) -> ConditionalInstanceNorm:
    """A CIN layer over RGB whose γˢ, βˢ are the σ, μ of each style image: one layer, N styles."""
    cin = ConditionalInstanceNorm(num_features=styles.shape[1], num_styles=styles.shape[0])
    mean, std = mean_std(styles)
    with torch.no_grad():
        cin.weight.copy_(std.flatten(1))
        cin.bias.copy_(mean.flatten(1))
    return cin


def cin_figure(content: torch.Tensor, styles: torch.Tensor, labels: Sequence[str], mix_steps: int = 5):
    """Top: CIN(c; s) for each style s. Bottom: a convex mix of the first two styles' (γ, β)."""
    from ..images import show_images

    cin = style_cin(styles)
    n = styles.shape[0]
    with torch.no_grad():
        per_style = [cin(content, s).clamp(0, 1) for s in range(n)]
        weights = torch.linspace(0, 1, mix_steps)
        mixes = [cin(content, torch.tensor([[1 - w, w] + [0.0] * (n - 2)])).clamp(0, 1) for w in weights]
    tiles = [content] + list(styles.split(1)) + per_style + mixes
    titles = (["content"] + [f"style {s}: {label}" for s, label in enumerate(labels)]
              + [f"CIN(c; {s})" for s in range(n)] + [f"{1 - w:.2f}·s0 + {w:.2f}·s1" for w in weights.tolist()])
    ncols = max(n + 1, mix_steps)
    rows = [tiles[: n + 1], tiles[n + 1 : 2 * n + 1], tiles[2 * n + 1 :]]
    row_titles = [titles[: n + 1], titles[n + 1 : 2 * n + 1], titles[2 * n + 1 :]]
    padded, padded_titles = [], []
    for row, row_title in zip(rows, row_titles):
        padded += row + [torch.ones_like(content)] * (ncols - len(row))
        padded_titles += row_title + [""] * (ncols - len(row))
    return show_images(padded, padded_titles, ncols=ncols, size=2.0)


def adain_figure(content: torch.Tensor, styles: torch.Tensor, labels: Sequence[str]):
    """AdaIN(c, s) on RGB pixels: the content's layout with each style's colour statistics."""
    from ..images import show_images

    with torch.no_grad():
        outputs = [adain(content, s.unsqueeze(0)).clamp(0, 1) for s in styles]
    tiles = list(styles.split(1)) + outputs
    titles = [f"style: {label}" for label in labels] + [f"AdaIN(c, {label})" for label in labels]
    return show_images(tiles, titles, ncols=len(labels), size=2.2)


def statistics_match(output: torch.Tensor, target: torch.Tensor, tolerance: float = 1e-3) -> bool:
    """True when ``output`` has the per-channel μ and σ of ``target`` (to ``tolerance``, relative)."""
    out_mean, out_std = mean_std(output)
    mean, std = mean_std(target)
    scale = std.abs().max().clamp_min(1e-6)
    return bool(((out_mean - mean).abs().max() / scale < tolerance) and ((out_std - std).abs().max() / scale < tolerance))
