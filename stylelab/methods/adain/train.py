"""Training AdaIN's decoder g against a frozen encoder f: L = L_c + λ L_s.

    L_c = ‖f(g(t)) − t‖₂
    L_s = Σᵢ ‖μ(φᵢ(g(t))) − μ(φᵢ(s))‖₂ + Σᵢ ‖σ(φᵢ(g(t))) − σ(φᵢ(s))‖₂     φᵢ: relu1_1 … relu4_1

As in the authors' code each ‖·‖₂ is a mean squared error. λ is set per encoder (``STYLE_WEIGHTS``) on
these raw losses: the authors' 10 for VGG-19 and the port's VGG, 1 for the offline encoder
``vgg16_bn_craft`` (its BatchNorm'd activations give a content loss about 100× smaller). How λ = 1 and the
committed decoder's recipe were chosen: ``stylelab/pretrained/adain_decoder_craft.md``.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path

import torch
from torch import nn
from torchvision.transforms.v2 import functional as TF

from ... import assets, distributed
from ...datasets import RandomCropDataset, batch_rows, stable_seed, training_photos
from ...encoders import PORT_VGG, build_encoder, encoder_kind
from ...errors import StylelabError
from ...registry import resolve
from ...losses import content_loss, mean_std_style_loss
from ...training import History, check_run_settings, train
from ...weights import config_from_dict, load_state, read_model, save_model
from .model import ADAIN_LAYER, STYLE_LAYERS, AdaINModel, adain, build_decoder

#: λ on the raw losses, per encoder (see the module doc).
STYLE_WEIGHTS = {"vgg19": 10.0, PORT_VGG: 10.0, "vgg16_bn_craft": 1.0, "random": 10.0}
#: Style images never trained on, so that Figure-4-style results use unseen styles.
HELD_OUT_STYLES = ("style/woman_with_hat_matisse", "style/sketch", "style/picasso_self_portrait",
                   "style/antimonocromatismo")
#: Registry names (stylelab/data/assets.tsv) of the port's published files.


def training_styles() -> tuple[str, ...]:
    """All registered style images minus ``HELD_OUT_STYLES``."""
    return tuple(n for n in assets.names("style") if n not in HELD_OUT_STYLES)


@dataclass(frozen=True)
class AdaINConfig:
    """One decoder training run (defaults: the authors' recipe, on the offline photos)."""

    encoder: str = "auto"  # the encoder kind f; "auto": the one passed to train_decoder, recorded when trained
    styles: tuple[str, ...] | None = None  # asset names or paths; None: training_styles()
    image_size: int = 256  # side of the square crops (content and style)
    batch_size: int = 8
    lr: float = 1e-4
    lr_decay: float = 5e-5  # lr / (1 + lr_decay · step), as the authors
    steps: int = 160000
    content_weight: float = 1.0
    style_weight: float | None = None  # λ; None: STYLE_WEIGHTS[encoder]
    photos: tuple[str, ...] | None = None  # names in the photo manifest; None: all
    crop_range: tuple[float, float] = (0.5, 1.0)  # crop side as a fraction of the short side
    max_side: int = 512  # images downscaled to this short side once (the authors resize to 512)
    seed: int = 0
    # Probability that a style crop is recoloured (greyscale or a hue rotation, :func:`recolour_styles`).
    # 0: the authors' recipe. With a handful of training paintings instead of WikiArt's 80k, the decoder
    # otherwise learns their few palettes instead of following the style statistics it is given.
    style_recolour: float = 0.0
    # Probability that a style crop then gets a random colour balance (:func:`jitter_colours`): palettes no
    # training painting has (dark ochre, cold greens), so that colour has to be read from the statistics.
    style_colour_jitter: float = 0.0

    def validate(self) -> None:
        if self.image_size % 8 or self.image_size < 16:
            raise StylelabError(f"image_size must be a multiple of 8 (three poolings), at least 16; got {self.image_size}")
        check_run_settings(lr=self.lr, image_size=self.image_size, max_side=self.max_side,
                           counts={"batch_size": self.batch_size, "steps": self.steps},
                           weights={"content_weight": self.content_weight, "style_weight": self.style_weight,
                                    "lr_decay": self.lr_decay})
        for name in ("style_recolour", "style_colour_jitter"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise StylelabError(f"{name} is a probability in [0, 1], got {getattr(self, name)}")
        if self.styles is not None and not self.styles:
            raise StylelabError("give at least one style image (or styles=None for the registered ones)")

    def resolved(self, encoder: nn.Module) -> "AdaINConfig":
        """This config with the encoder's kind and its λ filled in (a mismatching encoder is an error)."""
        kind = encoder_kind(encoder)
        if self.encoder not in ("auto", kind):
            raise StylelabError(f"this config trains against encoder {self.encoder!r}, but got {kind!r}")
        weight = self.style_weight if self.style_weight is not None else STYLE_WEIGHTS.get(kind)
        if weight is None:
            raise StylelabError(f"no default λ for encoder {kind!r}; set style_weight")
        return replace(self, encoder=kind, style_weight=weight, styles=self.styles or training_styles())

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "AdaINConfig":
        return config_from_dict(cls, values, "AdaIN")


@dataclass
class TrainedAdaIN:
    model: AdaINModel
    config: AdaINConfig
    history: History = field(default_factory=dict)
    recipe: dict = field(default_factory=dict)

    @property
    def decoder(self) -> nn.Module:
        return self.model.decoder


def training_data(config: AdaINConfig) -> tuple[RandomCropDataset, RandomCropDataset]:
    """(content crops of the offline photos, style crops of the training styles): pure in (seed, step)."""
    styles = config.styles or training_styles()
    content = RandomCropDataset(training_photos(config.photos), config.image_size, crop_range=config.crop_range,
                                max_side=config.max_side, seed=config.seed)
    style = RandomCropDataset([resolve(s, "asset") for s in styles], config.image_size, crop_range=config.crop_range,
                              max_side=config.max_side, seed=config.seed + 1)
    return content, style


def recolour_styles(batch: torch.Tensor, probability: float, seed: int, step: int, *, rows: slice | None = None,
                    batch_size: int | None = None) -> torch.Tensor:
    """Each style crop, with ``probability``, turned grey (one time in three) or hue-rotated by a uniform
    angle: a pure function of (seed, step), so a resumed training sees the same batches. ``batch`` may be
    rows ``rows`` of a global batch of ``batch_size`` (one process's share): they get those rows' draws."""
    if probability <= 0:
        return batch
    generator = torch.Generator().manual_seed(seed * 1_000_003 + step)
    draws = torch.rand(batch_size or len(batch), 3, generator=generator)[rows or slice(None)]  # recolour?, grey?, hue
    out = []
    for image, (recolour, grey, hue) in zip(batch, draws.tolist()):
        if recolour < probability:
            image = TF.rgb_to_grayscale(image, num_output_channels=3) if grey < 1 / 3 else TF.adjust_hue(image, hue - 0.5)
        out.append(image)
    return torch.stack(out)


def jitter_colours(batch: torch.Tensor, probability: float, seed: int, step: int, *, rows: slice | None = None,
                   batch_size: int | None = None) -> torch.Tensor:
    """Each style crop, with ``probability``, gets a random colour balance: per channel c,
    x_c ↦ clamp(g_c · x_c^γ_c + b_c, 0, 1) with γ_c log-uniform in [½, 2], g_c uniform in [0.6, 1.4] and
    b_c in [−0.2, 0.2]; the crop's texture stays, its palette moves anywhere in the colour cube. A pure
    function of (seed, step) (``datasets.stable_seed``), so a resumed training sees the same batches.
    ``rows``, ``batch_size``: as in :func:`recolour_styles`."""
    if probability <= 0:
        return batch
    generator = torch.Generator().manual_seed(stable_seed("adain-colour-jitter", seed, step))
    draws = torch.rand(batch_size or len(batch), 10, generator=generator)[rows or slice(None)]  # apply?, then γ, g, b per channel
    out = []
    for image, draw in zip(batch, draws):
        if draw[0] < probability:
            gamma = 2.0 ** (2 * draw[1:4] - 1)
            gain, bias = 0.6 + 0.8 * draw[4:7], 0.4 * draw[7:10] - 0.2
            image = (gain.view(3, 1, 1) * image.clamp(0, 1) ** gamma.view(3, 1, 1) + bias.view(3, 1, 1)).clamp(0, 1)
        out.append(image)
    return torch.stack(out)


def losses(encoder: nn.Module, decoder: nn.Module, content: torch.Tensor, style: torch.Tensor,
           style_weight: float, content_weight: float = 1.0) -> dict[str, torch.Tensor]:
    """{"total", "content", "style"} for one batch: t = AdaIN(f(c), f(s)), L = L_c(g(t), t) + λ L_s(g(t), s)."""
    with torch.no_grad():
        style_features = encoder(style, STYLE_LAYERS)
        t = adain(encoder(content, [ADAIN_LAYER])[ADAIN_LAYER], style_features[ADAIN_LAYER])
    output_features = encoder(decoder(t), STYLE_LAYERS)
    l_c = content_loss(output_features[ADAIN_LAYER], t)  # L_c = ‖f(g(t)) − t‖₂ (a mean squared error)
    l_s = mean_std_style_loss({k: output_features[k] for k in STYLE_LAYERS}, {k: style_features[k] for k in STYLE_LAYERS})
    return {"total": content_weight * l_c + style_weight * l_s, "content": l_c, "style": l_s}


def _batches(content_data, style_data, config: AdaINConfig, step: int, rows: slice) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows ``rows`` of step ``step``'s (content, style) batches, the styles recoloured: pure in (seed, step)."""
    b = config.batch_size
    content = batch_rows(content_data, step, b, rows)
    style = recolour_styles(batch_rows(style_data, step, b, rows), config.style_recolour, config.seed, step,
                            rows=rows, batch_size=b)
    return content, jitter_colours(style, config.style_colour_jitter, config.seed, step, rows=rows, batch_size=b)


def train_decoder(config: AdaINConfig, encoder: nn.Module, *, checkpoint=None, checkpoint_every: int = 200,
                  progress: bool = True, data: tuple[RandomCropDataset, RandomCropDataset] | None = None,
                  decoder: nn.Module | None = None, workers: int = 0, amp: str | None = None) -> TrainedAdaIN:
    """Train g with L = L_c + λ L_s against the frozen ``encoder``; resumable from ``checkpoint``.

    ``data`` = (content dataset, style dataset) defaults to ``training_data(config)``. ``workers``: DataLoader
    worker processes that decode, crop and recolour; ``amp="bf16"``: bfloat16 autocast (CUDA). Under
    torchrun each process trains on its share of the global ``batch_size`` through DistributedDataParallel
    (the decoder has no BatchNorm, and both losses are batch means: the same steps as one process)."""
    config.validate()
    config = config.resolved(encoder)
    encoder.check_layers(STYLE_LAYERS)
    device = next(encoder.parameters()).device
    distributed.check_amp(amp, device)
    distributed.group().rows(config.batch_size)  # a batch that does not divide by the world size: one-line error
    torch.manual_seed(config.seed)
    decoder = (decoder or build_decoder()).to(device).train()
    model = distributed.wrap(decoder, device)
    content_data, style_data = data if data is not None else training_data(config)
    optimizer = torch.optim.Adam(decoder.parameters(), lr=config.lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda i: 1.0 / (1.0 + config.lr_decay * i))

    def step(i: int, batch: tuple[torch.Tensor, torch.Tensor]) -> dict[str, torch.Tensor]:
        started = time.perf_counter()
        content, style = batch
        optimizer.zero_grad(set_to_none=True)
        with distributed.autocast(amp, device):
            out = losses(encoder, model, content, style, config.style_weight, config.content_weight)
        out["total"].backward()
        optimizer.step()
        schedule.step()
        return {**out, "step_s": time.perf_counter() - started}

    history = train(step, config.steps, stateful={"decoder": decoder, "optimizer": optimizer, "schedule": schedule},
                    checkpoint=checkpoint, checkpoint_every=checkpoint_every, progress=progress,
                    description=f"adain decoder ({config.encoder})",
                    data=distributed.Batches(partial(_batches, content_data, style_data, config), config.batch_size,
                                             workers), device=device)
    return TrainedAdaIN(AdaINModel(encoder, decoder.eval()), config, history)


def save_decoder(path, trained: TrainedAdaIN, recipe: dict) -> Path:
    return save_model(path, trained.decoder, kind="adain", config=trained.config.to_dict(), recipe=recipe)


def load_decoder(path, *, encoder: nn.Module | None = None, device="cpu") -> TrainedAdaIN:
    """A decoder written by :func:`save_decoder`, with the encoder it was trained against (built from the
    config, or ``encoder`` when given: it must be of the recorded kind)."""
    state, config_dict, recipe = read_model(path, kind="adain")
    config = AdaINConfig.from_dict(config_dict)
    if encoder is None:
        if config.encoder == PORT_VGG:
            raise StylelabError(f"{path} was trained against the port's VGG: pass encoder=build_encoder({PORT_VGG!r}, "
                                f"weights=vgg_normalised.pth)")
        encoder = build_encoder(config.encoder, device=device, last_layer=ADAIN_LAYER)
    elif encoder_kind(encoder) != config.encoder:
        raise StylelabError(f"{path} was trained against encoder {config.encoder!r}, not {encoder_kind(encoder)!r}")
    decoder = load_state(build_decoder(), state, path).to(device).eval()
    return TrainedAdaIN(AdaINModel(encoder, decoder), config, {}, recipe)
