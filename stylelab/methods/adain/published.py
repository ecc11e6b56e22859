"""The published files of the PyTorch port (naoto0804/pytorch-AdaIN): its ``vgg_normalised.pth`` (a VGG-19
converted from Caffe, reflection padding, ceil-mode pooling, and a leading 1×1 convolution that turns RGB in
[0, 1] into Caffe's mean-subtracted BGR in [0, 255]) and its ``decoder.pth``, loaded as an :class:`AdaINModel`
that reproduces the port's own output (with the unbiased variance of the port's ``calc_mean_std``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from ... import assets
from ...errors import StylelabError
from ...training import safe_load
from ...weights import load_state
from .model import ADAIN_LAYER, AdaINModel, build_decoder

#: Registry names (stylelab/data/assets.tsv) of the port's published files.
PORT_VGG_ASSET = "weights/adain_vgg_normalised"
PORT_DECODER_ASSET = "weights/adain_decoder"


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
