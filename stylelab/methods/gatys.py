"""Gatys, Ecker & Bethge, "Image Style Transfer Using Convolutional Neural Networks" (CVPR 2016).

The output image x is optimised directly (pixels are the parameters):

    L_total(x) = α · L_content(x, p) + β · Σ_l w_l · L_style,l(x, a) + γ · TV(x)

with L_content the squared error of ``relu4_2`` activations to the content image p and L_style,l
the squared error of Gram matrices to the style image a at ``relu1_1 … relu5_1``.
The same machinery gives the paper's Figure 1: content reconstructions from one layer (β = 0)
and texture synthesis from growing layer sets (α = 0, noise start).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace

import torch
import torch.nn.functional as F
from torch import nn

from .. import fastpath, timing
from ..colour import luminance_only
from ..encoders import CONTENT_LAYER, STYLE_LAYERS, MultiLayerEncoder
from ..errors import StylelabError
from ..losses import gram_matrix, gram_style_loss
from ..optim import OPTIMIZERS, RESTART_FACTOR, optimize_pixels  # noqa: F401  (re-exported)
from ..perceptual import PerceptualConfig, PerceptualLoss
from ..training import History
from .base import OptimisationMethod, Speed

INITS = ("content", "noise", "style")


@dataclass(frozen=True)
class GatysConfig:
    """Everything that defines one Gatys run (the defaults follow the paper)."""

    content_layer: str | None = CONTENT_LAYER
    style_layers: tuple[str, ...] = STYLE_LAYERS
    layer_weights: Mapping[str, float] | None = None  # w_l; None: 1 / len(style_layers) each
    content_weight: float = 1.0  # α
    style_weight: float = 1e3  # β (with the normalised losses: β/α = 1e3 stylises clearly yet keeps the content)
    tv_weight: float = 0.0  # γ
    optimizer: str = "lbfgs"
    lr: float | None = None  # None: 1.0 for L-BFGS, 0.02 for Adam (pixels live in [0, 1])
    iterations: int = 500
    init: str = "content"
    scales: tuple[int, ...] = ()  # coarse-to-fine short sides, e.g. (128, 256); () = one scale
    preserve_color: bool = False  # luminance-only transfer (Gatys et al. 2016, "Preserving colour")
    # How the losses are scaled (``stylelab.perceptual``): "none" is the paper's raw E_l; "total" divides
    # the content loss by its target's mean square and Σ_l w_l E_l by its all-zero value (the paper's
    # balance between layers kept); "per_layer" divides each E_l by its own all-zero value. Activation
    # scales differ by orders of magnitude between encoders and between the offline encoder's layers.
    normalize: str = "total"
    seed: int = 0

    def validate(self, encoder: MultiLayerEncoder) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise StylelabError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, not {self.optimizer!r}")
        if self.init not in INITS:
            raise StylelabError(f"init must be one of {', '.join(INITS)}, not {self.init!r}")
        if self.iterations < 1:
            raise StylelabError(f"iterations must be at least 1, got {self.iterations}")
        self.perceptual().validate(encoder)  # layers, layer weights, loss weights, normalisation

    def perceptual(self) -> PerceptualConfig:
        """The shared perceptual loss this run optimises."""
        return PerceptualConfig(content_layer=self.content_layer, style_layers=tuple(self.style_layers),
                                style_loss="gram", layer_weights=self.layer_weights,
                                content_weight=self.content_weight, style_weight=self.style_weight,
                                tv_weight=self.tv_weight, normalize=self.normalize)


@dataclass
class GatysResult:
    image: torch.Tensor  # (1, 3, H, W) in [0, 1]
    history: History = field(default_factory=dict)  # per-iteration "total", "content", "style", "tv"


class GatysObjective(nn.Module):
    """L_total for one content/style pair: a thin user of :class:`stylelab.perceptual.PerceptualLoss`
    (the style image is its one style target; the content features are computed once)."""

    def __init__(self, encoder: MultiLayerEncoder, config: GatysConfig, content: torch.Tensor | None,
                 style: torch.Tensor | None):
        super().__init__()
        self.config = config
        self.use_content = content is not None and config.content_layer is not None and config.content_weight > 0
        self.use_style = style is not None and len(config.style_layers) > 0 and config.style_weight > 0
        if not (self.use_content or self.use_style):
            raise StylelabError("nothing to optimise: give a content image with content_weight > 0, "
                                "a style image with style_weight > 0, or both")
        self.loss = PerceptualLoss(encoder, config.perceptual(), [style] if self.use_style else [])
        with torch.no_grad():
            self.content_target = (encoder(content, [config.content_layer])[config.content_layer]
                                   if self.use_content else None)

    def forward(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.loss(image, content_target=self.content_target, style_ids=0 if self.use_style else None)


def optimize_image(objective: GatysObjective, init: torch.Tensor, config: GatysConfig, *, progress: bool = True,
                   description: str = "gatys", checkpoint=None) -> GatysResult:
    """Minimise ``objective`` over the pixels of ``init`` (clamped to [0, 1] after every step), with the
    shared loop :func:`stylelab.optim.optimize_pixels`."""
    image, history = optimize_pixels(objective, init, iterations=config.iterations, optimizer=config.optimizer,
                                     lr=config.lr, progress=progress, description=description, checkpoint=checkpoint)
    return GatysResult(image, history)


def _initial_image(config: GatysConfig, content: torch.Tensor | None, style: torch.Tensor | None,
                   shape: Sequence[int], device) -> torch.Tensor:
    if config.init == "content":
        if content is None:
            raise StylelabError("init='content' needs a content image")
        return content.clone()
    if config.init == "style":
        if style is None:
            raise StylelabError("init='style' needs a style image")
        return F.interpolate(style, size=tuple(shape[-2:]), mode="bilinear", align_corners=False, antialias=True).clamp(0, 1)
    generator = torch.Generator().manual_seed(config.seed)
    return torch.rand(tuple(shape), generator=generator).to(device)


def _resize_short(image: torch.Tensor, short: int) -> torch.Tensor:
    h, w = image.shape[-2:]
    scale = short / min(h, w)
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    return F.interpolate(image, size=size, mode="bilinear", align_corners=False, antialias=True).clamp(0, 1)


def stylize(content: torch.Tensor, style: torch.Tensor, encoder: MultiLayerEncoder,
            config: GatysConfig = GatysConfig(), *, progress: bool = True, checkpoint=None) -> GatysResult:
    """Gatys transfer of ``style`` onto ``content`` (both (1, 3, H, W) in [0, 1]).

    With ``config.scales`` the optimisation runs coarse to fine, each scale starting from the
    upsampled result of the previous one. With ``config.preserve_color`` only the luminance is
    stylised and the content's chrominance is kept.
    """
    config.validate(encoder)
    for name, image in (("content", content), ("style", style)):
        if image.dim() != 4 or image.shape[:2] != (1, 3):
            raise StylelabError(f"{name} image must have shape (1, 3, H, W), got {tuple(image.shape)}")
    if config.preserve_color:
        return _stylize_luminance(content, style, encoder, config, progress=progress)
    scales = list(config.scales) or [min(content.shape[-2:])]
    result, history = None, {}
    for i, short in enumerate(scales):
        level_content = _resize_short(content, short) if short != min(content.shape[-2:]) else content
        level_style = style if config.scales == () else _resize_short(style, max(short, 32)) if min(style.shape[-2:]) > short else style
        objective = GatysObjective(encoder, config, level_content, level_style)
        if result is None:
            init = _initial_image(config, level_content, level_style, level_content.shape, content.device)
        else:
            init = F.interpolate(result.image, size=level_content.shape[-2:], mode="bilinear", align_corners=False).clamp(0, 1)
        desc = f"gatys {config.optimizer}" + (f" {short}px ({i + 1}/{len(scales)})" if len(scales) > 1 else "")
        result = optimize_image(objective, init, config, progress=progress, description=desc,
                                checkpoint=None if checkpoint is None else f"{checkpoint}.{short}")
        for key, values in result.history.items():
            history.setdefault(key, []).extend(values)
    return GatysResult(result.image, history)


# --- Figure 1 of the paper: what each layer keeps --------------------------------------------

def reconstruct_content(image: torch.Tensor, encoder: MultiLayerEncoder, layer: str, *, iterations: int = 200,
                        seed: int = 0, progress: bool = True) -> GatysResult:
    """Reconstruct ``image`` from white noise using only its activations at ``layer``."""
    config = GatysConfig(content_layer=layer, style_layers=(), style_weight=0.0, init="noise",
                         iterations=iterations, seed=seed)
    config.validate(encoder)
    objective = GatysObjective(encoder, config, image, None)
    init = _initial_image(config, image, None, image.shape, image.device)
    return optimize_image(objective, init, config, progress=progress, description=f"content from {layer}")


def synthesize_texture(style: torch.Tensor, encoder: MultiLayerEncoder, layers: Sequence[str], *,
                       size: Sequence[int] | None = None, iterations: int = 200, seed: int = 0,
                       normalize: str = "total", progress: bool = True) -> GatysResult:
    """Texture with the Gram matrices of ``style`` at ``layers``, from white noise (content weight 0).

    ``normalize="total"`` keeps the paper's balance between the layers' E_l; ``"per_layer"`` divides each
    E_l by its all-zero value, so that every layer has an equal say whatever its activation scale."""
    config = GatysConfig(content_layer=None, style_layers=tuple(layers), content_weight=0.0, init="noise",
                         iterations=iterations, seed=seed, normalize=normalize)
    config.validate(encoder)
    objective = GatysObjective(encoder, config, None, style)
    shape = (1, 3, *(size or style.shape[-2:]))
    init = _initial_image(config, None, style, shape, style.device)
    return optimize_image(objective, init, config, progress=progress, description=f"texture {layers[-1]}")


# --- colour preservation: luminance-only transfer ---------------------------------------------

def _stylize_luminance(content, style, encoder, config, *, progress):
    """The transfer on the luminance only (:func:`stylelab.colour.luminance_only`), the content's chrominance kept."""
    results = []

    def run(grey_content, grey_style):
        results.append(stylize(grey_content, grey_style, encoder, replace(config, preserve_color=False), progress=progress))
        return results[-1].image

    return GatysResult(luminance_only(content, style, run), results[0].history)


def style_distance(encoder: MultiLayerEncoder, image: torch.Tensor, style: torch.Tensor,
                   layers: Sequence[str] = STYLE_LAYERS) -> float:
    """Σ_l E_l of ``image`` against ``style`` (equal layer weights, raw: no normalisation), as a number."""
    with torch.no_grad():
        style_features = encoder(style, layers)
        grams = {k: gram_matrix(v) for k, v in style_features.items()}
        positions = {k: v.shape[2] * v.shape[3] for k, v in style_features.items()}
        return gram_style_loss(encoder(image, layers), grams, {k: 1.0 / len(layers) for k in layers}, positions).item()


# --- the method interface (stylelab.methods.base) ---------------------------------------------

@dataclass(frozen=True)
class GatysOptions:
    """The command line's Gatys controls (defaults: :class:`GatysConfig`'s)."""

    iterations: int = field(default=GatysConfig.iterations, metadata={"help": "L-BFGS (or Adam) iterations"})
    optimizer: str = field(default=GatysConfig.optimizer, metadata={"help": "lbfgs or adam"})
    style_weight: float = field(default=GatysConfig.style_weight, metadata={"help": "β/α with the normalised losses"})
    scales: tuple[int, ...] = field(default=GatysConfig.scales, metadata={"help": "coarse-to-fine short sides"})
    preserve_color: str | None = field(default=None, metadata={
        "help": "luminance (the bare flag): stylise the luminance only, keep the content's colours",
        "const": "luminance", "choices": ("luminance",)})


#: A Gatys fast path keeps the output when its result's fp32 loss is at most this much above fp32 eager's
#: (pixels of two optimisation runs drift apart; the loss says whether the result is as good).
GATYS_LOSS_TOLERANCE = 0.05


def _time_gatys_row(size: int, ctx: timing.BenchContext) -> timing.SpeedRow:
    """The speed table's Gatys row: ``settings.gatys_iterations`` iterations timed (style encoding, i.e. the
    Gram and content targets, timed apart), multiplied out to :data:`stylelab.timing.PAPER_ITERATIONS`;
    where the settings time fast paths at ``size`` and with native bf16, also the encoder under bf16 autocast, kept when its
    result's fp32 loss is within :data:`GATYS_LOSS_TOLERANCE` of eager's."""
    s, device = ctx.settings, ctx.device
    counted = timing.PAPER_ITERATIONS
    content, style = timing.bench_pair(size, device, s)
    measured = min(s.gatys_iterations, counted)
    config = GatysConfig(iterations=measured, optimizer=s.optimizer)
    encoders: list[tuple[str, nn.Module]] = [(fastpath.EAGER.name, ctx.encoder)]
    if s.times_fast_paths(size) and fastpath.bf16_supported(device):
        # bf16, not fp16: the backward pass through VGG needs bf16's range
        encoders.append(("bf16 autocast + channels_last", fastpath.AutocastEncoder(ctx.encoder, torch.bfloat16)))
    reference = GatysObjective(ctx.encoder, config, content, style)
    results, images, losses = [], [], []
    for name, encoder in encoders:
        if s.slow_warmup:
            optimize_image(GatysObjective(encoder, config, content, style), content, replace(config, iterations=1),
                           progress=False)
        encoding, _ = timing.median_seconds(lambda: GatysObjective(encoder, config, content, style), device,
                                            s.slow_repeats, 0)
        objective = GatysObjective(encoder, config, content, style)
        seconds, result = timing.median_seconds(lambda: optimize_image(objective, content, config, progress=False),
                                                device, s.slow_repeats, 0)
        with torch.no_grad():
            losses.append(float(reference(result.image)["total"]))
        images.append(result.image.float().cpu())
        total = seconds / measured * counted
        results.append((name, total, total + encoding))
    rows = []
    output_range = float(images[0].max() - images[0].min())
    for (name, total, _), image, loss in zip(results, images, losses):
        difference = (image - images[0]).abs()
        rows.append(fastpath.PathResult("gatys", size, name, total, float(difference.max()),
                                        loss <= losses[0] * (1 + GATYS_LOSS_TOLERANCE), results[0][1],
                                        float(difference.mean()), output_range=output_range,
                                        note=f"fp32 loss after {measured} it. ×{loss / losses[0]:.3f} of eager's"))
    best = fastpath.fastest(rows)
    best_with = next(w for n, _, w in results if n == best.path)
    optimizer = "L-BFGS" if s.optimizer == "lbfgs" else "Adam"
    how = (f"{measured} of {counted} {optimizer} iterations timed, ×{counted / measured:g}"
           if measured < counted else f"{counted} {optimizer} iterations")
    return timing.SpeedRow("gatys", size, results[0][1], results[0][2], fast_seconds=best.seconds,
                           fast_with_style_encoding=best_with, fast_path=best.path, measured=how,
                           extrapolated=measured < counted, paths=rows)


class Gatys(OptimisationMethod):
    """Optimise the pixels; ``stylize`` takes one style image and any :class:`GatysConfig` field as a control."""

    name = "gatys"
    summary = "optimise the pixels against VGG content + Gram style losses (L-BFGS)"
    paper = "Gatys et al., CVPR 2016"
    Options = GatysOptions
    config_class = GatysConfig
    speed = Speed("gatys", "optimisation", "∞",
                  "L-BFGS on the pixels against VGG Gram (relu1_1…relu5_1) and content (relu4_2) losses, "
                  "500 iterations; style encoding: the style's Gram targets (and the content target)",
                  _time_gatys_row)

    @classmethod
    def config_from_options(cls, options: GatysOptions) -> GatysConfig:
        return replace(GatysConfig(), **{**asdict(options), "preserve_color": bool(options.preserve_color)})

    def optimise(self, content: torch.Tensor, style: torch.Tensor, config: GatysConfig) -> torch.Tensor:
        return stylize(content, style, self.encoder, config, progress=False).image
