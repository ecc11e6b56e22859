"""Chen & Schmidt, "Fast Patch-based Style Transfer of Arbitrary Style" (2016): a row of AdaIN's speed table.

Style swap at one layer Φ (relu3_1): every p×p patch φᵢ(c) of the content's activations is replaced by
the style patch φⱼ(s) with the largest normalised cross-correlation

    j*(i) = argmaxⱼ ⟨φᵢ(c), φⱼ(s)⟩ / (‖φᵢ(c)‖ ‖φⱼ(s)‖)

and overlapping patches are averaged. Done as the paper does it: a conv2d whose filters are the
normalised style patches (‖φᵢ(c)‖ does not change the argmax), a one-hot argmax over the channels, and
a conv_transpose2d with the unnormalised patches divided by the overlap count. The image is then
found by an optimisation-based inverse, as the paper's slow variant:

    x* = argminₓ ‖Φ(x) − Φ_ss(c, s)‖² / mean(Φ_ss²) + γ · TV(x)

(the feature term is divided by the target's mean square, so γ means the same for every encoder).
``stylize`` does one pair; it is what the speed table times.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import torch
import torch.nn.functional as F

from .. import timing
from ..encoders import MultiLayerEncoder
from ..errors import StylelabError
from ..losses import total_variation
from ..optim import OPTIMIZERS, optimize_pixels  # noqa: F401  (re-exported)
from ..training import History
from .base import OptimisationMethod, Speed

#: The largest (style patches × content positions) block of scores held at once.
CHUNK_ELEMENTS = 1 << 24


@dataclass(frozen=True)
class StyleSwapConfig:
    """One style-swap run (defaults: the paper's relu3_1 and 3×3 patches, stride 1)."""

    layer: str = "relu3_1"
    patch_size: int = 3
    stride: int = 1
    iterations: int = 30  # steps of the optimisation-based inverse
    optimizer: str = "lbfgs"
    lr: float | None = None  # None: 1.0 for L-BFGS, 0.02 for Adam
    tv_weight: float = 1e-3  # γ, against the normalised feature term
    init: str = "content"  # or "noise"
    seed: int = 0

    def validate(self, encoder: MultiLayerEncoder) -> None:
        encoder.check_layers([self.layer])
        if self.patch_size < 1 or self.stride < 1 or self.iterations < 1:
            raise StylelabError(f"patch_size, stride and iterations must be at least 1, got "
                                f"{self.patch_size}, {self.stride}, {self.iterations}")
        if self.optimizer not in OPTIMIZERS:
            raise StylelabError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, not {self.optimizer!r}")
        if self.init not in ("content", "noise"):
            raise StylelabError(f"init must be 'content' or 'noise', not {self.init!r}")
        if self.tv_weight < 0:
            raise StylelabError(f"tv_weight must be non-negative, got {self.tv_weight}")


@dataclass
class StyleSwapResult:
    image: torch.Tensor  # (1, 3, H, W) in [0, 1]
    swapped: torch.Tensor  # Φ_ss(c, s), the target features
    history: History = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # "swap" (with style encoding) and "inverse"


def style_patches(style_features: torch.Tensor, patch_size: int = 3, stride: int = 1) -> torch.Tensor:
    """All p×p patches of one style feature map (1, C, h, w) as conv filters (n, C, p, p)."""
    if style_features.dim() != 4 or style_features.shape[0] != 1:
        raise StylelabError(f"style features must be one map (1, C, h, w), got {tuple(style_features.shape)}")
    c = style_features.shape[1]
    if min(style_features.shape[-2:]) < patch_size:
        raise StylelabError(f"the style's features ({tuple(style_features.shape[-2:])}) are smaller than one "
                            f"{patch_size}×{patch_size} patch; use a larger style image")
    patches = F.unfold(style_features, patch_size, stride=stride)  # (1, C·p·p, n)
    return patches[0].T.reshape(-1, c, patch_size, patch_size)


def style_swap(content_features: torch.Tensor, style_features: torch.Tensor, patch_size: int = 3,
               stride: int = 1) -> torch.Tensor:
    """Φ_ss: each content patch replaced by argmaxⱼ ⟨φᵢ(c), φⱼ(s)⟩ / ‖φⱼ(s)‖, overlaps averaged."""
    patches = style_patches(style_features, patch_size, stride)
    if min(content_features.shape[-2:]) < patch_size:
        raise StylelabError(f"the content's features ({tuple(content_features.shape[-2:])}) are smaller than one "
                            f"{patch_size}×{patch_size} patch; use a larger content image")
    filters = patches / patches.flatten(1).norm(dim=1).clamp_min(1e-8).view(-1, 1, 1, 1)
    n = patches.shape[0]
    positions = max(1, content_features[0, 0].numel())
    chunk = max(1, CHUNK_ELEMENTS // positions)
    best = best_j = None
    for start in range(0, n, chunk):  # running argmax over blocks of style patches (memory stays bounded)
        scores = F.conv2d(content_features, filters[start:start + chunk], stride=stride)
        value, index = scores.max(1)
        if best is None:
            best, best_j = value, index
        else:
            better = value > best
            best, best_j = torch.where(better, value, best), torch.where(better, index + start, best_j)
    h, w = content_features.shape[-2:]
    extra = ((h - patch_size) % stride, (w - patch_size) % stride)  # rows/columns a strided patch grid misses
    swapped = 0
    for start in range(0, n, chunk):
        block = torch.arange(start, min(start + chunk, n), device=best_j.device).view(1, -1, 1, 1)
        one_hot = (best_j.unsqueeze(1) == block).to(patches.dtype)  # (N, block, h', w')
        swapped = swapped + F.conv_transpose2d(one_hot, patches[start:start + chunk], stride=stride,
                                               output_padding=extra)
    ones = torch.ones(1, 1, patch_size, patch_size, dtype=patches.dtype, device=patches.device)
    overlaps = F.conv_transpose2d(torch.ones_like(best_j[:, None], dtype=patches.dtype), ones, stride=stride,
                                  output_padding=extra)
    return swapped / overlaps.clamp_min(1)


def invert_features(encoder: MultiLayerEncoder, target: torch.Tensor, init: torch.Tensor,
                    config: StyleSwapConfig) -> tuple[torch.Tensor, History]:
    """x* = argminₓ ‖Φ(x) − target‖² / mean(target²) + γ TV(x), from ``init`` (pixels clamped to [0, 1]), with
    the shared loop :func:`stylelab.optim.optimize_pixels` (L-BFGS history of 20 pairs, as before)."""
    scale = target.square().mean().clamp_min(1e-12)

    def objective(x: torch.Tensor) -> dict[str, torch.Tensor]:
        features = encoder(x, [config.layer])[config.layer]
        if features.shape != target.shape:
            raise StylelabError(f"features of shape {tuple(features.shape)} cannot match the target {tuple(target.shape)}")
        term = F.mse_loss(features, target) / scale
        tv = total_variation(x)
        return {"total": term + config.tv_weight * tv, "features": term, "tv": tv}

    return optimize_pixels(objective, init, iterations=config.iterations, optimizer=config.optimizer, lr=config.lr,
                           history_size=20, progress=False, description="style swap inverse")


def stylize(content: torch.Tensor, style: torch.Tensor, encoder: MultiLayerEncoder,
            config: StyleSwapConfig = StyleSwapConfig()) -> StyleSwapResult:
    """Style swap of one pair ((1, 3, H, W) in [0, 1] each): swap at ``config.layer``, then invert."""
    config.validate(encoder)
    for name, image in (("content", content), ("style", style)):
        if image.dim() != 4 or image.shape[:2] != (1, 3):
            raise StylelabError(f"{name} image must have shape (1, 3, H, W), got {tuple(image.shape)}")
    started = time.perf_counter()
    with torch.no_grad():
        content_features = encoder(content, [config.layer])[config.layer]
        style_features = encoder(style, [config.layer])[config.layer]
        swapped = style_swap(content_features, style_features, config.patch_size, config.stride)
    swap_s = time.perf_counter() - started
    if config.init == "content":
        init = content
    else:
        generator = torch.Generator().manual_seed(config.seed)
        init = torch.rand(content.shape, generator=generator).to(content)
    started = time.perf_counter()
    image, history = invert_features(encoder, swapped, init, config)
    return StyleSwapResult(image, swapped, history, {"swap": swap_s, "inverse": time.perf_counter() - started})


# --- the method interface (stylelab.methods.base) ---------------------------------------------

@dataclass(frozen=True)
class StyleSwapOptions:
    """The command line's style-swap controls (defaults: :class:`StyleSwapConfig`'s)."""

    layer: str = field(default=StyleSwapConfig.layer, metadata={"help": "the encoder layer where patches are swapped"})
    patch_size: int = field(default=StyleSwapConfig.patch_size, metadata={"help": "side of the swapped patches"})
    iterations: int = field(default=StyleSwapConfig.iterations, metadata={"help": "iterations of the inverse"})


def _time_style_swap_row(size: int, ctx: timing.BenchContext) -> timing.SpeedRow:
    """The speed table's Chen and Schmidt row: the swap at relu3_1, then our optimisation inverse
    (``settings.inverse_iterations`` of its iterations timed, multiplied out to all it counts); style
    encoding (the style's relu3_1 features) timed apart."""
    s, device, encoder = ctx.settings, ctx.device, ctx.encoder
    config = StyleSwapConfig()
    counted = config.iterations
    measured = min(s.inverse_iterations or counted, counted)
    content, style = timing.bench_pair(size, device, s)
    layer = config.layer
    with torch.no_grad():
        encoding, style_features = timing.median_seconds(lambda: encoder(style, [layer])[layer], device,
                                                         s.slow_repeats, s.slow_warmup)
        swap, swapped = timing.median_seconds(
            lambda: style_swap(encoder(content, [layer])[layer], style_features, config.patch_size, config.stride),
            device, s.slow_repeats, s.slow_warmup)
    if s.slow_warmup:
        invert_features(encoder, swapped, content, replace(config, iterations=1))
    inverse, _ = timing.median_seconds(
        lambda: invert_features(encoder, swapped, content, replace(config, iterations=measured)),
        device, s.slow_repeats, 0)
    seconds = swap + inverse / measured * counted
    how = (f"swap + {measured} of {counted} inverse L-BFGS iterations timed, ×{counted / measured:g}"
           if measured < counted else f"swap + {counted} inverse L-BFGS iterations")
    return timing.SpeedRow("style_swap", size, seconds, seconds + encoding, measured=how,
                           extrapolated=measured < counted)


class StyleSwap(OptimisationMethod):
    """Swap each content patch for its closest style patch at one layer, then invert the features."""

    name = "style_swap"
    aliases = ("chen_schmidt",)
    summary = "swap content patches for their closest style patches at relu3_1, then invert (optimisation)"
    paper = "Chen & Schmidt, 2016"
    Options = StyleSwapOptions
    config_class = StyleSwapConfig
    speed = Speed("chen_schmidt", "optimisation", "∞",
                  "style swap at relu3_1 (3×3 patches), then our optimisation inverse (30 L-BFGS iterations), "
                  "not the paper's inverse network; style encoding: the style's relu3_1 features",
                  _time_style_swap_row)

    def optimise(self, content: torch.Tensor, style: torch.Tensor, config: StyleSwapConfig) -> torch.Tensor:
        return stylize(content, style, self.encoder, config).image
