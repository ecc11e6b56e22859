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
from dataclasses import dataclass, field, replace

import torch
import torch.nn.functional as F
from torch import nn

from ..colour import luminance_only
from ..encoders import CONTENT_LAYER, STYLE_LAYERS, MultiLayerEncoder
from ..errors import StylelabError
from ..losses import gram_matrix, gram_style_loss
from ..optim import OPTIMIZERS, RESTART_FACTOR, optimize_pixels  # noqa: F401  (re-exported)
from ..perceptual import PerceptualConfig, PerceptualLoss
from ..training import History

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
