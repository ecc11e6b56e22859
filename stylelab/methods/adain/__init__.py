"""Huang & Belongie, "Arbitrary Style Transfer in Real-time with Adaptive Instance Normalization" (ICCV 2017).

    t = AdaIN(f(c), f(s))          f: a VGG encoder up to relu4_1 (fixed)
    T(c, s) = g(t)                 g: the decoder, the only trained part
    L = L_c + λ L_s

* :mod:`.model`: the decoder g and :class:`AdaINModel` (one class for both kinds of model below);
* :mod:`.train`: training a decoder (``train_decoder``) against an encoder of :mod:`stylelab.encoders`; the
  model file (kind ``"adain"``) records which encoder, so it reloads without guessing (``load_decoder``);
  how the committed decoder was made: ``stylelab/pretrained/adain_decoder_craft.md``;
* :mod:`.published`: the PyTorch port's published weights (``load_pretrained(vgg_path, decoder_path)``),
  which use the unbiased variance of the port's ``calc_mean_std`` (our decoders: the biased one);
* :mod:`.infer`: ``stylize`` and the test-time controls (α, interpolation, colour, mask).
"""

from .infer import COLOR_MODES, check_weights, interpolate, spatial_adain, stylize, trade_off
from ...norms import adain, mean_std  # the layer and the channel statistics live in stylelab.norms
from .model import ADAIN_LAYER, STYLE_LAYERS, AdaINModel, build_decoder, check_alpha, decoder_layers
from .published import (PORT_DECODER_ASSET, PORT_VGG_ASSET, PortVGG, load_port_vgg, load_pretrained, port_file,
                        port_vgg_layers)
from .train import (HELD_OUT_STYLES, STYLE_WEIGHTS, AdaINConfig, TrainedAdaIN, content_loss, encoder_kind,
                    jitter_colours, load_decoder, losses, mean_std_style_loss, recolour_styles, save_decoder,
                    train_decoder, training_data, training_styles)
from ...colour import match_color

__all__ = [
    "ADAIN_LAYER", "COLOR_MODES", "HELD_OUT_STYLES", "PORT_DECODER_ASSET", "PORT_VGG_ASSET", "STYLE_LAYERS",
    "STYLE_WEIGHTS", "AdaINConfig", "AdaINModel", "PortVGG", "TrainedAdaIN", "adain", "build_decoder",
    "check_alpha", "check_weights", "content_loss", "decoder_layers", "encoder_kind", "interpolate",
    "jitter_colours", "load_decoder", "load_port_vgg", "load_pretrained", "losses", "match_color", "mean_std",
    "mean_std_style_loss", "port_file", "port_vgg_layers", "recolour_styles", "save_decoder", "spatial_adain",
    "stylize", "trade_off", "train_decoder", "training_data", "training_styles",
]
from .method import DEFAULT_DECODER, AdaIN  # noqa: E402  (the method interface, after the pieces it joins)
