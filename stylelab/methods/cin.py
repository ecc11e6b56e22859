"""Conditional instance normalisation (Dumoulin, Shlens & Kudlur, "A Learned Representation for
Artistic Style", ICLR 2017): one transform net for many styles.

Every normalisation layer of the net is

    CIN(x; s) = γˢ (x − μ(x)) / σ(x) + βˢ

with μ, σ the per-sample, per-channel spatial statistics and one (γˢ, βˢ) pair per style s; the
convolutions are shared by all styles. So

* a style costs only its γ, β: 2 × (sum of the CIN channel counts) numbers
  (:func:`count_parameters_per_style`, :func:`parameter_budget`);
* styles mix by convex combination of their parameters, γ = Σₛ wₛ γˢ and β = Σₛ wₛ βˢ with
  wₛ ≥ 0 and Σₛ wₛ = 1 (:func:`mixing_weights`, :func:`interpolation_strip`, :func:`blend_2d`);
* a new style is learned by training its γ, β alone with everything else frozen (:func:`add_style`).

The net itself is ``FeedForwardConfig(norm="conditional_instance", styles=(a, b, ...))`` of
:mod:`stylelab.methods.feedforward`, trained by its ``train_net`` (``python -m stylelab train --method cin``).

    out = cin.stylize(net, content, 2)                  # style 2
    out = cin.stylize(net, content, [0.5, 0.5, 0, 0])   # half style 0, half style 1
"""

from __future__ import annotations

import copy
import json
import numbers
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import torch
from torch import nn

from .. import timing
from ..errors import StylelabError
from ..fastpath import Network
from ..nets import count_parameters
from ..norms import ConditionalInstanceNorm
from ..weights import pretrained_path
from . import feedforward
from .base import OnnxGraph, Speed
from .feedforward import TrainedNet

#: how far the weights' sum may be from one
SUM_TOLERANCE = 1e-4


def cin_layers(net: nn.Module) -> dict[str, ConditionalInstanceNorm]:
    """Every ConditionalInstanceNorm of ``net`` by module name (an error if there is none)."""
    layers = {name: m for name, m in net.named_modules() if isinstance(m, ConditionalInstanceNorm)}
    if not layers:
        raise StylelabError(f"{type(net).__name__} has no conditional instance norm; build it with "
                            f"norm='conditional_instance'")
    return layers


def num_styles(net: nn.Module) -> int:
    """How many (γˢ, βˢ) pairs each CIN layer of ``net`` holds."""
    counts = {m.num_styles for m in cin_layers(net).values()}
    if len(counts) != 1:
        raise StylelabError(f"the CIN layers of this net disagree on the number of styles: {sorted(counts)}")
    return counts.pop()


def mixing_weights(weights, num_styles: int) -> torch.Tensor:
    """Validated convex weights (wₛ ≥ 0, Σₛ wₛ = 1, one per style) as an (N, S) float tensor.

    ``weights``: a list, tuple or 1-D tensor (one mixture, returned as a (1, S) row) or an (N, S)
    tensor (one mixture per sample). The values are returned as given, not renormalised, so
    (1, 0, …) selects style 0 exactly.
    """
    w = torch.as_tensor(weights, dtype=torch.float32) if not isinstance(weights, torch.Tensor) else weights.float()
    if w.dim() == 1:
        w = w[None]
    if w.dim() != 2:
        raise StylelabError(f"mixing weights must be one list of {num_styles} numbers or an (N, {num_styles}) "
                            f"tensor, got shape {tuple(w.shape)}")
    if w.shape[1] != num_styles:
        raise StylelabError(f"mixing weights need one weight per style: got {w.shape[1]} for {num_styles} styles")
    if not torch.isfinite(w).all():
        raise StylelabError(f"mixing weights must be finite numbers, got {w.tolist()}")
    if (w < 0).any():
        raise StylelabError(f"mixing weights must be non-negative (a convex combination), got {w.tolist()}")
    sums = w.double().sum(1)
    if ((sums - 1).abs() > SUM_TOLERANCE).any():
        raise StylelabError(f"mixing weights must sum to 1 (within {SUM_TOLERANCE:g}), got sum(s) "
                            f"{[round(s, 6) for s in sums.tolist()]}")
    return w


def _is_style_id(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def stylize(net: nn.Module, content: torch.Tensor, weights_or_style=0) -> torch.Tensor:
    """One forward pass with style id ``weights_or_style`` (an int) or validated mixing weights.

    The content is padded by reflection to the net's multiple and cropped back
    (``feedforward.stylize``); one mixture is used for every image of the batch.
    """
    styles = num_styles(net)
    if _is_style_id(weights_or_style):
        if not 0 <= int(weights_or_style) < styles:
            raise StylelabError(f"style id {int(weights_or_style)} is out of range: this net has {styles} styles")
        style = int(weights_or_style)
    else:
        style = mixing_weights(weights_or_style, styles).to(content.device)
        if style.shape[0] == 1:
            style = style.expand(content.shape[0], -1)
    return feedforward.stylize(net, content, style)


# --- parameters ------------------------------------------------------------------------------

def style_parameters(net: nn.Module) -> dict[str, nn.Parameter]:
    """All CIN γ (``….weight``, shape (S, C)) and β (``….bias``) tensors of ``net`` by parameter name."""
    out: dict[str, nn.Parameter] = {}
    for name, layer in cin_layers(net).items():
        out[f"{name}.weight"], out[f"{name}.bias"] = layer.weight, layer.bias
    return out


def count_parameters_per_style(net: nn.Module) -> int:
    """Numbers one style adds: its γ and β, 2 × (sum of the CIN layers' channel counts)."""
    return sum(2 * layer.weight.shape[1] for layer in cin_layers(net).values())


def parameter_budget(net: nn.Module) -> dict[str, float]:
    """Per-style vs shared vs whole-network parameter counts (the paper's "a style is cheap")."""
    total, per_style, styles = count_parameters(net), count_parameters_per_style(net), num_styles(net)
    return {"styles": styles, "per_style": per_style, "shared": total - per_style * styles, "total": total,
            "per_style_fraction": per_style / total}


# --- adding a style ---------------------------------------------------------------------------

def grow_styles(net: nn.Module, count: int = 1) -> nn.Module:
    """A copy of ``net`` whose every CIN holds ``count`` more styles: the existing (γˢ, βˢ) rows are
    copied and each new row starts at the mean of the existing rows. ``net`` is not changed."""
    if count < 1:
        raise StylelabError(f"grow_styles adds at least one style, got {count}")
    grown = copy.deepcopy(net)
    with torch.no_grad():
        for layer in cin_layers(grown).values():
            for name in ("weight", "bias"):
                old = getattr(layer, name)
                new = old.mean(0, keepdim=True).expand(count, -1)
                setattr(layer, name, nn.Parameter(torch.cat([old, new]).contiguous()))
            layer.num_styles += count
    if hasattr(grown, "num_styles"):
        grown.num_styles = num_styles(grown)
    return grown


class _FixedStyle(nn.Module):
    """``net`` run with one style id whatever the trainer asks for (the new style of :func:`add_style`)."""

    def __init__(self, net: nn.Module, style: int):
        super().__init__()
        self.net, self.style = net, style

    def forward(self, x: torch.Tensor, style=None) -> torch.Tensor:
        return self.net(x, self.style)


def add_style(trained: TrainedNet, style: str, encoder, *, steps: int, lr: float | None = None, dataset=None,
              progress: bool = True, checkpoint=None) -> TrainedNet:
    """Learn one more style for a trained CIN net: only the new (γˢ, βˢ) rows are trained.

    Every CIN layer grows by one row (:func:`grow_styles`: old rows copied, the new one at their
    mean); all other parameters and the old rows stay bit-identical (they get no optimiser, and a
    gradient hook zeroes the old rows' gradients, so the fresh Adam state never moves them).
    Training uses ``trained.config`` (data, sizes, loss, learning rate) for ``steps`` steps with every
    sample on the new style; resumable from ``checkpoint``. ``lr`` replaces the net's learning rate: the
    2 × channels numbers of one style row take a larger step than a whole net can (notebook 03's quick
    profile: 100 steps at 4e-3 lowered the new painting's ratio further than 240 at the net's 4e-4, on each of
    its three photos). The result's config lists the old styles plus ``style``; ``trained`` is not changed.
    """
    config = trained.config
    if config.norm != "conditional_instance":
        raise StylelabError(f"add_style needs a conditional-instance-norm net, not norm={config.norm!r}")
    new_id = num_styles(trained.net)
    if new_id != len(config.styles):
        raise StylelabError(f"the net has {new_id} styles but its config lists {len(config.styles)}")
    grown = grow_styles(trained.net, 1).to(next(encoder.parameters()).device)
    trainable = list(style_parameters(grown).values())
    keep = {p: p.requires_grad for p in grown.parameters()}
    hooks = []
    for p in grown.parameters():
        p.requires_grad_(False)
    for p in trainable:
        p.requires_grad_(True)
        row = torch.zeros(p.shape[0], 1, dtype=torch.bool, device=p.device)
        row[new_id] = True
        hooks.append(p.register_hook(lambda grad, row=row: grad.masked_fill(~row, 0)))
    # The loss needs only the new style's targets: a one-style config with the net pinned to the new id.
    if lr is not None and not lr > 0:
        raise StylelabError(f"the learning rate must be positive, got {lr}")
    train_config = replace(config, styles=(style,), steps=steps, lr=config.lr if lr is None else lr)
    try:
        result = feedforward.train_net(train_config, encoder, dataset=dataset, net=_FixedStyle(grown, new_id),
                                       trainable=trainable, checkpoint=checkpoint, progress=progress)
    finally:
        for hook in hooks:
            hook.remove()
        for p, flag in keep.items():
            p.requires_grad_(flag)
    grown.eval()
    added = list(trained.recipe.get("added_styles", [])) + [{"style": style, "steps": steps,
                                                             "lr": train_config.lr}]
    return TrainedNet(grown, replace(config, styles=tuple(config.styles) + (style,)), result.history,
                      {**trained.recipe, "added_styles": added})


# --- interpolation ----------------------------------------------------------------------------

def interpolation_strip(net: nn.Module, content: torch.Tensor, a: int, b: int, steps: int) -> list[torch.Tensor]:
    """Stylisations with weights (1 − t) on style ``a`` and t on style ``b``, t = 0 … 1 in ``steps`` steps."""
    if steps < 2:
        raise StylelabError(f"an interpolation strip needs at least 2 steps, got {steps}")
    styles = num_styles(net)
    out = []
    for k in range(steps):
        t = k / (steps - 1)  # exactly 0 and 1 at the ends
        w = torch.zeros(styles)
        w[_check_id(a, styles)] += 1 - t
        w[_check_id(b, styles)] += t
        out.append(stylize(net, content, w))
    return out


def bilinear_weights(corners: Sequence[int], n: int, num_styles: int) -> torch.Tensor:
    """(n, n, S) mixing weights over a grid whose corners (top-left, top-right, bottom-left,
    bottom-right) are pure styles ``corners``; in between, bilinear in the row and column position."""
    if len(corners) != 4:
        raise StylelabError(f"give 4 corner style ids (top-left, top-right, bottom-left, bottom-right), "
                            f"got {len(corners)}")
    if n < 2:
        raise StylelabError(f"a blend grid needs n >= 2, got {n}")
    ids = [_check_id(c, num_styles) for c in corners]
    grid = torch.zeros(n, n, num_styles, dtype=torch.float64)
    for i in range(n):
        v = i / (n - 1)
        for j in range(n):
            u = j / (n - 1)
            for style, w in zip(ids, ((1 - u) * (1 - v), u * (1 - v), (1 - u) * v, u * v)):
                grid[i, j, style] += w
    return grid.float()


def blend_2d(net: nn.Module, content: torch.Tensor, corners: Sequence[int], n: int) -> list[list[torch.Tensor]]:
    """An n × n grid (rows of stylisations) blending 4 styles bilinearly (:func:`bilinear_weights`)."""
    grid = bilinear_weights(corners, n, num_styles(net))
    return [[stylize(net, content, grid[i, j]) for j in range(n)] for i in range(n)]


def _check_id(style, styles: int) -> int:
    if not _is_style_id(style) or not 0 <= int(style) < styles:
        raise StylelabError(f"style id must be an integer in 0..{styles - 1}, got {style!r}")
    return int(style)


#: The styles of the CIN net the speed table times: the paper's Dumoulin row's 32 (a CIN net's cost does not
#: depend on how many rows of γˢ, βˢ it holds).
BENCH_STYLES = 32


def _time_cin_row(size: int, ctx: timing.BenchContext) -> timing.SpeedRow:
    """The committed CIN net (:attr:`CIN.default_weights`) grown to :data:`BENCH_STYLES` styles, style 0:
    one forward pass, along the fast paths."""
    if "cin" not in ctx.networks:
        # the new rows start at the mean of the committed ones (grow_styles)
        trained = feedforward.load_net(pretrained_path(CIN.default_weights), device=ctx.device)
        net = grow_styles(trained.net, BENCH_STYLES - num_styles(trained.net)).eval()
        ctx.networks["cin"] = Network("cin", net, timing.content_input(ctx), lambda m, x: m(x, 0),
                                      weights=f"{CIN.default_weights} grown to {BENCH_STYLES} styles, style 0")
    return timing.feedforward_row(size, ctx, ctx.networks["cin"])


class CIN(feedforward.FeedForwardMethod):
    """One net, N styles: ``--style`` picks the net's styles by name; ``stylize`` also takes mixing weights."""

    name = "cin"
    aliases = ("dumoulin", "conditional_instance_norm")
    summary = "one transform net for N styles with conditional instance norm (per-style γˢ, βˢ)"
    paper = "Dumoulin et al., ICLR 2017"
    train_fixed = {"architecture": "johnson", "norm": "conditional_instance"}
    default_weights = "cin-instance-4styles"
    speed = Speed("dumoulin", "feed-forward", str(BENCH_STYLES),
                  f"Johnson net with conditional instance norm, {BENCH_STYLES} styles ({default_weights} grown "
                  f"to {BENCH_STYLES}): one forward pass", _time_cin_row)

    @classmethod
    def accepts(cls, config) -> bool:
        return config.norm == "conditional_instance"

    def stylize(self, content: torch.Tensor, styles=(0,), **controls) -> torch.Tensor:
        """``styles``: one style id, or mixing weights over the net's styles (:func:`mixing_weights`)."""
        style = styles[0] if len(styles) == 1 else list(styles)
        return stylize(self.trained.net, content, style).clamp(0, 1)

    def onnx_graph(self) -> OnnxGraph:
        """Inputs content (1, 3, H, W) in [0, 1] and style_weights (1, S): a mixture of the S styles (one-hot: one).

        The ONNX graph of :mod:`stylelab.export`: any H, W; ``style_weights`` ≥ 0 summing to one (a style id is
        its one-hot row); the style names are in the file's metadata (``stylelab.styles``)."""
        from ..export import PadCrop

        net = self.trained.net.eval()
        styles = num_styles(net)
        names = [Path(s).stem for s in self.net_styles()]

        def feeds(content, styles_=(0,), **controls):
            style = styles_[0] if len(styles_) == 1 else list(styles_)
            if _is_style_id(style):
                _check_id(style, styles)
                weights = torch.nn.functional.one_hot(torch.tensor([int(style)]), styles).float()
            else:
                weights = mixing_weights(style, styles)
            return content, weights.to(content.device)

        example = {"content": torch.rand(1, 3, 50, 70), "style_weights": torch.full((1, styles), 1 / styles)}
        return OnnxGraph(PadCrop(net, 4), example,
                         {"content": {2: "height", 3: "width"}}, feeds=feeds, min_side=16,
                         describe={"content": "the content image, (1, 3, H, W) float32 RGB in [0, 1], any H, W",
                                   "style_weights": f"mixing weights over the net's {styles} styles, (1, {styles}) "
                                                    f"float32, ≥ 0, summing to 1 (a one-hot row: one style)"},
                         metadata={"stylelab.styles": json.dumps(names, ensure_ascii=False)})
