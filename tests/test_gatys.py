import math

import pytest
import torch

from stylelab import colour, encoders, images
from stylelab.errors import StylelabError
from stylelab.losses import gram_matrix, gram_style_loss
from stylelab.methods import gatys


@pytest.fixture(scope="module")
def encoder():
    # The real offline encoder where installed (as in CI); the seeded random VGG otherwise.
    name = "vgg16_bn_craft" if encoders.craft_weights_path() else "random"
    return encoders.build_encoder(name, last_layer="relu5_1")


def _pair(size=40):
    """A noise 'content' image and a smooth coloured wave 'style' (binary stripes are a pathological
    texture for L-BFGS without line search; painted styles behave like the wave)."""
    generator = torch.Generator().manual_seed(0)
    content = torch.rand(1, 3, size, size, generator=generator)
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    wave = 0.5 + 0.4 * torch.sin(2 * math.pi * (xx + 2 * yy) / 8.0)
    return content, torch.stack([wave, 0.3 + 0.2 * wave, 1 - wave]).unsqueeze(0)


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_total_loss_falls_by_half(encoder, optimizer):
    content, style = _pair()
    config = gatys.GatysConfig(optimizer=optimizer, iterations=25 if optimizer == "lbfgs" else 60, init="noise")
    result = gatys.stylize(content, style, encoder, config, progress=False)
    total = result.history["total"]
    assert len(total) == config.iterations
    assert total[-1] <= 0.5 * total[0]
    assert result.image.shape == content.shape
    assert 0 <= result.image.min() and result.image.max() <= 1


def test_seeded_run_repeats_exactly(encoder):
    content, style = _pair(32)
    config = gatys.GatysConfig(iterations=5, init="noise", seed=7)
    first = gatys.stylize(content, style, encoder, config, progress=False)
    second = gatys.stylize(content, style, encoder, config, progress=False)
    assert torch.equal(first.image, second.image)
    assert first.history == second.history
    other = gatys.stylize(content, style, encoder, gatys.GatysConfig(iterations=5, init="noise", seed=8), progress=False)
    assert not torch.equal(first.image, other.image)


def test_unknown_layers_and_options_are_clear_errors(encoder):
    content, style = _pair(32)
    with pytest.raises(StylelabError, match="has no layer 'relu4_9'"):
        gatys.stylize(content, style, encoder, gatys.GatysConfig(content_layer="relu4_9"))
    with pytest.raises(StylelabError, match="has no layer 'conv9_1'"):
        gatys.stylize(content, style, encoder, gatys.GatysConfig(style_layers=("relu1_1", "conv9_1")))
    with pytest.raises(StylelabError, match="optimizer must be one of lbfgs, adam"):
        gatys.stylize(content, style, encoder, gatys.GatysConfig(optimizer="sgd"))
    with pytest.raises(StylelabError, match="init must be one of"):
        gatys.stylize(content, style, encoder, gatys.GatysConfig(init="zeros"))
    with pytest.raises(StylelabError, match="layer_weights has no weight for relu2_1"):
        gatys.stylize(content, style, encoder, gatys.GatysConfig(style_layers=("relu1_1", "relu2_1"),
                                                                  layer_weights={"relu1_1": 1.0}))
    with pytest.raises(StylelabError, match=r"\(1, 3, H, W\)"):
        gatys.stylize(content[0], style, encoder)


def test_output_carries_the_style(encoder, mirror):
    content = images.load_image("content/cornell", short_side=64)
    style = images.load_image("style/woman_with_hat_matisse", short_side=64)
    result = gatys.stylize(content, style, encoder, gatys.GatysConfig(iterations=30, style_weight=1e4), progress=False)
    layers = gatys.GatysConfig().style_layers
    grams = {k: gram_matrix(v) for k, v in encoder(style, layers).items()}
    with torch.no_grad():
        before = gram_style_loss(encoder(content, layers), grams).item()
        after = gram_style_loss(encoder(result.image, layers), grams).item()
    assert after < 0.2 * before  # far closer to the style's Gram matrices than the content image was


def test_multiscale_and_colour_preservation(encoder):
    content, style = _pair(48)
    multi = gatys.stylize(content, style, encoder, gatys.GatysConfig(iterations=4, scales=(24, 48)), progress=False)
    assert multi.image.shape == content.shape and len(multi.history["total"]) == 8
    muted = 0.3 + 0.4 * content  # inside the RGB gamut, so the final clamp changes nothing
    kept = gatys.stylize(muted, style, encoder, gatys.GatysConfig(iterations=4, preserve_color=True), progress=False)
    # Chrominance (I, Q of YIQ) is the content's; only luminance was stylised.
    chroma_error = (colour.rgb_to_yiq(kept.image)[:, 1:] - colour.rgb_to_yiq(muted)[:, 1:]).abs()
    assert chroma_error.mean() < 0.01
    assert not torch.allclose(kept.image, muted, atol=0.01)  # while the luminance did change


def test_yiq_round_trip():
    x = torch.rand(1, 3, 5, 5)
    assert torch.allclose(colour.yiq_to_rgb(colour.rgb_to_yiq(x)), x, atol=1e-5)


def test_figure_one_helpers(encoder):
    content, style = _pair(32)
    recon = gatys.reconstruct_content(content, encoder, "relu2_1", iterations=15, seed=1, progress=False)  # seed 0 would start at the content itself
    assert recon.history["content"][-1] < 0.5 * recon.history["content"][0]
    texture = gatys.synthesize_texture(style, encoder, ["relu1_1", "relu2_1"], iterations=15, progress=False)
    assert texture.history["style"][-1] < 0.5 * texture.history["style"][0]
    assert texture.history["content"] == [0.0] * 15


def test_resume_from_checkpoint(encoder, tmp_path):
    content, style = _pair(32)
    config = gatys.GatysConfig(iterations=6, optimizer="adam", init="noise")
    straight = gatys.stylize(content, style, encoder, config, progress=False)
    checkpoint = tmp_path / "gatys.pt"
    half = gatys.GatysConfig(iterations=3, optimizer="adam", init="noise")
    gatys.stylize(content, style, encoder, half, progress=False, checkpoint=checkpoint)
    resumed = gatys.stylize(content, style, encoder, config, progress=False, checkpoint=checkpoint)
    assert torch.allclose(resumed.image, straight.image, atol=1e-6)


def test_deep_reconstruction_from_noise_does_not_climb_back(encoder, mirror):
    # Without the L-BFGS restart the relu4_2 loss fell to 0.05 by iteration 30, then climbed back to
    # 0.76 and stayed there (the clamp invalidates L-BFGS' curvature memory).
    photo = images.load_batch(["content/cornell"], 48, "cpu")
    history = gatys.reconstruct_content(photo, encoder, "relu4_2", iterations=80, seed=1, progress=False).history["content"]
    assert history[-1] <= 1.5 * min(history)
    assert history[-1] <= 0.2 * history[0]
