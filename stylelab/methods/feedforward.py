"""Feed-forward style transfer: a network trained per style stylises in one forward pass.

* Johnson, Alahi & Fei-Fei, "Perceptual Losses for Real-Time Style Transfer and Super-Resolution"
  (ECCV 2016): the transform net of ``stylelab.nets.TransformNet`` trained with the perceptual loss
  (content at relu2_2, Gram style at relu1_2, relu2_2, relu3_3, relu4_3);
* Ulyanov, Lebedev, Vedaldi & Lempitsky, "Texture Networks" (ICML 2016): the multi-scale generator of
  ``stylelab.nets.TextureNet``, trained the same way;
* Ulyanov, Vedaldi & Lempitsky, "Instance Normalization" (2016): the same nets with IN instead of BN;
* Dumoulin, Shlens & Kudlur (ICLR 2017): ``norm="conditional_instance"`` and several styles (section 3).

    net = train(FeedForwardConfig(styles=("style/la_muse",), steps=2000), encoder).net
    stylised = net(content)           # (N, 3, H, W) in [0, 1], H and W multiples of 4

Training images come from ``stylelab.datasets`` (offline photographs, or COCO when connected).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import torch
from torch import nn

from .. import distributed, images, norms, timing
from ..datasets import RandomCropDataset, batch_rows, stable_seed, training_photos
from ..encoders import MultiLayerEncoder
from ..errors import StylelabError
from ..fastpath import Network
from ..nets import NORMS, TextureNet, TransformNet, pad_to_multiple
from ..perceptual import PerceptualConfig, PerceptualLoss
from ..registry import resolve
from ..training import History, check_run_settings, safe_load, train
from ..weights import FORMAT, config_from_dict, load_state, pretrained_path, read_model, save_model
from . import examples_net
from .base import Method, NoOptions, OnnxGraph, Speed, methods

ARCHITECTURES = ("johnson", "ulyanov")
#: Johnson et al.'s loss layers (VGG-16 names; the offline VGG16-BN encoder has them all).
JOHNSON_CONTENT_LAYER = "relu2_2"
JOHNSON_STYLE_LAYERS = ("relu1_2", "relu2_2", "relu3_3", "relu4_3")


@dataclass(frozen=True)
class FeedForwardConfig:
    """One trained feed-forward net: architecture, styles, data and optimisation (Johnson's defaults)."""

    architecture: str = "johnson"
    norm: str = "instance"
    styles: tuple[str, ...] = ("style/la_muse",)  # asset names or image paths; several: CIN
    image_size: int = 256  # side of the square training crops
    style_size: int = 256  # short side of each style image when its targets are computed
    batch_size: int = 4
    lr: float = 1e-3
    steps: int = 40000
    content_layer: str = JOHNSON_CONTENT_LAYER
    style_layers: tuple[str, ...] = JOHNSON_STYLE_LAYERS
    content_weight: float = 1.0
    style_weight: float = 10.0  # β/α with the normalised losses of stylelab.perceptual
    tv_weight: float = 0.0
    # w_l of each style layer, in style_layers' order (empty: 1/L each); with normalize="per_layer" they are
    # the layers' shares directly (issue #23: under "total" relu4_3 gets 1e-5 of the style term)
    layer_weights: tuple[float, ...] = ()
    # issue #23 (tried, not in a shipped net): weight and threshold τ of norms.peak_excess on every instance
    # norm's input (0: off), a penalty on the narrow spikes that defeat instance norm and show as round blobs
    peak_weight: float = 0.0
    peak_threshold: float = 8.0
    peak_within: tuple[str, ...] = ()  # only the norms inside these blocks ("body.3": the first residual block)
    # issue #23 (tried, not in a shipped net: it recoloured the droplets): weight and blur σ (fraction of the
    # crop's side) of losses.tone_loss, the output's low-pass lightness held to the photo's up to one tone curve
    tone_weight: float = 0.0
    tone_sigma: float = 0.03
    # issue #23: weight, τ and window of losses.flat_texture_loss, fine texture where the photo is flat (the
    # crosshatch); 9 px was the first fine-tune's window, 33 px (about the measure's 32-px tile) the second's
    flat_weight: float = 0.0
    flat_threshold: float = 0.012
    flat_window: int = 9
    # issue #23: weight, surround (fraction of the crop's side) and margin of losses.spot_loss, compact colour
    # patches where the photo has none (the 256-px spots the flat term, a high-pass, cannot see inside)
    spot_weight: float = 0.0
    spot_surround: float = 0.08
    spot_margin: float = 0.1
    norm_leak: bool = False  # CIN's leaky form, + ℓ (x − μ): the channel's scale without a spike (Johnson net)
    # CIN's μ, σ from x clipped to μ ± kσ (0: off; Johnson net): a narrow spike's say in its channel's scale is cut
    norm_clip: float = 0.0
    normalize: str = "total"  # stylelab.perceptual: "total" keeps the paper's balance between layers
    photos: tuple[str, ...] | None = None  # names in the photo manifest; None: all of them
    crop_range: tuple[float, float] = (0.5, 1.0)  # crop side as a fraction of the photo's short side
    max_side: int = 512  # photos are downscaled to this short side once, when loaded
    seed: int = 0

    def validate(self) -> None:
        if self.architecture not in ARCHITECTURES:
            raise StylelabError(f"architecture must be one of {', '.join(ARCHITECTURES)}, not {self.architecture!r}")
        if self.norm not in NORMS[:3]:
            raise StylelabError(f"norm must be one of {', '.join(NORMS[:3])}, not {self.norm!r}")
        if not self.styles:
            raise StylelabError("give at least one style image")
        if len(self.styles) > 1 and self.norm != "conditional_instance":
            raise StylelabError(f"{len(self.styles)} styles need norm='conditional_instance' (one γˢ, βˢ per style)")
        # the texture net's coarsest scale (1/16) must keep 2 pixels for its reflection padding
        multiple, smallest = (16, 32) if self.architecture == "ulyanov" else (4, 8)
        if self.image_size % multiple or self.image_size < smallest:
            raise StylelabError(f"image_size must be a multiple of {multiple}, at least {smallest}, for the "
                                f"{self.architecture} net; got {self.image_size}")
        check_run_settings(lr=self.lr, image_size=self.image_size, max_side=self.max_side,
                           counts={"batch_size": self.batch_size, "steps": self.steps, "style_size": self.style_size},
                           weights={"content_weight": self.content_weight, "style_weight": self.style_weight,
                                    "tv_weight": self.tv_weight, "peak_weight": self.peak_weight,
                                    "tone_weight": self.tone_weight, "flat_weight": self.flat_weight,
                                    "spot_weight": self.spot_weight})
        if self.layer_weights and (len(self.layer_weights) != len(self.style_layers)
                                   or min(self.layer_weights) < 0 or not sum(self.layer_weights) > 0):
            raise StylelabError(f"layer_weights needs one non-negative weight per style layer "
                                f"({', '.join(self.style_layers)}), not all zero; got {list(self.layer_weights)}")
        if not self.peak_threshold > 0:
            raise StylelabError(f"peak_threshold must be a positive z-score, got {self.peak_threshold}")
        if self.norm_leak and (self.norm != "conditional_instance" or self.architecture != "johnson"):
            raise StylelabError("norm_leak is the leaky form of conditional instance norm in the Johnson net; this "
                                f"config has norm={self.norm!r}, architecture={self.architecture!r}")
        if self.norm_clip and (self.norm != "conditional_instance" or self.architecture != "johnson"):
            raise StylelabError("norm_clip clips the statistics of conditional instance norm in the Johnson net; this "
                                f"config has norm={self.norm!r}, architecture={self.architecture!r}")
        norms.check_clip(self.norm_clip, "norm_clip")
        if self.peak_weight > 0 and self.norm == "batch":
            raise StylelabError("peak_weight penalises spikes under instance norm; this net uses norm='batch'")

    def build_net(self) -> nn.Module:
        self.validate()
        if self.architecture == "johnson":
            return TransformNet(norm=self.norm, num_styles=len(self.styles), leak=self.norm_leak,
                                clip=self.norm_clip)
        return TextureNet(norm=self.norm, num_styles=len(self.styles))

    def perceptual(self) -> PerceptualConfig:
        layer_weights = dict(zip(self.style_layers, self.layer_weights)) if self.layer_weights else None
        return PerceptualConfig(content_layer=self.content_layer, style_layers=self.style_layers, style_loss="gram",
                                layer_weights=layer_weights,
                                content_weight=self.content_weight, style_weight=self.style_weight,
                                tv_weight=self.tv_weight, normalize=self.normalize, tone_weight=self.tone_weight,
                                tone_sigma=self.tone_sigma, flat_weight=self.flat_weight,
                                flat_threshold=self.flat_threshold, flat_window=self.flat_window,
                                spot_weight=self.spot_weight, spot_surround=self.spot_surround,
                                spot_margin=self.spot_margin)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "FeedForwardConfig":
        return config_from_dict(cls, values, "feed-forward")


@dataclass
class TrainedNet:
    net: nn.Module
    config: FeedForwardConfig
    history: History = field(default_factory=dict)
    recipe: dict = field(default_factory=dict)  # how a loaded net was trained (command, data, time, device)


def load_style_images(styles: Sequence[str], short_side: int, device="cpu") -> list[torch.Tensor]:
    """Each style (an asset name like ``style/la_muse`` or a path) as (1, 3, H, W) at ``short_side``."""
    out = []
    for style in styles:
        out.append(images.load_image(resolve(style, "asset"), short_side=short_side, device=device))
    return out


def training_dataset(config: FeedForwardConfig) -> RandomCropDataset:
    return RandomCropDataset(training_photos(config.photos), config.image_size, crop_range=config.crop_range,
                             max_side=config.max_side, seed=config.seed)


def _style_ids(config: FeedForwardConfig, step: int, device) -> torch.Tensor:
    """Which style each sample of step ``step`` is trained on: a pure function of (seed, step)."""
    if len(config.styles) == 1:
        return torch.zeros(config.batch_size, dtype=torch.long, device=device)
    generator = torch.Generator().manual_seed(config.seed * 1_000_003 + step)
    return torch.randint(len(config.styles), (config.batch_size,), generator=generator).to(device)


def _content_batch(dataset, batch_size: int, step: int, rows: slice) -> torch.Tensor:
    return batch_rows(dataset, step, batch_size, rows)


def train_net(config: FeedForwardConfig, encoder: MultiLayerEncoder, *, dataset=None, net: nn.Module | None = None,
              checkpoint: str | Path | None = None, checkpoint_every: int = 200, progress: bool = True,
              preprocess=None, trainable=None, workers: int = 0, amp: str | None = None) -> TrainedNet:
    """Train a feed-forward net with the perceptual loss; resumable from ``checkpoint``.

    ``dataset`` defaults to the offline photographs (``training_dataset``); ``preprocess`` maps each
    batch before it is fed (the contrast/style normalisation of the IN-vs-BN study); ``trainable``
    restricts the optimised parameters (CIN: a new style's γ, β only). ``workers``: DataLoader worker
    processes that make the batches; ``amp="bf16"``: bfloat16 autocast (CUDA). Under torchrun each process
    trains on its share of the global ``batch_size`` through DistributedDataParallel
    (:mod:`stylelab.distributed`): with ``norm="instance"``/``"conditional_instance"`` the same steps as
    one process; with ``norm="batch"`` each CPU rank's BatchNorm uses its share's statistics (SyncBatchNorm
    on CUDA).
    """
    config.validate()
    device = next(encoder.parameters()).device
    distributed.check_amp(amp, device)
    group = distributed.group()
    rows = group.rows(config.batch_size)  # a batch that does not divide by the world size: one-line error here
    torch.manual_seed(config.seed)
    net = (net or config.build_net()).to(device)
    net.train()
    model = distributed.wrap(net, device)
    dataset = dataset if dataset is not None else training_dataset(config)
    loss = PerceptualLoss(encoder, config.perceptual(), load_style_images(config.styles, config.style_size, device))
    params = list(trainable if trainable is not None else net.parameters())
    optimizer = torch.optim.Adam(params, lr=config.lr)
    # The content loss normalised by its target's mean square ("total") divides by a batch statistic: under
    # DDP it must be the global batch's, so that N processes take the steps of one.
    global_content_scale = group.distributed and config.normalize != "none" and config.content_weight > 0
    peaks = norms.NormInputPeaks(net, config.peak_threshold, config.peak_within) if config.peak_weight > 0 else None

    def step(i: int, content: torch.Tensor) -> dict[str, torch.Tensor]:
        started = time.perf_counter()
        if preprocess is not None:
            content = preprocess(content)
        ids = _style_ids(config, i, device)[rows]
        # A texture net draws noise; under DDP each rank draws its own, a pure function of (seed, step, rank)
        # (one process keeps drawing from the global generator, as before).
        noise = ({"generator": torch.Generator().manual_seed(stable_seed(config.seed, "noise", i, group.rank))}
                 if group.distributed and isinstance(net, TextureNet) else {})
        optimizer.zero_grad(set_to_none=True)
        with distributed.autocast(amp, device):
            output = model(content, ids, **noise)
            if global_content_scale:
                with torch.no_grad():
                    target = encoder(content, [config.content_layer])[config.content_layer]
                losses = loss(output, content, ids, content_target=target)
                local = target.float().square().mean().clamp_min(1e-12)
                scaled = losses["content"] * (local / distributed.global_mean(local))
                # the total changes by the content term's change only (its formula stays PerceptualLoss.forward's)
                losses["total"] = losses["total"] + config.content_weight * (scaled - losses["content"])
                losses["content"] = scaled
            else:
                losses = loss(output, content, ids)
            if peaks is not None:
                losses["peak"] = peaks.take()
                losses["total"] = losses["total"] + config.peak_weight * losses["peak"]
        losses["total"].backward()
        optimizer.step()
        return {**losses, "step_s": time.perf_counter() - started}  # summed, it is the recipe's wall time

    try:
        history = train(step, config.steps, stateful={"net": net, "optimizer": optimizer}, checkpoint=checkpoint,
                        checkpoint_every=checkpoint_every, progress=progress,
                        description=f"{config.architecture}/{config.norm}",
                        data=distributed.Batches(partial(_content_batch, dataset, config.batch_size),
                                                 config.batch_size, workers), device=device)
    finally:  # an interrupted run must not leave hooks that keep collecting on the caller's net
        if peaks is not None:
            peaks.remove()
    net.eval()
    return TrainedNet(net, config, history)


def save_net(path, trained: TrainedNet, recipe: dict) -> Path:
    return save_model(path, trained.net, kind="feedforward", config=trained.config.to_dict(), recipe=recipe)


def load_net(path, device="cpu") -> TrainedNet:
    """A feed-forward net from a model file written by :func:`save_net` (eval mode)."""
    state, config_dict, recipe = read_model(path, kind="feedforward")
    config = FeedForwardConfig.from_dict(config_dict)
    net = load_state(config.build_net(), state, path).to(device).eval()
    return TrainedNet(net, config, {}, recipe)


@torch.no_grad()
def stylize(net: nn.Module, content: torch.Tensor, style=0) -> torch.Tensor:
    """One forward pass; the content is padded by reflection to the net's multiple and cropped back."""
    multiple = 2 ** (net.scales - 1) if isinstance(net, TextureNet) else 4
    h, w = content.shape[-2:]
    return net(pad_to_multiple(content, multiple), style)[..., :h, :w]


# --- the method interface (stylelab.methods.base) ---------------------------------------------

class FeedForwardMethod(Method):
    """A transform net trained on fixed styles: ``--weights`` is one of our model files (registered name
    or path), ``--style`` picks among the net's styles by name, ``stylize`` is one forward pass."""

    Options = NoOptions
    style_source = "net"
    weights_help = "a registered model name or a model file written by python -m stylelab train"
    train_config = FeedForwardConfig
    default_weights: str | None = None

    @classmethod
    def accepts(cls, config: FeedForwardConfig) -> bool:
        """Whether a trained net's config is one of this method's nets."""
        return all(getattr(config, k) == v for k, v in cls.train_fixed.items()) and (
            config.norm != "conditional_instance")

    @classmethod
    def load(cls, weights=None, options=None, *, device="cpu", encoder="auto") -> "FeedForwardMethod":
        weights = weights or cls.default_weights
        if weights is None:
            raise StylelabError(f"--method {cls.name} needs --weights: {cls.weights_help}")
        self = cls(options, device=device)
        self.trained = cls.load_trained(resolve(weights, "model"), device=device)
        if not cls.accepts(self.trained.config):
            owner = next((m.name for m in methods().values() if isinstance(m, type) and issubclass(m, FeedForwardMethod)
                          and m.accepts(self.trained.config)), None)
            raise StylelabError(f"{weights} is a {self.trained.config.architecture}/{self.trained.config.norm} net, "
                                f"not a {cls.name} net" + (f"; use --method {owner}" if owner else ""))
        self.weights = str(weights)
        return self

    def net_styles(self) -> list[str]:
        return list(self.trained.config.styles)

    def describe(self) -> str:
        return Path(self.weights).stem

    def stylize(self, content: torch.Tensor, styles=(0,), **controls) -> torch.Tensor:
        """``styles``: one style id of the net (a single-style net has only 0)."""
        style = styles[0] if len(styles) else 0
        return stylize(self.trained.net, content, style).clamp(0, 1)

    def onnx_graph(self) -> OnnxGraph:
        """Inputs content (1, 3, H, W) in [0, 1]; a texture net also noise (1, 15, H, W) uniform in [0, 1).

        The ONNX graph of :mod:`stylelab.export`: any H, W (padded by reflection to the net's multiple inside, as
        :func:`stylize`); a texture net's ``noise`` has ``noise_channels × scales`` channels at the content's
        size (scale k uses every 2ᵏ-th pixel of its ``noise_channels``), so that the caller draws the numbers."""
        from ..export import PadCrop

        net = self.trained.net.eval()
        content = torch.rand(1, 3, 50, 70)
        describe = {"content": "the content image, (1, 3, H, W) float32 RGB in [0, 1], any H, W"}
        if not isinstance(net, TextureNet):
            return OnnxGraph(PadCrop(net, 4), {"content": content}, {"content": {2: "height", 3: "width"}},
                             feeds=lambda content, styles=(0,), **controls: (content,), describe=describe, min_side=16)
        channels = net.noise_channels * net.scales
        describe["noise"] = (f"uniform noise in [0, 1), (1, {channels}, H, W) float32, the content's H, W "
                             f"({net.noise_channels} channels per scale, {net.scales} scales)")
        return OnnxGraph(PadCrop(net, 2 ** (net.scales - 1), call=self._with_noise),
                         {"content": content, "noise": torch.rand(1, channels, 50, 70)},
                         {"content": {2: "height", 3: "width"}, "noise": {2: "height", 3: "width"}},
                         feeds=lambda content, styles=(0,), **controls: (content, torch.rand(
                             1, channels, *content.shape[-2:], device=content.device)),
                         describe=describe, min_side=2 ** (net.scales - 1) + 1)

    @staticmethod
    def _with_noise(net: TextureNet, x: torch.Tensor, noise: torch.Tensor, style=None) -> torch.Tensor:
        """The texture net on ``x`` (padded to its multiple) with the graph's ``noise`` input (the content's
        size): padded the same way, every 2ᵏ-th pixel of channels k·c … (k+1)·c − 1 for scale k."""
        noise = torch.nn.functional.pad(noise, (0, x.shape[-1] - noise.shape[-1], 0, x.shape[-2] - noise.shape[-2]),
                                        mode="reflect")
        c = net.noise_channels
        return net(x, style, noise=[noise[:, k * c:(k + 1) * c, ::2 ** k, ::2 ** k] for k in range(net.scales)])

    @classmethod
    def load_trained(cls, path, *, device="cpu", encoder=None) -> TrainedNet:
        return load_net(path, device=device)

    @classmethod
    def train(cls, config, encoder, *, checkpoint=None, checkpoint_every=200, progress=True, init_from=None,
              workers=0, amp=None):
        net = None
        if init_from:
            parent = cls.load_trained(init_from, device=next(encoder.parameters()).device)
            # the parent's weights in the net *this* config builds, so that a parent of another kind is one line
            net = config.build_net()
            try:
                # a CIN parent may start a leaky CIN net: its ℓ start at zero, where the net is the parent's
                missing, unexpected = net.load_state_dict(parent.net.state_dict(), strict=False)
                if unexpected or any(not key.endswith(".leak") for key in missing):
                    raise RuntimeError("the parent's layers differ")
            except RuntimeError:
                raise StylelabError(f"--init-from {Path(str(init_from)).name} is a {parent.config.architecture}/"
                                    f"{parent.config.norm} net of {len(parent.config.styles)} style(s); it cannot start a "
                                    f"{config.architecture}/{config.norm} net of {len(config.styles)}") from None
        return train_net(config, encoder, net=net, checkpoint=checkpoint, checkpoint_every=checkpoint_every,
                         progress=progress, workers=workers, amp=amp)

    @classmethod
    def save(cls, path, trained, recipe):
        return save_net(path, trained, recipe)


def _time_johnson_row(size: int, ctx: timing.BenchContext) -> timing.SpeedRow:
    """The committed Johnson net (:attr:`Johnson.default_weights`): one forward pass, along the fast paths."""
    if "johnson" not in ctx.networks:
        net = load_net(pretrained_path(Johnson.default_weights), device=ctx.device).net.eval()
        ctx.networks["johnson"] = Network("johnson", net, timing.content_input(ctx), lambda m, x: m(x),
                                          weights=Johnson.default_weights)
    return timing.feedforward_row(size, ctx, ctx.networks["johnson"])


def _time_ulyanov_row(size: int, ctx: timing.BenchContext) -> timing.SpeedRow:
    """A texture network with random weights (``settings.seed``; the cost does not depend on them): one
    forward pass, along the fast paths. Its noise is an input, drawn once per size from ``settings.seed`` (as
    in the exported graph, :meth:`FeedForwardMethod.onnx_graph`), so every path, onnxruntime included, gets
    the same numbers and its output can be compared."""
    if "ulyanov" not in ctx.networks:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(ctx.settings.seed)
            net = TextureNet().eval().to(ctx.device)

        def inputs(size: int, device) -> tuple[torch.Tensor, torch.Tensor]:
            noise = torch.rand(1, net.noise_channels * net.scales, size, size,
                               generator=torch.Generator().manual_seed(ctx.settings.seed))
            return timing.content_input(ctx)(size, device)[0], noise.to(device)

        ctx.networks["ulyanov"] = Network("ulyanov", net, inputs, FeedForwardMethod._with_noise, trained=False,
                                          weights="random weights; its noise an input")
    return timing.feedforward_row(size, ctx, ctx.networks["ulyanov"])


class Johnson(FeedForwardMethod):
    """Johnson et al.'s transform net. ``--weights`` takes one of our model files (registered name or path) or
    one of pytorch/examples' published ``TransformerNet`` checkpoints (``candy.pth``, or the registered
    ``examples/candy`` …), recognised by its keys: it runs in our twin of their net
    (:mod:`stylelab.methods.examples_net`), 0–255 inside, [0, 1] outside, reproducing their ``stylize``."""

    name = "johnson"
    summary = "a transform net trained per style with the perceptual loss: one forward pass"
    paper = "Johnson et al., ECCV 2016"
    weights_help = ("a registered model name, a model file written by python -m stylelab train, or a pytorch/examples "
                    "fast_neural_style checkpoint (candy.pth, or examples/candy, examples/mosaic, …)")
    train_fixed = {"architecture": "johnson"}
    default_weights = "johnson-instance-la_muse"
    speed = Speed(None, "feed-forward", "1",
                  "Johnson net (residual blocks, instance norm), the committed johnson-instance-la_muse: "
                  "one forward pass", _time_johnson_row)
    #: where the weights come from: "stylelab" (our model file) or "pytorch/examples" (a published checkpoint)
    source = "stylelab"

    @classmethod
    def load(cls, weights=None, options=None, *, device="cpu", encoder="auto") -> "Johnson":
        weights = weights or cls.default_weights
        path = resolve(weights, ("model", "asset"))
        payload = safe_load(path)
        if isinstance(payload, dict) and payload.get("format") == FORMAT:
            return super().load(path, options, device=device, encoder=encoder)._named(weights)
        if not examples_net.looks_like_examples(payload):
            raise StylelabError(f"{weights} is neither a stylelab model file nor a pytorch/examples fast_neural_style "
                                f"checkpoint (no {examples_net.SIGNATURE_KEY!r} key)")
        self = cls(options, device=device)
        net = examples_net.load_examples_net(payload, path).to(self.device)
        label = Path(str(weights)).stem
        # a single-style net: its one "style" is the file's name; the config records only what is known
        self.trained = TrainedNet(net, FeedForwardConfig(architecture="johnson", norm="instance", styles=(label,)),
                                  {}, {"source": "pytorch/examples fast_neural_style", "weights": str(weights),
                                       "file": str(path)})
        self.source = "pytorch/examples"
        return self._named(weights)

    def _named(self, weights) -> "Johnson":
        self.weights = str(weights)
        return self


class Ulyanov(FeedForwardMethod):
    name = "ulyanov"
    aliases = ("texture_net",)
    summary = "the multi-scale texture-network generator, trained per style: one forward pass"
    paper = "Ulyanov et al., ICML 2016"
    train_fixed = {"architecture": "ulyanov"}
    speed = Speed("ulyanov", "feed-forward", "1",
                  "texture network (5 scales, width 8, instance norm), random weights: one forward pass",
                  _time_ulyanov_row)
