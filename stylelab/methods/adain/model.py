"""AdaIN's network: the layer (AdaIN, the content–style trade-off α), the decoder g and :class:`AdaINModel`.

    t = AdaIN(f(c), f(s))          f: a VGG encoder up to relu4_1 (fixed)
    T(c, s) = g(α·t + (1 − α)·f(c))   g: the decoder, the only trained part
"""

from __future__ import annotations

import torch
from torch import nn

from ...errors import StylelabError
from ...norms import adain

ADAIN_LAYER = "relu4_1"
STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")


def trade_off(t: torch.Tensor, content_features: torch.Tensor, alpha: float) -> torch.Tensor:
    """t' = α·t + (1 − α)·f(c): α = 1 is the full style, α = 0 decodes the content's own features."""
    return alpha * t + (1 - alpha) * content_features


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
        t = adain(content_features, self.encode(style), unbiased=self.unbiased)
        return self.decoder(trade_off(t, content_features, alpha))


def check_alpha(alpha: float) -> float:
    if not 0.0 <= float(alpha) <= 1.0:
        raise StylelabError(f"alpha (the content–style trade-off) must lie in [0, 1], got {alpha}")
    return float(alpha)
