"""The perceptual loss every trained method shares (Gatys, Johnson/Ulyanov, CIN, AdaIN).

    L(x) = α · L_content(x) + β · L_style(x) + γ · TV(x)   (+ τ · L_tone(x) + φ · L_flat(x) + ψ · L_spot(x),
                                                             issue #23, off by default)

* content: mean squared error of one encoder layer to a target (the content image's features, or
  a given feature map such as AdaIN's t);
* style: Gatys' Gram loss Σ_l w_l E_l (``style_loss="gram"``) or AdaIN's mean/std loss
  (``style_loss="mean_std"``), against one of N precomputed style targets chosen per sample by a
  style id (CIN trains N styles in one batch), or against style images given per batch (AdaIN);
* TV: total variation of the output;
* tone (``tone_weight`` > 0): :func:`stylelab.losses.tone_loss`, the output's low-pass lightness against the
  content photo's up to one affine tone curve per image.
* flat (``flat_weight`` > 0): :func:`stylelab.losses.flat_texture_loss`, the output's fine texture where the
  content photo is flat.
* spot (``spot_weight`` > 0): :func:`stylelab.losses.spot_loss`, compact colour patches the output paints
  where the content photo has none.

Normalisation (``normalize``), an explicit departure from the raw losses of :mod:`stylelab.losses`
so that α, β mean the same for every encoder (the activations of the BatchNorm'd CRAFT encoder and
of VGG-19 differ in scale by orders of magnitude):

* ``"none"``: the raw losses (the paper's E_l exactly, content as a mean of squares);
* ``"total"``: the content loss divided by its target's mean square, and the style loss
  Σ_l w_l E_l divided by its value for an all-zero feature map: one constant per style, so the
  paper's balance between layers is kept;
* ``"per_layer"``: as ``"total"`` but each layer's E_l divided by its own all-zero value, so every
  layer starts at 1 and counts by w_l alone. Needed for the offline encoder: with the paper's
  balance its relu1_2 outweighs relu4_3 about 10⁵ : 1 (its deep activations are tiny), and a net
  then learns colours but none of the larger brush structures.

The style-statistics distance at the end is the measure the issues use to ask whether a trained
net carries a style: d(x, s) = Σ_l ‖μ_l(x) − μ_l(s)‖₂ + ‖σ_l(x) − σ_l(s)‖₂ over relu1_1…relu4_1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from .encoders import MultiLayerEncoder
from .errors import StylelabError
from .losses import (check_flat_window, content_loss, flat_texture_loss, gram_layer_loss, gram_matrix,
                     mean_std_layer_loss, spot_loss, tone_loss, total_variation)
from .norms import mean_std

STYLE_LOSSES = ("gram", "mean_std")
NORMALIZATIONS = ("none", "total", "per_layer")
#: The layers of the style-statistics distance d(x, s) (those of AdaIN's style loss).
DISTANCE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")


@dataclass(frozen=True)
class PerceptualConfig:
    """Which layers and weights make up L; the defaults are Gatys et al.'s."""

    content_layer: str | None = "relu4_2"
    style_layers: tuple[str, ...] = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
    style_loss: str = "gram"
    layer_weights: Mapping[str, float] | None = None  # w_l; None: 1 / len(style_layers) each
    content_weight: float = 1.0  # α
    style_weight: float = 1e3  # β
    tv_weight: float = 0.0  # γ
    normalize: str = "total"
    # issue #23: weight of losses.tone_loss (0: off) and its blur σ as a fraction of the image's short side
    tone_weight: float = 0.0
    tone_sigma: float = 0.03
    # issue #23: weight φ of losses.flat_texture_loss (0: off) and its τ, the photo's local fine-texture RMS below
    # which a region counts as flat (0.012: the crosshatch measure's bound), over a flat_window × flat_window box
    flat_weight: float = 0.0
    flat_threshold: float = 0.012
    flat_window: int = 9
    # issue #23: weight ψ of losses.spot_loss (0: off), its surround σ as a fraction of the image's short side (0.08:
    # the spot measure's) and its margin m on the RGB distance
    spot_weight: float = 0.0
    spot_surround: float = 0.08
    spot_margin: float = 0.1

    def validate(self, encoder: MultiLayerEncoder) -> None:
        if self.style_loss not in STYLE_LOSSES:
            raise StylelabError(f"style_loss must be one of {', '.join(STYLE_LOSSES)}, not {self.style_loss!r}")
        if self.normalize not in NORMALIZATIONS:
            raise StylelabError(f"normalize must be one of {', '.join(NORMALIZATIONS)}, not {self.normalize!r}")
        for name in ("content_weight", "style_weight", "tv_weight", "tone_weight", "flat_weight", "spot_weight",
                     "spot_margin"):
            if getattr(self, name) < 0:
                raise StylelabError(f"{name} must be non-negative, got {getattr(self, name)}")
        if not 0 < self.tone_sigma < 0.5:
            raise StylelabError(f"tone_sigma is a fraction of the image's short side in (0, 0.5), got {self.tone_sigma}")
        if not 0 < self.spot_surround < 0.5:
            raise StylelabError(f"spot_surround is a fraction of the image's short side in (0, 0.5), got "
                                f"{self.spot_surround}")
        if not self.flat_threshold > 0:
            raise StylelabError(f"flat_threshold is a positive fine-texture RMS (0-1 grey), got {self.flat_threshold}")
        check_flat_window(self.flat_window, "flat_window")
        encoder.check_layers(([self.content_layer] if self.content_layer else []) + list(self.style_layers))
        if self.layer_weights is not None:
            missing = set(self.style_layers) - set(self.layer_weights)
            if missing:
                raise StylelabError(f"layer_weights has no weight for {', '.join(sorted(missing))}")

    def weights(self) -> dict[str, float]:
        n = len(self.style_layers)
        return {layer: (1.0 / n if self.layer_weights is None else float(self.layer_weights[layer]))
                for layer in self.style_layers}


def _style_statistics(encoder: MultiLayerEncoder, image: torch.Tensor, config: PerceptualConfig) -> dict[str, torch.Tensor]:
    """One style image's targets per layer: Gram per position A/M_s (C, C), or μ and σ stacked (2, C)."""
    out = {}
    for layer, feature in encoder(image, config.style_layers).items():
        if config.style_loss == "gram":
            out[layer] = gram_matrix(feature)[0] / (feature.shape[2] * feature.shape[3])
        else:
            mean, std = mean_std(feature)
            out[layer] = torch.stack([mean.flatten(), std.flatten()])
    return out


class PerceptualLoss(nn.Module):
    """L for a batch of outputs; ``styles`` are the N style images a style id indexes (may be empty)."""

    def __init__(self, encoder: MultiLayerEncoder, config: PerceptualConfig, styles: Sequence[torch.Tensor] = ()):
        super().__init__()
        config.validate(encoder)
        self.encoder, self.config = encoder, config
        self.layer_weights = config.weights()
        self.num_styles = len(styles)
        targets: dict[str, list[torch.Tensor]] = {layer: [] for layer in config.style_layers}
        with torch.no_grad():
            for i, style in enumerate(styles):
                if style.dim() != 4 or style.shape[:2] != (1, 3):
                    raise StylelabError(f"style image {i} must have shape (1, 3, H, W), got {tuple(style.shape)}")
                for layer, value in _style_statistics(encoder, style, config).items():
                    targets[layer].append(value)
        # Buffers (S, ...) per layer: they follow .to(device) and index by style id.
        for layer, values in targets.items():
            if values:
                self.register_buffer(f"target_{layer}", torch.stack(values), persistent=False)
        # (S, L) divisors of each style's per-layer losses (see the module doc)
        self.register_buffer("style_scales", torch.cat([self._zero_style_losses(self._targets_for(torch.tensor([i])))
                                                          for i in range(self.num_styles)])
                             if self.num_styles else torch.ones(0, len(config.style_layers)), persistent=False)

    # --- targets ---------------------------------------------------------------------------

    def _targets_for(self, style_ids: torch.Tensor) -> dict[str, torch.Tensor]:
        return {layer: getattr(self, f"target_{layer}")[style_ids] for layer in self.config.style_layers}

    def _images_targets(self, style_images: torch.Tensor) -> dict[str, torch.Tensor]:
        with torch.no_grad():
            per_image = [_style_statistics(self.encoder, image[None], self.config) for image in style_images]
        return {layer: torch.stack([p[layer] for p in per_image]) for layer in self.config.style_layers}

    def _layer_losses(self, features: Mapping[str, torch.Tensor], targets: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """(N, L): each sample's unweighted style loss per layer."""
        out = []
        for layer, target in targets.items():
            if self.config.style_loss == "gram":
                # targets are Grams per position (M_s = 1): gram_layer_loss rescales them to the output's M_l
                out.append(gram_layer_loss(features[layer], target, 1, reduction="none"))
            else:
                out.append(mean_std_layer_loss(features[layer], target[:, 0], target[:, 1], reduction="none"))
        return torch.stack(out, 1)

    def _zero_style_losses(self, targets: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """(N, L) divisors: 1, the all-zero total, or the all-zero value of each layer."""
        n = next(iter(targets.values())).shape[0]
        if self.config.normalize == "none":
            return torch.ones(n, len(targets))
        zeros = {layer: t.new_zeros(n, t.shape[-1], 4, 4) for layer, t in targets.items()}
        per_layer = self._layer_losses(zeros, targets).clamp_min(1e-30)
        if self.config.normalize == "per_layer":
            return per_layer
        weights = torch.tensor([self.layer_weights[k] for k in targets]).to(per_layer)
        return (per_layer * weights).sum(1, keepdim=True).expand_as(per_layer)

    def _style_term(self, features, targets, scales: torch.Tensor) -> torch.Tensor:
        weights = torch.tensor([self.layer_weights[k] for k in targets]).to(scales)
        return (self._layer_losses(features, targets) / scales * weights).sum(1).mean()

    # --- the loss --------------------------------------------------------------------------

    def forward(self, output: torch.Tensor, content: torch.Tensor | None = None,
                style_ids: torch.Tensor | int | Sequence[int] | None = None, *,
                content_target: torch.Tensor | None = None, style_images: torch.Tensor | None = None
                ) -> dict[str, torch.Tensor]:
        """{"total", "content", "style", "tv"} for ``output`` (N, 3, H, W) in [0, 1].

        Content: ``content`` images (their features are the target) or a ``content_target`` feature map.
        Style: ``style_ids`` into the styles given at construction, or ``style_images`` (N, 3, h, w).
        """
        cfg = self.config
        use_content = cfg.content_layer is not None and cfg.content_weight > 0 and (content is not None or content_target is not None)
        use_style = cfg.style_weight > 0 and len(cfg.style_layers) > 0 and (style_ids is not None or style_images is not None)
        if not (use_content or use_style or cfg.tv_weight > 0):
            raise StylelabError("nothing to optimise: give content (content_weight > 0), styles (style_weight > 0) or tv_weight > 0")
        layers = ([cfg.content_layer] if use_content else []) + (list(cfg.style_layers) if use_style else [])
        features = self.encoder(output, layers) if layers else {}
        zero = output.new_zeros(())
        content_term = style_term = zero
        if use_content:
            if content_target is None:
                with torch.no_grad():
                    content_target = self.encoder(content, [cfg.content_layer])[cfg.content_layer]
            content_term = content_loss(features[cfg.content_layer], content_target)
            if cfg.normalize != "none":
                content_term = content_term / content_target.detach().square().mean().clamp_min(1e-12)
        if use_style:
            if style_images is not None:
                targets = self._images_targets(style_images)
                scales = self._zero_style_losses(targets)
            else:
                ids = self._style_ids(style_ids, output.shape[0], output.device)
                targets, scales = self._targets_for(ids), self.style_scales[ids]
            style_term = self._style_term(features, targets, scales)
        tv = total_variation(output) if cfg.tv_weight > 0 else zero
        total = cfg.content_weight * content_term + cfg.style_weight * style_term + cfg.tv_weight * tv
        terms = {"total": total, "content": content_term, "style": style_term, "tv": tv}
        if cfg.tone_weight > 0:
            if content is None:
                raise StylelabError("the tone term compares the output with the content photo: give content")
            terms["tone"] = tone_loss(output, content, cfg.tone_sigma * min(output.shape[-2:]))
            terms["total"] = terms["total"] + cfg.tone_weight * terms["tone"]
        if cfg.flat_weight > 0:
            if content is None:
                raise StylelabError("the flat-region term looks for flat regions of the content photo: give content")
            terms["flat"] = flat_texture_loss(output, content, cfg.flat_threshold, cfg.flat_window)
            terms["total"] = terms["total"] + cfg.flat_weight * terms["flat"]
        if cfg.spot_weight > 0:
            if content is None:
                raise StylelabError("the spot term compares the output with the content photo: give content")
            terms["spot"] = spot_loss(output, content, cfg.spot_surround * min(output.shape[-2:]), cfg.spot_margin)
            terms["total"] = terms["total"] + cfg.spot_weight * terms["spot"]
        return terms

    def _style_ids(self, style_ids, batch: int, device) -> torch.Tensor:
        if self.num_styles == 0:
            raise StylelabError("this perceptual loss has no style targets: pass style_images, or styles when building it")
        ids = torch.as_tensor(style_ids, dtype=torch.long).flatten()
        if ids.numel() == 1:
            ids = ids.expand(batch)
        if ids.numel() != batch:
            raise StylelabError(f"need one style id per image: {ids.numel()} ids for a batch of {batch}")
        if ((ids < 0) | (ids >= self.num_styles)).any():
            raise StylelabError(f"style id out of range: {ids.tolist()} (this loss has {self.num_styles} styles)")
        return ids.to(device)


# --- the measure of "does it carry the style?" ----------------------------------------------

#: Per layer, the channel means and standard deviations (μ_l, σ_l), each (N, C): what d(x, s) compares.
Statistics = list[tuple[torch.Tensor, torch.Tensor]]


def style_statistics(encoder: MultiLayerEncoder, image: torch.Tensor,
                     layers: Sequence[str] = DISTANCE_LAYERS) -> Statistics:
    """(μ_l(x), σ_l(x)) per layer of ``layers``, for every image of ``image``: one encoder pass, to be compared
    with :func:`statistics_distance` as often as needed (a photo or a painting met by many outputs is encoded
    once)."""
    with torch.no_grad():
        features = encoder(image, layers)
        return [mean_std(features[layer]) for layer in layers]


def statistics_distance(a: Statistics, b: Statistics) -> torch.Tensor:
    """d(x, s) = Σ_l ‖μ_l(x) − μ_l(s)‖₂ + ‖σ_l(x) − σ_l(s)‖₂ per image of ``a`` (N,); ``b`` holds one image."""
    total = a[0][0].new_zeros(a[0][0].shape[0])
    for (mx, sx), (ms, ss) in zip(a, b, strict=True):
        total = total + (mx - ms).flatten(1).norm(dim=1) + (sx - ss).flatten(1).norm(dim=1)
    return total


def statistics_ratio(output: Statistics, content: Statistics, style: Statistics) -> torch.Tensor:
    """d(output, s) / d(content, s) per image of ``output``, on statistics already computed."""
    return statistics_distance(output, style) / statistics_distance(content, style).clamp_min(1e-12)


def style_statistics_distance(encoder: MultiLayerEncoder, image: torch.Tensor, style: torch.Tensor,
                              layers: Sequence[str] = DISTANCE_LAYERS) -> torch.Tensor:
    """d(x, s) = Σ_l ‖μ_l(x) − μ_l(s)‖₂ + ‖σ_l(x) − σ_l(s)‖₂ per image of ``image`` (N,); ``style`` is (1, 3, h, w)."""
    return statistics_distance(style_statistics(encoder, image, layers), style_statistics(encoder, style, layers))


def style_ratio(encoder: MultiLayerEncoder, output: torch.Tensor, content: torch.Tensor, style: torch.Tensor,
                layers: Sequence[str] = DISTANCE_LAYERS) -> torch.Tensor:
    """d(output, s) / d(content, s) per image: 1 = no closer to the style, 0 = the style's statistics.

    Compare at one scale: pass ``style`` resized to the scale the net was trained with (the ratio
    depends strongly on it; see ``cpu-training-calibration``). Each image is encoded once; to measure many
    outputs against one photo or painting, compute its :func:`style_statistics` once and use
    :func:`statistics_ratio`."""
    return statistics_ratio(style_statistics(encoder, output, layers), style_statistics(encoder, content, layers),
                            style_statistics(encoder, style, layers))
