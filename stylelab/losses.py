"""Loss functions of the talk, each a small pure function a notebook can show with ``inspect``.

Gatys et al.: content loss at one layer, style loss as the distance between Gram matrices.
Huang & Belongie (AdaIN): style loss as the distance between channel means and standard deviations.
Johnson et al. / Gatys: total variation as a smoothness prior.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F

from .norms import mean_std


def content_loss(features: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """L_content = mean (F − P)² over all elements of one layer's activations."""
    return F.mse_loss(features, target)


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """G = F Fᵀ / (C·H·W) per sample, with F the (C, H·W) matrix of one layer: shape (N, C, C)."""
    n, c, h, w = features.shape
    flat = features.reshape(n, c, h * w)
    return flat @ flat.transpose(1, 2) / (c * h * w)


def gram_style_loss(features: Mapping[str, torch.Tensor], target_grams: Mapping[str, torch.Tensor],
                    weights: Mapping[str, float] | None = None) -> torch.Tensor:
    """Σ_l w_l · mean (G_l − A_l)² over the style layers (A_l: the style image's Gram matrices)."""
    total = 0.0
    for layer, target in target_grams.items():
        weight = 1.0 if weights is None else weights[layer]
        gram = gram_matrix(features[layer])
        total = total + weight * F.mse_loss(gram, target.expand_as(gram))
    return total


def mean_std_style_loss(features: Mapping[str, torch.Tensor], style_features: Mapping[str, torch.Tensor]) -> torch.Tensor:
    """AdaIN's L_s = Σ_i ‖μ(φ_i(g(t))) − μ(φ_i(s))‖ + ‖σ(φ_i(g(t))) − σ(φ_i(s))‖.

    As in the authors' code, each norm is a mean squared error over the (N, C) statistics.
    """
    total = 0.0
    for layer, style in style_features.items():
        mean, std = mean_std(features[layer])
        style_mean, style_std = mean_std(style)
        total = total + F.mse_loss(mean, style_mean.expand_as(mean)) + F.mse_loss(std, style_std.expand_as(std))
    return total


def total_variation(image: torch.Tensor) -> torch.Tensor:
    """Anisotropic TV: mean |x[h+1] − x[h]| + mean |x[w+1] − x[w]| over the image."""
    vertical = (image[..., 1:, :] - image[..., :-1, :]).abs().mean()
    horizontal = (image[..., :, 1:] - image[..., :, :-1]).abs().mean()
    return vertical + horizontal
