"""The community's published Johnson nets: pytorch/examples' ``fast_neural_style`` checkpoints.

The most used PyTorch weights of Johnson et al.'s transform net are the four ``saved_models`` of
`pytorch/examples <https://github.com/pytorch/examples/tree/main/fast_neural_style>`_ (candy, mosaic,
rain_princess, udnie; registered as the assets ``examples/candy`` …). Each is a bare ``TransformerNet``
state dict. :class:`ExamplesTransformerNet` is our twin of that network, written from its description,
with the same state-dict keys so that the files load with strict key checking:

* ``conv1`` 9×9 (3→32), ``conv2`` 3×3 stride 2 (→64), ``conv3`` 3×3 stride 2 (→128), each reflection-padded
  by ``k // 2`` and followed by ``inN`` (``InstanceNorm2d(affine=True)``) and ReLU;
* ``res1`` … ``res5``: x + in2(conv2(relu(in1(conv1(x))))), no ReLU after the sum;
* ``deconv1``, ``deconv2``: nearest ×2 upsampling *before* the reflection-padded 3×3 conv (→64, →32),
  each followed by ``in4``/``in5`` and ReLU; ``deconv3``: 9×9 conv to RGB with **no output activation**;
* pixels in and out in the 0–255 range (their ``stylize`` multiplies the [0, 1] tensor by 255, and
  ``save_image`` clamps to [0, 255] and casts to uint8).

Files saved by older PyTorch carry ``inN.running_mean`` / ``running_var`` buffers that today's
``InstanceNorm2d`` (``track_running_stats=False``) does not have; like their ``stylize``, we drop exactly
the keys matching ``in\\d+\\.running_(mean|var)$`` and load the rest strictly (a missing, unexpected or
misshapen key is a one-line error naming it).

:class:`Published255` wraps the twin as one of our nets: [0, 1] in, ×255, the net, ÷255, out (the
caller clamps to [0, 1], as theirs clamps to [0, 255]). ``--method johnson --weights candy.pth``
recognises such a file by its keys (``stylelab.methods.feedforward.Johnson.load``).
"""

from __future__ import annotations

import os
import re

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import StylelabError
from ..weights import load_state

#: Registry names (stylelab/data/assets.tsv) of pytorch/examples' four published nets.
EXAMPLES_ASSETS = ("examples/candy", "examples/mosaic", "examples/rain_princess", "examples/udnie")
#: The key every such checkpoint has: how ``Johnson.load`` tells it from other bare state dicts.
SIGNATURE_KEY = "conv1.conv2d.weight"
#: The legacy InstanceNorm buffers their ``stylize`` deletes before loading (the same pattern).
LEGACY_KEY = re.compile(r"in\d+\.running_(mean|var)$")


class ConvLayer(nn.Module):
    """Reflection padding by ``k // 2``, then a conv (``reflection_pad``, ``conv2d``: their attribute names);
    ``upsample``: nearest-neighbour ×upsample first (their ``UpsampleConvLayer``)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, upsample: int = 1):
        super().__init__()
        self.upsample = upsample
        self.reflection_pad = nn.ReflectionPad2d(kernel_size // 2)
        self.conv2d = nn.Conv2d(in_channels, out_channels, kernel_size, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.upsample > 1:
            x = F.interpolate(x, scale_factor=self.upsample, mode="nearest")
        return self.conv2d(self.reflection_pad(x))


class ResidualBlock(nn.Module):
    """x + in2(conv2(relu(in1(conv1(x))))): no ReLU after the sum."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = ConvLayer(channels, channels, 3)
        self.in1 = nn.InstanceNorm2d(channels, affine=True)
        self.conv2 = ConvLayer(channels, channels, 3)
        self.in2 = nn.InstanceNorm2d(channels, affine=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.in2(self.conv2(F.relu(self.in1(self.conv1(x)))))


class ExamplesTransformerNet(nn.Module):
    """pytorch/examples' ``TransformerNet`` (see the module doc): 0–255 in, 0–255 out (unclamped), 1.68 M
    parameters, state-dict keys ``conv1.conv2d.weight``, ``in1.weight``, ``res1.conv1.conv2d.weight``,
    ``deconv1.conv2d.weight``, … . Any height and width go through; the output is the input's size when both
    are multiples of 4 (two stride-2 convs, two ×2 upsamplings)."""

    def __init__(self):
        super().__init__()
        self.conv1, self.in1 = ConvLayer(3, 32, 9), nn.InstanceNorm2d(32, affine=True)
        self.conv2, self.in2 = ConvLayer(32, 64, 3, 2), nn.InstanceNorm2d(64, affine=True)
        self.conv3, self.in3 = ConvLayer(64, 128, 3, 2), nn.InstanceNorm2d(128, affine=True)
        self.res1, self.res2, self.res3, self.res4, self.res5 = (ResidualBlock(128) for _ in range(5))
        self.deconv1, self.in4 = ConvLayer(128, 64, 3, upsample=2), nn.InstanceNorm2d(64, affine=True)
        self.deconv2, self.in5 = ConvLayer(64, 32, 3, upsample=2), nn.InstanceNorm2d(32, affine=True)
        self.deconv3 = ConvLayer(32, 3, 9)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.in1(self.conv1(x)))
        y = F.relu(self.in2(self.conv2(y)))
        y = F.relu(self.in3(self.conv3(y)))
        y = self.res5(self.res4(self.res3(self.res2(self.res1(y)))))
        y = F.relu(self.in4(self.deconv1(y)))
        y = F.relu(self.in5(self.deconv2(y)))
        return self.deconv3(y)


class Published255(nn.Module):
    """One of their nets as one of ours: ``forward(x, style=None)`` maps [0, 1] images to [0, 1] (unclamped)
    through the 0–255 net: ``net(255 x) / 255``. ``style`` is accepted and ignored (a single-style net)."""

    def __init__(self, net: ExamplesTransformerNet):
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor, style=None) -> torch.Tensor:
        return self.net(x * 255.0) / 255.0


def looks_like_examples(payload) -> bool:
    """Whether a loaded file is a bare state dict with the ``TransformerNet`` signature key."""
    return isinstance(payload, dict) and isinstance(payload.get(SIGNATURE_KEY), torch.Tensor)


def drop_legacy_keys(state: dict) -> dict:
    """``state`` without the ``inN.running_mean`` / ``running_var`` buffers of files saved by old PyTorch."""
    return {k: v for k, v in state.items() if not LEGACY_KEY.search(k)}


def load_examples_net(payload: dict, source: str | os.PathLike) -> Published255:
    """The net of a pytorch/examples checkpoint already read with ``weights_only=True`` (``payload``),
    legacy keys dropped, loaded strictly, in eval mode; ``source`` names the file in errors."""
    if not isinstance(payload, dict) or not all(isinstance(v, torch.Tensor) for v in payload.values()):
        raise StylelabError(f"{source} is not a state dict of tensors (expected pytorch/examples' TransformerNet)")
    try:
        net = load_state(ExamplesTransformerNet(), drop_legacy_keys(payload), source)
    except StylelabError as exc:
        raise StylelabError(f"{exc} (pytorch/examples' fast_neural_style TransformerNet)") from None
    return Published255(net.eval()).eval()
