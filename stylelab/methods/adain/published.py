"""The published files of the PyTorch port (naoto0804/pytorch-AdaIN): its ``vgg_normalised.pth`` (a VGG-19
converted from Caffe, reflection padding, ceil-mode pooling, and a leading 1×1 convolution that turns RGB in
[0, 1] into Caffe's mean-subtracted BGR in [0, 255]) and its ``decoder.pth``, loaded as an :class:`AdaINModel`
that reproduces the port's own output (with the unbiased variance of the port's ``calc_mean_std``)."""

from __future__ import annotations

from pathlib import Path

from ...encoders import PORT_VGG, PortVGG, build_encoder, load_port_vgg, port_vgg_layers  # noqa: F401 (re-exported)
from ...registry import resolve
from ...weights import load_state, read_state_dict
from .model import ADAIN_LAYER, AdaINModel, build_decoder

#: Registry names (stylelab/data/assets.tsv) of the port's published files.
PORT_VGG_ASSET = "weights/adain_vgg_normalised"
PORT_DECODER_ASSET = "weights/adain_decoder"


def load_pretrained(vgg_path, decoder_path, device="cpu") -> AdaINModel:
    """The port's published ``vgg_normalised.pth`` and ``decoder.pth`` as an :class:`AdaINModel`
    (read with ``weights_only=True``; a file that does not fit names the key or shape). The VGG is one of
    the encoder builder's weight sources: ``build_encoder("port_vgg_normalised", weights=vgg_path)``."""
    decoder = load_state(build_decoder(), read_state_dict(decoder_path, "the port's decoder.pth"), decoder_path)
    encoder = build_encoder(PORT_VGG, weights=vgg_path, last_layer=ADAIN_LAYER)
    return AdaINModel(encoder, decoder.eval(), unbiased=True).to(device)


def port_file(name_or_path: str) -> Path:
    """A path as it is, or a registry name (``weights/adain_vgg_normalised``) fetched and hash-checked."""
    return resolve(name_or_path, "asset")
