"""Notebook 00's studies: the talk's normalisation slides (BN, IN, CIN, AdaIN) on real images and VGG features.

Each function returns a matplotlib figure, table rows or a small trained net for
``notebooks/00_normalization.ipynb``; the equations themselves live in :mod:`stylelab.norms`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import torch
import torch.nn.functional as F
from torch import nn

from ..images import show_images
from ..losses import gram_matrix, mean_std_style_loss
from ..norms import EPS, ConditionalInstanceNorm, adain, batch_norm, instance_norm, mean_std
from ..training import train


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
    rows = [images, _as_display(batch_norm(images)), _as_display(instance_norm(images))]
    names = ["input", "BN over the batch", "IN per image"]
    tiles = [row[i] for row in rows for i in range(len(labels))]
    titles = [f"{name}\n{label}" for name in names for label in labels]
    return show_images([t.unsqueeze(0) for t in tiles], titles, ncols=len(labels), size=2.2)


def _unit_rms(x: torch.Tensor) -> torch.Tensor:
    return x / x.square().mean().sqrt().clamp_min(1e-12)


def style_distance_rows(features: Mapping[str, torch.Tensor], labels: Sequence[str]) -> list[dict]:
    """Two style distances between every pair of images, on raw, BN'd and IN'd features:

    * ``L_s``: AdaIN's style loss (channel μ and σ), summed over the layers;
    * ``E``: Gatys' Gram loss Σ_l E_l = Σ_l 1/(4 N_l² M_l²) Σ_ij (G_ij − A_ij)², the second-order statistics.

    Each variant is first scaled to unit RMS over the batch, so that the columns compare how different
    the styles are, not how large the activations happen to be.
    """
    variants = {"raw": lambda x: x, "after BN": batch_norm, "after IN": instance_norm}
    transformed = {name: {layer: _unit_rms(fn(x)) for layer, x in features.items()} for name, fn in variants.items()}
    grams = {name: {layer: gram_matrix(x) for layer, x in feats.items()} for name, feats in transformed.items()}
    positions = {layer: x.shape[2] * x.shape[3] for layer, x in features.items()}
    rows = []
    for i, j in combinations(range(len(labels)), 2):
        row = {"pair": f"{labels[i]} vs {labels[j]}"}
        for name, feats in transformed.items():
            a = {layer: x[i : i + 1] for layer, x in feats.items()}
            b = {layer: x[j : j + 1] for layer, x in feats.items()}
            row[f"L_s {name}"] = mean_std_style_loss(a, b).item()
        for name in transformed:
            row[f"Gram E {name}"] = sum(_gram_distance(g[i], g[j], positions[layer])
                                        for layer, g in grams[name].items())
        rows.append(row)
    return rows


def _gram_distance(g: torch.Tensor, a: torch.Tensor, positions: int) -> float:
    """E_l = 1/(4 N² M²) Σ (G − A)² from two Gram matrices (N, N) of maps with M positions
    (the same number as :func:`stylelab.losses.gram_layer_loss`)."""
    n = g.shape[-1]
    return float(((g - a) / (2 * n * positions)).square().sum())


def dead_channel_rows(features: Mapping[str, torch.Tensor], labels: Sequence[str], tol: float = 1e-6) -> list[dict]:
    """Per image and layer: the channels that are constant over the image (σ ≈ 0, e.g. a ReLU that never
    fires). IN cannot give those σ = 1: they stay at σ ≈ 0 after normalising."""
    rows = []
    for i, label in enumerate(labels):
        row = {"image": label}
        for layer, x in features.items():
            std = x[i].flatten(1).std(1, unbiased=False)
            row[layer] = f"{int((std < tol).sum())}/{x.shape[1]}"
        rows.append(row)
    return rows


def statistics_match(output: torch.Tensor, target: torch.Tensor, tolerance: float = 1e-3) -> bool:
    """True when ``output`` has the per-channel μ and σ of ``target`` (to ``tolerance``, relative)."""
    out_mean, out_std = mean_std(output)
    mean, std = mean_std(target)
    scale = std.abs().max().clamp_min(1e-6)
    return bool(((out_mean - mean).abs().max() / scale < tolerance) and ((out_std - std).abs().max() / scale < tolerance))


def adain_figure(content: torch.Tensor, styles: torch.Tensor, labels: Sequence[str]):
    """AdaIN(c, s) on RGB pixels: the content's layout with each style's colour statistics."""
    with torch.no_grad():
        outputs = [adain(content, s.unsqueeze(0)).clamp(0, 1) for s in styles]
    tiles = list(styles.split(1)) + outputs
    titles = [f"style: {label}" for label in labels] + [f"AdaIN(c, {label})" for label in labels]
    return show_images(tiles, titles, ncols=len(labels), size=2.2)


# ----------------------------------------------------------------------------------------------
# CIN, learned: shared convolutions, one (γˢ, βˢ) per style index
# ----------------------------------------------------------------------------------------------

class TinyCINNet(nn.Module):
    """A two-layer stylisation net in Dumoulin et al.'s pattern: every convolution is shared by all
    styles; each CIN layer holds one (γˢ, βˢ) pair per style index s.

        conv3×3(3→w) → CIN(·; s) → ReLU → conv3×3(w→w) → CIN(·; s) → ReLU → conv1×1(w→3) → sigmoid
    """

    def __init__(self, num_styles: int, width: int = 16):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 3, padding=1, padding_mode="reflect")
        self.norm1 = ConditionalInstanceNorm(width, num_styles)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1, padding_mode="reflect")
        self.norm2 = ConditionalInstanceNorm(width, num_styles)
        self.to_rgb = nn.Conv2d(width, 3, 1)

    def forward(self, x: torch.Tensor, style) -> torch.Tensor:
        x = torch.relu(self.norm1(self.conv1(x), style))
        x = torch.relu(self.norm2(self.conv2(x), style))
        return torch.sigmoid(self.to_rgb(x))


@dataclass(frozen=True)
class CINTraining:
    """How :func:`train_cin` fits the net: Adam steps on images resized to ``train_size`` (the net is fully
    convolutional and then runs at any size), AdaIN's style loss L_s at ``style_layers`` plus a content
    loss at ``content_layer`` (weight 1 against ``style_weight``)."""

    steps: int = 80
    lr: float = 0.03
    train_size: int = 64
    width: int = 16
    style_layers: tuple[str, ...] = ("relu1_1", "relu2_1", "relu3_1")
    content_layer: str = "relu2_1"
    style_weight: float = 5.0
    seed: int = 0


def train_cin(encoder, content: torch.Tensor, styles: torch.Tensor, config: CINTraining = CINTraining(), *,
              progress: bool = True) -> tuple[TinyCINNet, list[float]]:
    """Fit one TinyCINNet to all styles at once: each step renders the content in every style index s
    and pulls style s's output towards style image s (μ/σ of the features) while keeping the content."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # these tiny convolutions lose 2-10x to OpenMP spin-waits on a busy CPU (measured)
    try:
        return _train_cin(encoder, content, styles, config, progress)
    finally:
        torch.set_num_threads(threads)


def _train_cin(encoder, content, styles, config, progress):
    torch.manual_seed(config.seed)
    content = F.interpolate(content, size=config.train_size, mode="area")
    styles = F.interpolate(styles, size=config.train_size, mode="area")
    n = styles.shape[0]
    net = TinyCINNet(n, config.width).to(content.device)
    layers = list(dict.fromkeys([*config.style_layers, config.content_layer]))
    with torch.no_grad():
        style_feats = encoder(styles, layers)
        content_target = encoder(content, [config.content_layer])[config.content_layer]
    optimiser = torch.optim.Adam(net.parameters(), lr=config.lr)
    inputs, index = content.expand(n, -1, -1, -1), torch.arange(n, device=content.device)

    def step(_: int) -> dict[str, torch.Tensor]:
        feats = encoder(net(inputs, index), layers)
        style = mean_std_style_loss({k: feats[k] for k in config.style_layers},
                                    {k: style_feats[k] for k in config.style_layers})
        content_term = F.mse_loss(feats[config.content_layer], content_target.expand_as(feats[config.content_layer]))
        loss = content_term + config.style_weight * style
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        return {"total": loss}

    history = train(step, config.steps, description="CIN", progress=progress)  # the one loop (bar, NaN guard)
    net.eval()
    return net, history["total"]


def learned_cin_figure(net: TinyCINNet, content: torch.Tensor, styles: torch.Tensor, labels: Sequence[str],
                       mix_steps: int = 5):
    """Top: content and styles. Middle: the one trained net with style index s = 0…N−1. Bottom: a convex
    mix of the *learned* (γ, β) of styles 0 and 1 (Dumoulin et al.'s interpolation)."""
    n = styles.shape[0]
    with torch.no_grad():
        per_style = [net(content, s) for s in range(n)]
        weights = torch.linspace(0, 1, mix_steps)
        mixes = [net(content, torch.tensor([[1 - w, w] + [0.0] * (n - 2)], device=content.device)) for w in weights]
    rows = [[content] + list(styles.split(1)), per_style, mixes]
    titles = [["content"] + [f"style {s}: {label}" for s, label in enumerate(labels)],
              [f"net(c; s={s})" for s in range(n)],
              [f"{1 - w:.2f}·(γ,β)⁰ + {w:.2f}·(γ,β)¹" for w in weights.tolist()]]
    ncols = max(n + 1, mix_steps)
    tiles, names = [], []
    for row, row_titles in zip(rows, titles):
        tiles += row + [torch.ones_like(content)] * (ncols - len(row))
        names += row_titles + [""] * (ncols - len(row))
    return show_images(tiles, names, ncols=ncols, size=2.0)


def cin_parameter_rows(net: TinyCINNet, labels: Sequence[str]) -> list[dict]:
    """What differs between the styles: only their (γˢ, βˢ); the convolutions are one set for all."""
    rows = []
    for s, label in enumerate(labels):
        rows.append({"style index": s, "style": label,
                     "mean γ (layer 1)": net.norm1.weight[s].mean().item(), "mean β (layer 1)": net.norm1.bias[s].mean().item(),
                     "mean γ (layer 2)": net.norm2.weight[s].mean().item(), "mean β (layer 2)": net.norm2.bias[s].mean().item()})
    shared = sum(p.numel() for name, p in net.named_parameters() if not name.startswith("norm"))
    per_style = sum(p[0].numel() for name, p in net.named_parameters() if name.startswith("norm"))
    rows.append({"style index": "", "style": f"shared conv weights: {shared}; per-style γ, β: {per_style} each"})
    return rows


# ----------------------------------------------------------------------------------------------
# ε and dead channels: what IN and AdaIN can and cannot set (notebook 00, sections 2 and 4)
# ----------------------------------------------------------------------------------------------

#: a channel counts as "alive" when its variance over the image is at least this many ε
ALIVE_FACTOR = 100.0


def in_sigma_rows(features: Mapping[str, torch.Tensor], eps: float = EPS,
                  factor: float = ALIVE_FACTOR) -> list[dict]:
    """Per layer, over all images: how many channels IN brings to σ ≈ 1 and how many it cannot.

    σ after IN is sqrt(v / (v + ε)) for a channel of variance v: at least sqrt(K / (K + 1)) when
    v ≥ K·ε, and 0 for a constant channel (v = 0, a ReLU that never fires)."""
    rows = []
    for layer, x in features.items():
        var = x.var(dim=(2, 3), unbiased=False)
        mean_in, std_in = mean_std(instance_norm(x, eps), eps=0.0)
        alive = var >= factor * eps
        rows.append({"layer": layer, "channels (all images)": var.numel(),
                     "constant (σ = 0)": int((var == 0).sum()),
                     f"variance < {factor:g}·ε": int((~alive).sum()),
                     "σ after IN within 1 % of 1": int(((std_in.flatten(1) - 1).abs() < 0.01).sum()),
                     "max |σ_IN − 1| (alive)": float((std_in.flatten(1)[alive] - 1).abs().max()),
                     "max |μ_IN|": float(mean_in.abs().max())})
    return rows


def adain_statistics(content: torch.Tensor, style: torch.Tensor, eps: float = EPS,
                     factor: float = ALIVE_FACTOR) -> dict:
    """How far t = AdaIN(f(c), f(s)) carries the style's μ, σ and keeps the content's layout, per channel.

    μ(t) = μ(f(s)) exactly. σ(t)² = σ_s² · v_c / (v_c + ε) + ε (v_c: the content channel's variance), so σ
    differs from the style's where v_c or v_s is not large against ε: a dead content channel gives a
    constant t (σ(t) = √ε, not σ_s); a dead style channel gives σ(t) ≈ √(2ε) against σ_s = √ε. On channels
    with both variances ≥ K·ε the relative σ error is at most 1 / (K + 1) (``bound``)."""
    t = adain(content, style, eps)
    mt, st = (a.flatten() for a in mean_std(t, eps))
    ms, ss = (a.flatten() for a in mean_std(style, eps))
    vc = content.var(dim=(2, 3), unbiased=False).flatten()
    vs = style.var(dim=(2, 3), unbiased=False).flatten()
    alive = (vc >= factor * eps) & (vs >= factor * eps)
    std_err = (st - ss).abs() / ss
    layout = instance_norm(t, eps) - instance_norm(content, eps)
    layout_err = layout.flatten(2).abs().amax(2).flatten() / \
        instance_norm(content, eps).flatten(2).abs().amax(2).flatten().clamp_min(1e-12)
    def worst(err: torch.Tensor) -> float:
        return float(err.max()) if err.numel() else 0.0

    return {"channels": vc.numel(), "dead in content": int((vc == 0).sum()),
            "dead in style": int((vs == 0).sum()), "alive in both": int(alive.sum()),
            "max μ error / σ_s": float(((mt - ms).abs() / ss).max()),
            "max σ error (all)": worst(std_err), "max σ error (alive)": worst(std_err[alive]),
            "max layout error (alive)": worst(layout_err[alive]),
            "σ within 1 %": int((std_err < 0.01).sum()), "bound": 1.0 / (factor + 1)}


def rgb_correlations(images: torch.Tensor) -> torch.Tensor:
    """Per image, the 3 × 3 correlation matrix of its R, G, B values over the pixels: what IN leaves alone."""
    flat = images.flatten(2)
    flat = flat - flat.mean(2, keepdim=True)
    flat = flat / flat.square().sum(2, keepdim=True).sqrt().clamp_min(1e-12)
    return flat @ flat.transpose(1, 2)


def cin_rendering_distances(net: TinyCINNet, content: torch.Tensor, mix_steps: int = 5) -> dict:
    """How different the styles' renderings are (mean |a − b| over pixels, closest pair), and the distance
    of each mix (1 − w)·(γ,β)⁰ + w·(γ,β)¹ from the pure style 0 rendering, w = 0 … 1."""
    n = net.norm1.num_styles
    with torch.no_grad():
        outs = [net(content, s) for s in range(n)]
        weights = torch.linspace(0, 1, mix_steps).tolist()
        mixes = [net(content, torch.tensor([[1 - w, w] + [0.0] * (n - 2)])) for w in weights]
    closest = min(float((outs[i] - outs[j]).abs().mean()) for i, j in combinations(range(n), 2))
    along = [float((m - outs[0]).abs().mean()) for m in mixes]
    ends = (float((mixes[0] - outs[0]).abs().max()), float((mixes[-1] - outs[1]).abs().max()))
    return {"closest pair": closest, "mix distance from style 0": along, "end point error": max(ends)}


def span(values: Sequence[float], fmt: str = "") -> str:
    """"lo–hi" of some measured values, or one value when they are all equal (for rendered sentences)."""
    lo, hi = format(min(values), fmt), format(max(values), fmt)
    return lo if lo == hi else f"{lo}–{hi}"
