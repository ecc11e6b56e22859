"""Huang & Belongie, "Arbitrary Style Transfer in Real-time with Adaptive Instance Normalization" (ICCV 2017).

The slide's equations:

    t = AdaIN(f(c), f(s))                      f: a VGG encoder up to relu4_1 (fixed)
    T(c, s) = g(t)                             g: the decoder, the only trained part
    L = L_c + λ L_s
    L_c = ‖f(g(t)) − t‖₂
    L_s = Σᵢ ‖μ(φᵢ(g(t))) − μ(φᵢ(s))‖₂ + Σᵢ ‖σ(φᵢ(g(t))) − σ(φᵢ(s))‖₂     φᵢ: relu1_1 … relu4_1

As in the authors' code (and the PyTorch port, naoto0804/pytorch-AdaIN), each ‖·‖₂ is a mean squared
error. Test-time controls: content–style trade-off α, interpolation of styles, colour preservation and
spatial control with a mask (``stylize``).

Two kinds of models share one class, :class:`AdaINModel`:

* a decoder we train (``train_decoder``) against an encoder of :mod:`stylelab.encoders`; the model
  file (kind ``"adain"``) records which encoder, so it reloads without guessing (``load_decoder``);
* the published weights of the PyTorch port (``load_pretrained(vgg_path, decoder_path)``): its
  ``vgg_normalised.pth`` (a VGG-19 converted from Caffe, reflection padding, ceil-mode pooling, and a
  leading 1×1 convolution that turns RGB in [0, 1] into Caffe's mean-subtracted BGR in [0, 255]) and
  its ``decoder.pth``. These reproduce the port's own output; they use the unbiased variance of the
  port's ``calc_mean_std``, our trained decoders the biased one of :func:`stylelab.norms.mean_std`.

λ is set per encoder (``STYLE_WEIGHTS``), on the raw losses above (no normalisation): the authors' 10
for VGG-19 and the port's VGG, and 1 for the offline encoder ``vgg16_bn_craft``, whose BatchNorm'd
activations give a content loss about 100× smaller than VGG-19's. Measured on this CPU: λ = 10 made the
decoder ignore the content; λ = 0.1 kept it, but its style term was then a sixth of the content term and
after 300 steps its outputs were further from the held-out styles (ratios 0.93–1.43) than with λ = 1
(0.85–1.39), whose two terms start about equal. The committed decoder uses λ = 1.

Colour jitter, measured and not kept: the committed decoder (6,000 steps) paints the Picasso self-portrait in
its training palette (3 of 11 AdaIN photos at ratio ≤ 0.7, up to 0.98). Fine-tuned from it for 2,400 more steps
on this CPU (``--init-from``, ``--style-colour-jitter 0.5``, new crop seed, λ = 1; 4,362 s), the Picasso pairs
improved to 8/11 (worst 0.86) and the sketch stayed at 8/11, but Matisse fell from 11/11 to 9/11 and
antimonocromatismo from 11/11 to 7/11: 32 of 44 unseen pairs instead of 33, and a higher mean on notebook 04's
12 pairs (0.71 against 0.68). A 250-step pilot with λ = 3 or 8 left the style loss where it was (0.0043 vs 0.0041):
with 16 paintings the decoder is short of data and steps, not of style weight.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.transforms.v2 import functional as TF

from .. import assets
from ..datasets import RandomCropDataset, stable_seed, training_photos
from ..encoders import build_encoder
from ..errors import StylelabError
from ..norms import EPS, mean_std
from ..training import History, check_run_settings, safe_load, train
from ..weights import config_from_dict, load_state, read_model, save_model
from .gatys import rgb_to_yiq, yiq_to_rgb

ADAIN_LAYER = "relu4_1"
STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")
#: λ on the raw losses, per encoder (see the module doc).
STYLE_WEIGHTS = {"vgg19": 10.0, "port_vgg_normalised": 10.0, "vgg16_bn_craft": 1.0, "random": 10.0}
#: Style images never trained on, so that Figure-4-style results use unseen styles.
HELD_OUT_STYLES = ("style/woman_with_hat_matisse", "style/sketch", "style/picasso_self_portrait",
                   "style/antimonocromatismo")
#: Registry names (stylelab/data/assets.tsv) of the port's published files.
PORT_VGG_ASSET = "weights/adain_vgg_normalised"
PORT_DECODER_ASSET = "weights/adain_decoder"
COLOR_MODES = ("luminance", "histogram")


def training_styles() -> tuple[str, ...]:
    """All registered style images minus ``HELD_OUT_STYLES``."""
    return tuple(n for n in assets.names("style") if n not in HELD_OUT_STYLES)


# --- the paper's functions (short, so that a notebook can show their source) -----------------

def statistics(x: torch.Tensor, unbiased: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """μ(x), σ(x) per sample and channel, σ = sqrt(var + ε); ``unbiased``: var over HW − 1, as the port."""
    if not unbiased:
        return mean_std(x)
    return x.mean((2, 3), keepdim=True), (x.var((2, 3), keepdim=True, unbiased=True) + EPS).sqrt()


def adain(x: torch.Tensor, y: torch.Tensor, unbiased: bool = False) -> torch.Tensor:
    """AdaIN(x, y) = σ(y) (x − μ(x)) / σ(x) + μ(y)."""
    (mean_x, std_x), (mean_y, std_y) = statistics(x, unbiased), statistics(y, unbiased)
    return std_y * (x - mean_x) / std_x + mean_y


def trade_off(t: torch.Tensor, content_features: torch.Tensor, alpha: float) -> torch.Tensor:
    """t' = α·t + (1 − α)·f(c): α = 1 is the full style, α = 0 decodes the content's own features."""
    return alpha * t + (1 - alpha) * content_features


def interpolate(ts: Sequence[torch.Tensor], weights: Sequence[float]) -> torch.Tensor:
    """t = Σₖ wₖ AdaIN(f(c), f(sₖ)), the wₖ non-negative and summing to one."""
    weights = check_weights(weights, len(ts))
    return sum(w * t for w, t in zip(weights, ts))


def content_loss(output_features: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """L_c = ‖f(g(t)) − t‖₂ at relu4_1 (the mean squared error, as the authors' code)."""
    return F.mse_loss(output_features, t)


def style_loss(output_features: Sequence[torch.Tensor], style_features: Sequence[torch.Tensor]) -> torch.Tensor:
    """L_s = Σᵢ ‖μ(φᵢ(g(t))) − μ(φᵢ(s))‖₂ + ‖σ(φᵢ(g(t))) − σ(φᵢ(s))‖₂ (mean squared errors)."""
    loss = 0.0
    for x, y in zip(output_features, style_features):
        (mean_x, std_x), (mean_y, std_y) = mean_std(x), mean_std(y)
        loss = loss + F.mse_loss(mean_x, mean_y) + F.mse_loss(std_x, std_y)
    return loss


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
            out[:, :, region] = adain(x, style, unbiased).squeeze(-1)
    return out


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


# --- networks --------------------------------------------------------------------------------

def decoder_layers() -> list[nn.Module]:
    """g: the mirror of VGG-19 up to relu4_1 (nearest upsampling, reflection padding), module for module
    the reference implementations' decoder, so that their ``decoder.pth`` keys ('1.weight', ...) fit."""
    def conv(cin, cout, relu=True):
        return [nn.ReflectionPad2d(1), nn.Conv2d(cin, cout, 3)] + ([nn.ReLU()] if relu else [])

    def up():
        return [nn.Upsample(scale_factor=2, mode="nearest")]

    return (conv(512, 256) + up() + conv(256, 256) + conv(256, 256) + conv(256, 256) + conv(256, 128) + up()
            + conv(128, 128) + conv(128, 64) + up() + conv(64, 64) + conv(64, 3, relu=False))


def build_decoder() -> nn.Sequential:
    return nn.Sequential(*decoder_layers())


def port_vgg_layers() -> list[nn.Module]:
    """The port's ``vgg_normalised``: a 1×1 'preprocess' conv, then VGG-19 to relu5_4 with reflection
    padding and ceil-mode max pooling (module indices match its state-dict keys '0.weight', '2.weight', ...)."""
    layers: list[nn.Module] = [nn.Conv2d(3, 3, 1)]
    channels = 3
    for block, (width, convs) in enumerate([(64, 2), (128, 2), (256, 4), (512, 4), (512, 4)]):
        if block:
            layers.append(nn.MaxPool2d(2, 2, 0, ceil_mode=True))
        for _ in range(convs):
            layers += [nn.ReflectionPad2d(1), nn.Conv2d(channels, width, 3), nn.ReLU()]
            channels = width
    return layers


def _port_layer_names(layers: Sequence[nn.Module]) -> list[str]:
    names, block, index = [], 1, 1
    for position, module in enumerate(layers):
        if isinstance(module, nn.Conv2d) and position == 0:
            names.append("preprocess")
        elif isinstance(module, nn.ReflectionPad2d):
            names.append(f"pad{block}_{index}")
        elif isinstance(module, nn.Conv2d):
            names.append(f"conv{block}_{index}")
        elif isinstance(module, nn.ReLU):
            names.append(f"relu{block}_{index}")
            index += 1
        else:
            names.append(f"pool{block}")
            block, index = block + 1, 1
    return names


class PortVGG(nn.Sequential):
    """The port's VGG as a named-layer encoder: ``vgg(image, ["relu1_1", "relu4_1"])`` → {name: tensor}.

    Images go in as RGB in [0, 1]; the leading 1×1 conv of the published weights does the Caffe
    preprocessing. Its keys are the port's own ('0.weight', ...), so its files load unchanged."""

    def __init__(self, layers: Sequence[nn.Module] | None = None):
        super().__init__(*(port_vgg_layers() if layers is None else layers))
        self.name = "port_vgg_normalised"
        self.layer_names = _port_layer_names(list(self))
        self.requires_grad_(False)
        self.eval()

    def check_layers(self, layers) -> list[str]:
        layers = [layers] if isinstance(layers, str) else list(layers)
        unknown = [layer for layer in layers if layer not in self.layer_names]
        if unknown:
            raise StylelabError(f"the port's VGG (up to {self.layer_names[-1]}) has no layer {', '.join(map(repr, unknown))}")
        return layers

    def forward(self, image: torch.Tensor, layers=(ADAIN_LAYER,)) -> dict[str, torch.Tensor]:
        wanted = self.check_layers(layers)
        deepest = max(self.layer_names.index(layer) for layer in wanted)
        x, out = image, {}
        for name, module in zip(self.layer_names[: deepest + 1], self):
            x = module(x)
            if name in wanted:
                out[name] = x
        return out


class AdaINModel(nn.Module):
    """T(c, s) = g(α·AdaIN(f(c), f(s)) + (1 − α)·f(c)); ``model(content, style, alpha)`` is the decoder's
    raw output for (N, 3, H, W) images in [0, 1] (unclamped, as the port's; :func:`stylize` clamps)."""

    def __init__(self, encoder: nn.Module, decoder: nn.Module, *, unbiased: bool = False):
        super().__init__()
        self.encoder, self.decoder, self.unbiased = encoder, decoder, unbiased
        encoder.check_layers([ADAIN_LAYER])

    def encode(self, image: torch.Tensor) -> torch.Tensor:
        return self.encoder(image, [ADAIN_LAYER])[ADAIN_LAYER]

    def forward(self, content: torch.Tensor, style: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
        check_alpha(alpha)
        content_features = self.encode(content)
        t = adain(content_features, self.encode(style), self.unbiased)
        return self.decoder(trade_off(t, content_features, alpha))


def check_alpha(alpha: float) -> float:
    if not 0.0 <= float(alpha) <= 1.0:
        raise StylelabError(f"alpha (the content–style trade-off) must lie in [0, 1], got {alpha}")
    return float(alpha)


# --- the published checkpoints ---------------------------------------------------------------

def _read_state(path, what: str) -> dict:
    state = safe_load(path)
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise StylelabError(f"{path} is not a state dict of tensors (expected the port's {what})")
    return state


def load_port_vgg(path) -> PortVGG:
    """The port's ``vgg_normalised.pth`` (all of VGG-19, strictly checked), truncated at relu4_1 as the port does."""
    full = load_state(PortVGG(), _read_state(path, "vgg_normalised.pth"), path)
    return PortVGG(list(full)[: full.layer_names.index(ADAIN_LAYER) + 1])


def load_pretrained(vgg_path, decoder_path, device="cpu") -> AdaINModel:
    """The port's published ``vgg_normalised.pth`` and ``decoder.pth`` as an :class:`AdaINModel`
    (read with ``weights_only=True``; a file that does not fit names the key or shape)."""
    decoder = load_state(build_decoder(), _read_state(decoder_path, "decoder.pth"), decoder_path)
    return AdaINModel(load_port_vgg(vgg_path), decoder.eval(), unbiased=True).to(device)


def port_file(name_or_path: str) -> Path:
    """A path as it is, or a registry name (``weights/adain_vgg_normalised``) fetched and hash-checked."""
    if name_or_path in assets.registry():
        return assets.fetch(name_or_path)
    path = Path(name_or_path).expanduser()
    if not path.is_file():
        raise StylelabError(f"{name_or_path} is neither a file nor a registered asset "
                            f"(the port's files are {PORT_VGG_ASSET} and {PORT_DECODER_ASSET})")
    return path


# --- training --------------------------------------------------------------------------------

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


def encoder_kind(encoder: nn.Module) -> str:
    """'vgg19', 'vgg16_bn_craft', 'random' or 'port_vgg_normalised' ('random(seed=0)' → 'random')."""
    return getattr(encoder, "name", type(encoder).__name__).split("(")[0]


@dataclass
class TrainedAdaIN:
    model: AdaINModel
    config: AdaINConfig
    history: History = field(default_factory=dict)
    recipe: dict = field(default_factory=dict)

    @property
    def decoder(self) -> nn.Module:
        return self.model.decoder


def _image_path(name: str) -> Path:
    return assets.fetch(name) if name in assets.registry() else Path(name)


def training_data(config: AdaINConfig) -> tuple[RandomCropDataset, RandomCropDataset]:
    """(content crops of the offline photos, style crops of the training styles): pure in (seed, step)."""
    styles = config.styles or training_styles()
    content = RandomCropDataset(training_photos(config.photos), config.image_size, crop_range=config.crop_range,
                                max_side=config.max_side, seed=config.seed)
    style = RandomCropDataset([_image_path(s) for s in styles], config.image_size, crop_range=config.crop_range,
                              max_side=config.max_side, seed=config.seed + 1)
    return content, style


def recolour_styles(batch: torch.Tensor, probability: float, seed: int, step: int) -> torch.Tensor:
    """Each style crop, with ``probability``, turned grey (one time in three) or hue-rotated by a uniform
    angle: a pure function of (seed, step), so a resumed training sees the same batches."""
    if probability <= 0:
        return batch
    generator = torch.Generator().manual_seed(seed * 1_000_003 + step)
    draws = torch.rand(len(batch), 3, generator=generator)  # recolour?, grey?, hue
    out = []
    for image, (recolour, grey, hue) in zip(batch, draws.tolist()):
        if recolour < probability:
            image = TF.rgb_to_grayscale(image, num_output_channels=3) if grey < 1 / 3 else TF.adjust_hue(image, hue - 0.5)
        out.append(image)
    return torch.stack(out)


def jitter_colours(batch: torch.Tensor, probability: float, seed: int, step: int) -> torch.Tensor:
    """Each style crop, with ``probability``, gets a random colour balance: per channel c,
    x_c ↦ clamp(g_c · x_c^γ_c + b_c, 0, 1) with γ_c log-uniform in [½, 2], g_c uniform in [0.6, 1.4] and
    b_c in [−0.2, 0.2]; the crop's texture stays, its palette moves anywhere in the colour cube. A pure
    function of (seed, step) (``datasets.stable_seed``), so a resumed training sees the same batches."""
    if probability <= 0:
        return batch
    generator = torch.Generator().manual_seed(stable_seed("adain-colour-jitter", seed, step))
    draws = torch.rand(len(batch), 10, generator=generator)  # apply?, then γ, g, b for each channel
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
    l_c = content_loss(output_features[ADAIN_LAYER], t)
    l_s = style_loss([output_features[k] for k in STYLE_LAYERS], [style_features[k] for k in STYLE_LAYERS])
    return {"total": content_weight * l_c + style_weight * l_s, "content": l_c, "style": l_s}


def train_decoder(config: AdaINConfig, encoder: nn.Module, *, checkpoint=None, checkpoint_every: int = 200,
                  progress: bool = True, data: tuple[RandomCropDataset, RandomCropDataset] | None = None,
                  decoder: nn.Module | None = None) -> TrainedAdaIN:
    """Train g with L = L_c + λ L_s against the frozen ``encoder``; resumable from ``checkpoint``.

    ``data`` = (content dataset, style dataset) defaults to ``training_data(config)``."""
    config.validate()
    config = config.resolved(encoder)
    encoder.check_layers(STYLE_LAYERS)
    device = next(encoder.parameters()).device
    torch.manual_seed(config.seed)
    decoder = (decoder or build_decoder()).to(device).train()
    content_data, style_data = data if data is not None else training_data(config)
    optimizer = torch.optim.Adam(decoder.parameters(), lr=config.lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda i: 1.0 / (1.0 + config.lr_decay * i))

    def step(i: int) -> dict[str, torch.Tensor]:
        started = time.perf_counter()
        content = content_data.batch(i, config.batch_size).to(device)
        style = recolour_styles(style_data.batch(i, config.batch_size), config.style_recolour, config.seed, i)
        style = jitter_colours(style, config.style_colour_jitter, config.seed, i).to(device)
        optimizer.zero_grad(set_to_none=True)
        out = losses(encoder, decoder, content, style, config.style_weight, config.content_weight)
        out["total"].backward()
        optimizer.step()
        schedule.step()
        return {**out, "step_s": time.perf_counter() - started}

    history = train(step, config.steps, stateful={"decoder": decoder, "optimizer": optimizer, "schedule": schedule},
                    checkpoint=checkpoint, checkpoint_every=checkpoint_every, progress=progress,
                    description=f"adain decoder ({config.encoder})")
    return TrainedAdaIN(AdaINModel(encoder, decoder.eval()), config, history)


def save_decoder(path, trained: TrainedAdaIN, recipe: dict) -> Path:
    return save_model(path, trained.decoder, kind="adain", config=trained.config.to_dict(), recipe=recipe)


def load_decoder(path, *, encoder: nn.Module | None = None, device="cpu") -> TrainedAdaIN:
    """A decoder written by :func:`save_decoder`, with the encoder it was trained against (built from the
    config, or ``encoder`` when given: it must be of the recorded kind)."""
    state, config_dict, recipe = read_model(path, kind="adain")
    config = AdaINConfig.from_dict(config_dict)
    if encoder is None:
        if config.encoder == "port_vgg_normalised":
            raise StylelabError(f"{path} was trained against the port's VGG: pass encoder=load_port_vgg(vgg_normalised.pth)")
        encoder = build_encoder(config.encoder, device=device, last_layer=ADAIN_LAYER)
    elif encoder_kind(encoder) != config.encoder:
        raise StylelabError(f"{path} was trained against encoder {config.encoder!r}, not {encoder_kind(encoder)!r}")
    decoder = load_state(build_decoder(), state, path).to(device).eval()
    return TrainedAdaIN(AdaINModel(encoder, decoder), config, {}, recipe)


# --- test time -------------------------------------------------------------------------------

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
        content_yiq = rgb_to_yiq(content)
        grey = lambda y: y.clamp(0, 1).expand(-1, 3, -1, -1).contiguous()  # noqa: E731
        y_c = content_yiq[:, :1]
        y_s = [rgb_to_yiq(s)[:, :1] for s in styles]  # each style's luminance moved to the content's mean/std
        y_s = [(y - y.mean()) / (y.std() + 1e-8) * y_c.std() + y_c.mean() for y in y_s]
        out = stylize(model, grey(y_c), [grey(y) for y in y_s], alpha=alpha, weights=weights, mask=mask)
        return yiq_to_rgb(torch.cat([out.mean(1, keepdim=True), content_yiq[:, 1:]], 1)).clamp(0, 1)
    if preserve_color == "histogram":
        styles = [match_color(s, content) for s in styles]
    h, w = content.shape[-2:]
    content_features = model.encode(_pad8(content))
    style_features = [model.encode(s) for s in styles]
    if mask is not None:
        mask = F.interpolate(mask.to(content), size=(h, w), mode="nearest")
        t = spatial_adain(content_features, style_features, _pad8(mask), model.unbiased)
    else:
        ts = [adain(content_features, s, model.unbiased) for s in style_features]
        t = ts[0] if len(ts) == 1 else interpolate(ts, weights)
    return model.decoder(trade_off(t, content_features, alpha))[..., :h, :w].clamp(0, 1)
