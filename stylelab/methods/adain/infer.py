"""AdaIN at test time: ``stylize`` and its controls (trade-off α, interpolation of styles, colour
preservation, spatial control with a mask)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from ...errors import StylelabError
from ...colour import luminance_only, match_color
from .model import AdaINModel, adain, check_alpha, trade_off

COLOR_MODES = ("luminance", "histogram")


def interpolate(ts: Sequence[torch.Tensor], weights: Sequence[float]) -> torch.Tensor:
    """t = Σₖ wₖ AdaIN(f(c), f(sₖ)), the wₖ non-negative and summing to one."""
    weights = check_weights(weights, len(ts))
    return sum(w * t for w, t in zip(weights, ts))


def check_weights(weights: Sequence[float], count: int) -> list[float]:
    """Interpolation weights: one per style, non-negative, summing to one (else a one-line error)."""
    weights = [float(w) for w in weights]
    if len(weights) != count:
        raise StylelabError(f"give one interpolation weight per style: {len(weights)} weights for {count} styles")
    if any(not w >= 0 for w in weights):
        raise StylelabError(f"interpolation weights must be non-negative, got {weights}")
    if abs(sum(weights) - 1.0) > 1e-6:
        raise StylelabError(f"interpolation weights must sum to one, got {weights} (sum {sum(weights):.6g})")
    return weights


def spatial_adain(content_features: torch.Tensor, style_features: Sequence[torch.Tensor], mask: torch.Tensor,
                  unbiased: bool = False) -> torch.Tensor:
    """Spatial control: the region mask > ½ gets AdaIN with the first style, 1 − mask the second, each
    region normalised by the content statistics inside it (as the authors' test script)."""
    if len(style_features) != 2:
        raise StylelabError(f"spatial control takes exactly two styles (mask and 1 − mask), got {len(style_features)}")
    if mask.dim() != 4 or mask.shape[:2] != (1, 1):
        raise StylelabError(f"the mask must be one grey image (1, 1, H, W), got shape {tuple(mask.shape)}")
    inside = F.interpolate(mask.float(), size=content_features.shape[-2:], mode="nearest")[0, 0] > 0.5
    out = content_features.clone()
    for region, style in ((inside, style_features[0]), (~inside, style_features[1])):
        if int(region.sum()) > 1:
            x = content_features[:, :, region].unsqueeze(-1)  # (N, C, pixels, 1)
            out[:, :, region] = adain(x, style, unbiased=unbiased).squeeze(-1)
    return out


def _pad8(image: torch.Tensor) -> torch.Tensor:
    h, w = image.shape[-2:]
    pad_h, pad_w = (-h) % 8, (-w) % 8
    mode = "reflect" if pad_h < h and pad_w < w else "replicate"
    return F.pad(image, (0, pad_w, 0, pad_h), mode=mode) if pad_h or pad_w else image


@torch.no_grad()
def stylize(model: AdaINModel, content: torch.Tensor, styles, *, alpha: float = 1.0,
            weights: Sequence[float] | None = None, mask: torch.Tensor | None = None,
            preserve_color: str | None = None) -> torch.Tensor:
    """``content`` (1, 3, H, W) in the style of ``styles`` (one (1, 3, h, w) image or a list), in [0, 1].

    alpha: content–style trade-off; weights: interpolation of several styles (one per style, ≥ 0,
    summing to one); mask: (1, 1, H, W), the first of two styles where mask > ½, the second elsewhere;
    preserve_color: "luminance" (stylise the luminance, keep the content's chrominance) or "histogram"
    (match each style's colours to the content first)."""
    check_alpha(alpha)
    styles = [styles] if isinstance(styles, torch.Tensor) else list(styles)
    if not styles:
        raise StylelabError("give at least one style image")
    for name, image in [("content", content)] + [(f"style {i}", s) for i, s in enumerate(styles)]:
        if image.dim() != 4 or image.shape[:2] != (1, 3):
            raise StylelabError(f"{name} image must have shape (1, 3, H, W), got {tuple(image.shape)}")
    if len(styles) > 1 and mask is None and weights is None:
        raise StylelabError(f"{len(styles)} styles need interpolation weights (or a mask for two styles)")
    if mask is not None and weights is not None:
        raise StylelabError("give either interpolation weights or a mask, not both")
    if weights is not None:
        check_weights(weights, len(styles))
    if preserve_color not in (None,) + COLOR_MODES:
        raise StylelabError(f"preserve_color must be one of {', '.join(COLOR_MODES)} or None, not {preserve_color!r}")
    if preserve_color == "luminance":
        return luminance_only(content, styles, lambda c, s: stylize(model, c, s, alpha=alpha, weights=weights, mask=mask))
    if preserve_color == "histogram":
        styles = [match_color(s, content) for s in styles]
    h, w = content.shape[-2:]
    content_features = model.encode(_pad8(content))
    style_features = [model.encode(s) for s in styles]
    if mask is not None:
        mask = F.interpolate(mask.to(content), size=(h, w), mode="nearest")
        t = spatial_adain(content_features, style_features, _pad8(mask), model.unbiased)
    else:
        ts = [adain(content_features, s, unbiased=model.unbiased) for s in style_features]
        t = ts[0] if len(ts) == 1 else interpolate(ts, weights)
    return model.decoder(trade_off(t, content_features, alpha))[..., :h, :w].clamp(0, 1)
