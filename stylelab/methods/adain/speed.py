"""AdaIN's row of the speed table (:mod:`stylelab.bench`): :data:`SPEED`, the ``speed`` entry of
:class:`~stylelab.methods.adain.method.AdaIN`.

Timed: encoder to relu4_1, AdaIN, decoder, one forward pass along the fast paths, with the style's relu4_1
features precomputed (the paper's time "excluding style encoding", :class:`AdaINTransfer`), and the whole
model on the content and style images (fp32 eager and the chosen path). The decoder: a registered one
trained against the run's encoder (``settings.adain_decoder="auto"``), a name or file, or random weights.
"""

from __future__ import annotations

import json

import torch
from torch import nn

from ... import timing
from ...fastpath import Network
from ...norms import adain as adain_features
from ...registry import resolve
from ...weights import PRETRAINED_DIR, registry
from ..base import Speed
from .model import AdaINModel, build_decoder
from .train import encoder_kind, load_decoder


class AdaINTransfer(nn.Module):
    """AdaIN with the style's relu4_1 features precomputed: g(AdaIN(f(c), f(s))), the paper's time
    "excluding style encoding"."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, content: torch.Tensor, style_features: torch.Tensor) -> torch.Tensor:
        return self.model.decoder(adain_features(self.model.encode(content), style_features, unbiased=self.model.unbiased))


def registered_decoder(encoder_kind: str) -> str | None:
    """The first decoder in the weights registry trained against ``encoder_kind`` (read from the recipe
    beside each file, so no model is loaded), or None."""
    for name, entry in registry().items():
        sidecar = PRETRAINED_DIR / f"{entry.file}.json"
        try:
            recipe = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if recipe.get("kind") == "adain" and recipe.get("config", {}).get("encoder") == encoder_kind:
            return name
    return None


def bench_model(ctx: timing.BenchContext) -> tuple[nn.Module, str | None]:
    """The AdaIN model to time and the decoder's name (None: random weights), built once per run."""
    if "adain" not in ctx.networks:
        name = ctx.settings.adain_decoder
        if name == "auto":
            name = registered_decoder(encoder_kind(ctx.encoder))
        if name:
            model = load_decoder(resolve(name, "model"), encoder=ctx.encoder, device=ctx.device).model
        else:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(ctx.settings.seed)
                model = AdaINModel(ctx.encoder, build_decoder())
        ctx.networks["adain"] = (model.eval().to(ctx.device), name)
    return ctx.networks["adain"]


def bench_networks(ctx: timing.BenchContext) -> tuple[Network, Network]:
    """(without style encoding: content + the style's precomputed features, with: content + style image)."""
    model, decoder = bench_model(ctx)

    def precomputed(size, device):
        content, style = timing.bench_pair(size, device, ctx.settings)
        with torch.no_grad():
            return content, model.encode(style)

    trained, weights = decoder is not None, f"decoder {decoder}" if decoder else "random decoder weights"
    without = Network("adain", AdaINTransfer(model), precomputed, lambda m, c, f: m(c, f), trained=trained,
                      weights=weights)
    full = Network("adain + style encoding", model, lambda size, device: timing.bench_pair(size, device, ctx.settings),
                   lambda m, c, s: m(c, s), trained=trained, weights=weights)
    return without, full


def time_row(size: int, ctx: timing.BenchContext) -> timing.SpeedRow:
    """AdaIN at ``size`` px: without style encoding along the fast paths, with it along eager and the chosen path."""
    return timing.feedforward_row(size, ctx, *bench_networks(ctx))


#: ``AdaIN.speed``: what the speed table times for AdaIN.
SPEED = Speed("adain", "feed-forward", "∞",
              "encoder to relu4_1, AdaIN, decoder (a registered decoder trained against this encoder, else "
              "random weights); style encoding: the style's relu4_1 features", time_row)
