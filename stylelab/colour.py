"""Colour: the YIQ conversions, colour histogram matching and luminance-only transfer, shared by every method
with a ``preserve_color`` control (Gatys et al. 2016, "Preserving Color in Neural Artistic Style Transfer";
AdaIN's colour control).

* ``luminance_only``: stylise the luminance Y only (the style's Y first moved to the content's Y mean and
  standard deviation) and keep the content's chrominance I, Q;
* ``match_color``: move the style's pixels to the content's colour mean and covariance before the transfer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

_RGB_TO_YIQ = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])


def rgb_to_yiq(image: torch.Tensor) -> torch.Tensor:
    return torch.einsum("ij,njhw->nihw", _RGB_TO_YIQ.to(image), image)


def yiq_to_rgb(image: torch.Tensor) -> torch.Tensor:
    return torch.einsum("ij,njhw->nihw", torch.linalg.inv(_RGB_TO_YIQ).to(image), image)


def _grey(y: torch.Tensor) -> torch.Tensor:
    """A luminance channel (N, 1, H, W) as a grey RGB image."""
    return y.clamp(0, 1).expand(-1, 3, -1, -1).contiguous()


def luminance_only(content: torch.Tensor, styles: torch.Tensor | Sequence[torch.Tensor],
                   stylize_fn: Callable) -> torch.Tensor:
    """Luminance-only transfer: ``stylize_fn(grey content, grey style(s))`` on the luminance Y, the content's
    chrominance I, Q kept. Each style's Y is first moved to the content's Y mean and standard deviation, as the
    paper does, so that the output's brightness follows the content. ``styles``: one image (``stylize_fn`` gets
    one) or a list (it gets a list); ``stylize_fn`` returns an RGB image whose channel mean is the new Y."""
    content_yiq = rgb_to_yiq(content)
    content_y = content_yiq[:, :1]
    single = isinstance(styles, torch.Tensor)
    style_ys = [rgb_to_yiq(s)[:, :1] for s in ([styles] if single else styles)]
    style_ys = [(y - y.mean()) / (y.std() + 1e-8) * content_y.std() + content_y.mean() for y in style_ys]
    grey_styles = _grey(style_ys[0]) if single else [_grey(y) for y in style_ys]
    out = stylize_fn(_grey(content_y), grey_styles)
    return yiq_to_rgb(torch.cat([out.mean(dim=1, keepdim=True), content_yiq[:, 1:]], dim=1)).clamp(0, 1)


def match_color(style: torch.Tensor, content: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """Colour histogram matching (Gatys et al. 2017, used by AdaIN's colour control): the style's pixels
    p ↦ A (p − μₛ) + μ_c with A = Σ_c^½ Σₛ^−½, so they take the content's colour mean and covariance."""
    def moments(image):
        pixels = image[0].flatten(1)
        mean = pixels.mean(1, keepdim=True)
        centred = pixels - mean
        return pixels, mean, centred @ centred.T / pixels.shape[1] + eps * torch.eye(3, dtype=image.dtype)

    def matrix_power(cov, power):
        values, vectors = torch.linalg.eigh(cov)
        return vectors @ torch.diag(values.clamp_min(eps) ** power) @ vectors.T

    pixels, mean_s, cov_s = moments(style.cpu().double())
    _, mean_c, cov_c = moments(content.cpu().double())
    matched = matrix_power(cov_c, 0.5) @ matrix_power(cov_s, -0.5) @ (pixels - mean_s) + mean_c
    return matched.view_as(style[0]).unsqueeze(0).to(style).clamp(0, 1)
