"""AdaIN behind the method interface (:mod:`stylelab.methods.base`): what ``stylize``, ``train`` and
``bench`` call. ``--weights`` takes one of our decoder model files (default: the committed
``adain-decoder-craft``) or the port's published ``decoder.pth`` (recognised by its keys), which runs
with the port's VGG (``--port-vgg``, default the registered ``weights/adain_vgg_normalised``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ... import images
from ...errors import StylelabError
from ...registry import resolve
from ...training import safe_load
from ...weights import FORMAT
from ...colour import match_color
from ...norms import adain
from ..base import Method, OnnxGraph
from .infer import COLOR_MODES, check_weights, stylize
from .model import ADAIN_LAYER, check_alpha, trade_off
from .published import PORT_VGG_ASSET, load_pretrained
from .speed import SPEED
from .train import AdaINConfig, load_decoder, save_decoder, train_decoder

#: The decoder trained on this project's CPU and committed (stylelab/data/weights.tsv).
DEFAULT_DECODER = "adain-decoder-craft"


@dataclass(frozen=True)
class AdaINOptions:
    """The command line's AdaIN controls (the paper's test-time controls, section 7)."""

    alpha: float = field(default=1.0, metadata={"help": "content–style trade-off in [0, 1]"})
    style_weights: tuple[float, ...] | None = field(
        default=None, metadata={"help": "interpolate all --style images with these weights (≥ 0, summing to one)"})
    mask: str | None = field(default=None, metadata={
        "help": "mask image or asset (mask/mask): the first style where white, the second elsewhere"})
    preserve_color: str | None = field(default=None, metadata={
        "help": "keep the content's colours: histogram (the bare flag) or luminance", "const": "histogram",
        "choices": COLOR_MODES})
    port_vgg: str | None = field(default=None, metadata={
        "help": f"the port's vgg_normalised.pth for its decoder.pth (default {PORT_VGG_ASSET})"})


class AdaIN(Method):
    name = "adain"
    summary = "t = AdaIN(f(c), f(s)), T = g(t): any style in one forward pass"
    paper = "Huang & Belongie, ICCV 2017"
    Options = AdaINOptions
    weights_help = (f"a decoder model file or registered name (default {DEFAULT_DECODER}), or the port's "
                    f"decoder.pth (weights/adain_decoder)")
    train_config = AdaINConfig
    train_hidden = ("encoder",)  # recorded from the encoder the run builds (--encoder)
    speed = SPEED

    @classmethod
    def load(cls, weights=None, options=None, *, device="cpu", encoder="auto") -> "AdaIN":
        self = cls(options, device=device)
        self.weights = weights or DEFAULT_DECODER
        path = resolve(self.weights, ("model", "asset"))
        payload = safe_load(path)
        if isinstance(payload, dict) and payload.get("format") == FORMAT:
            if self.options.port_vgg:
                raise StylelabError("--port-vgg goes with the port's decoder.pth, not with a stylelab decoder")
            self.model = load_decoder(path, device=device).model
        else:  # a bare state dict: the port's decoder.pth
            self.model = load_pretrained(resolve(self.options.port_vgg or PORT_VGG_ASSET, "asset"), path, device)
        self.mask = None
        if self.options.mask:
            self.mask = images.load_image(resolve(self.options.mask, "asset"), device=device).mean(1, keepdim=True)
        return self

    def controls(self) -> dict:
        return {"alpha": self.options.alpha, "weights": self.options.style_weights, "mask": self.mask,
                "preserve_color": self.options.preserve_color}

    def combined(self) -> str | None:
        return "mask" if self.mask is not None else "interpolation" if self.options.style_weights else None

    def check_styles(self, count: int) -> None:
        if self.mask is not None and count != 2:
            raise StylelabError(f"--mask needs exactly two styles (mask and 1 − mask), got {count}")
        if self.options.style_weights is not None:
            check_weights(self.options.style_weights, count)

    def describe(self) -> str:
        return str(self.weights)

    def stylize(self, content: torch.Tensor, styles, **controls) -> torch.Tensor:
        """``controls``: alpha, weights (interpolation), mask (1, 1, H, W), preserve_color (see :func:`.infer.stylize`)."""
        return stylize(self.model, content, styles, **controls)

    def onnx_graph(self) -> OnnxGraph:
        """Inputs content (1, 3, H, W), style (1, 3, h, w) in [0, 1] and alpha (1,): encoder, AdaIN, decoder.

        The ONNX graph of :mod:`stylelab.export`: any sizes (the content padded to a multiple of 8 inside, as
        :func:`.infer.stylize`). Interpolation of several styles, a mask and luminance-only colour
        preservation are not in the graph (``preserve_color="histogram"`` is: it recolours the style first)."""
        from ...export import PadCrop

        def feeds(content, styles, alpha=1.0, weights=None, mask=None, preserve_color=None, **controls):
            if mask is not None:
                raise StylelabError("a --mask is not in the exported AdaIN graph (use --backend torch)")
            if len(styles) != 1:
                raise StylelabError(f"the exported AdaIN graph takes one style image, not {len(styles)} "
                                    f"(use --backend torch)")
            if preserve_color not in (None, "histogram"):
                raise StylelabError(f"--preserve-color {preserve_color} is not in the exported AdaIN graph "
                                    f"(use --backend torch)")
            style = match_color(styles[0], content) if preserve_color == "histogram" else styles[0]
            return content, style, torch.tensor([check_alpha(alpha)], dtype=torch.float32, device=content.device)

        return OnnxGraph(PadCrop(self.model.eval(), 8, call=self._graph_call),
                         {"content": torch.rand(1, 3, 50, 70), "style": torch.rand(1, 3, 60, 40),
                          "alpha": torch.tensor([0.7])},
                         {"content": {2: "height", 3: "width"}, "style": {2: "style_height", 3: "style_width"}},
                         feeds=feeds, min_side=16,
                         describe={"content": "the content image, (1, 3, H, W) float32 RGB in [0, 1], any H, W",
                                   "style": "the style image, (1, 3, h, w) float32 RGB in [0, 1], any h, w",
                                   "alpha": "the content–style trade-off α in [0, 1], shape (1,) float32"})

    @staticmethod
    def _graph_call(model, content: torch.Tensor, style: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
        """g(α·AdaIN(f(c), f(s)) + (1 − α)·f(c)) with α a tensor (the graph's input)."""
        features = model.encode(content)
        t = adain(features, model.encode(style), unbiased=model.unbiased)
        return model.decoder(trade_off(t, features, alpha))

    @classmethod
    def train_encoder_layer(cls) -> str:
        return ADAIN_LAYER

    @classmethod
    def load_trained(cls, path, *, device="cpu", encoder=None):
        return load_decoder(path, encoder=encoder, device=device)

    @classmethod
    def train(cls, config, encoder, *, checkpoint=None, checkpoint_every=200, progress=True, init_from=None,
              workers=0, amp=None):
        parent = cls.load_trained(init_from, encoder=encoder, device=next(encoder.parameters()).device) if init_from else None
        return train_decoder(config, encoder, checkpoint=checkpoint, checkpoint_every=checkpoint_every, progress=progress,
                             decoder=parent.decoder if parent else None, workers=workers, amp=amp)

    @classmethod
    def save(cls, path, trained, recipe):
        return save_decoder(path, trained, recipe)

    @classmethod
    def describe_trained(cls, trained) -> str:
        c = trained.config
        return f"AdaIN decoder against {c.encoder}, λ = {c.style_weight:g}, {len(c.styles)} training styles"
