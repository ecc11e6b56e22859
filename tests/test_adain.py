"""AdaIN: the paper's functions, the loss by hand, the port's published format reproduced, training
that falls and resumes, and Chen & Schmidt's style swap."""

import pytest
import torch
import torch.nn as nn
from PIL import Image

from stylelab import assets, colour, norms
from stylelab.datasets import RandomCropDataset
from stylelab.encoders import build_encoder
from stylelab.errors import StylelabError
from stylelab.methods import adain, style_swap
from stylelab.methods.adain import AdaINConfig


@pytest.fixture(scope="module")
def encoder():
    return build_encoder("random", seed=0, last_layer="relu4_1")


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    yield


def _model(encoder, seed=0):
    torch.manual_seed(seed)
    return adain.AdaINModel(encoder, adain.build_decoder().eval())


# --- the port's reference (naoto0804/pytorch-AdaIN net.py, function.py, test.py), copied as it is ---

def port_decoder():
    return nn.Sequential(
        nn.ReflectionPad2d((1, 1, 1, 1)), nn.Conv2d(512, 256, (3, 3)), nn.ReLU(),
        nn.UpsamplingNearest2d(scale_factor=2),
        nn.ReflectionPad2d((1, 1, 1, 1)), nn.Conv2d(256, 256, (3, 3)), nn.ReLU(),
        nn.ReflectionPad2d((1, 1, 1, 1)), nn.Conv2d(256, 256, (3, 3)), nn.ReLU(),
        nn.ReflectionPad2d((1, 1, 1, 1)), nn.Conv2d(256, 256, (3, 3)), nn.ReLU(),
        nn.ReflectionPad2d((1, 1, 1, 1)), nn.Conv2d(256, 128, (3, 3)), nn.ReLU(),
        nn.UpsamplingNearest2d(scale_factor=2),
        nn.ReflectionPad2d((1, 1, 1, 1)), nn.Conv2d(128, 128, (3, 3)), nn.ReLU(),
        nn.ReflectionPad2d((1, 1, 1, 1)), nn.Conv2d(128, 64, (3, 3)), nn.ReLU(),
        nn.UpsamplingNearest2d(scale_factor=2),
        nn.ReflectionPad2d((1, 1, 1, 1)), nn.Conv2d(64, 64, (3, 3)), nn.ReLU(),
        nn.ReflectionPad2d((1, 1, 1, 1)), nn.Conv2d(64, 3, (3, 3)),
    )


def port_vgg():
    pad = lambda: nn.ReflectionPad2d((1, 1, 1, 1))  # noqa: E731
    pool = lambda: nn.MaxPool2d((2, 2), (2, 2), (0, 0), ceil_mode=True)  # noqa: E731
    return nn.Sequential(
        nn.Conv2d(3, 3, (1, 1)),
        pad(), nn.Conv2d(3, 64, (3, 3)), nn.ReLU(),  # relu1-1
        pad(), nn.Conv2d(64, 64, (3, 3)), nn.ReLU(),  # relu1-2
        pool(),
        pad(), nn.Conv2d(64, 128, (3, 3)), nn.ReLU(),  # relu2-1
        pad(), nn.Conv2d(128, 128, (3, 3)), nn.ReLU(),  # relu2-2
        pool(),
        pad(), nn.Conv2d(128, 256, (3, 3)), nn.ReLU(),  # relu3-1
        pad(), nn.Conv2d(256, 256, (3, 3)), nn.ReLU(),  # relu3-2
        pad(), nn.Conv2d(256, 256, (3, 3)), nn.ReLU(),  # relu3-3
        pad(), nn.Conv2d(256, 256, (3, 3)), nn.ReLU(),  # relu3-4
        pool(),
        pad(), nn.Conv2d(256, 512, (3, 3)), nn.ReLU(),  # relu4-1, this is the last layer used
        pad(), nn.Conv2d(512, 512, (3, 3)), nn.ReLU(),  # relu4-2
        pad(), nn.Conv2d(512, 512, (3, 3)), nn.ReLU(),  # relu4-3
        pad(), nn.Conv2d(512, 512, (3, 3)), nn.ReLU(),  # relu4-4
        pool(),
        pad(), nn.Conv2d(512, 512, (3, 3)), nn.ReLU(),  # relu5-1
        pad(), nn.Conv2d(512, 512, (3, 3)), nn.ReLU(),  # relu5-2
        pad(), nn.Conv2d(512, 512, (3, 3)), nn.ReLU(),  # relu5-3
        pad(), nn.Conv2d(512, 512, (3, 3)), nn.ReLU(),  # relu5-4
    )


def calc_mean_std(feat, eps=1e-5):
    N, C = feat.size()[:2]
    feat_var = feat.view(N, C, -1).var(dim=2) + eps
    return feat.view(N, C, -1).mean(dim=2).view(N, C, 1, 1), feat_var.sqrt().view(N, C, 1, 1)


def adaptive_instance_normalization(content_feat, style_feat):
    size = content_feat.size()
    style_mean, style_std = calc_mean_std(style_feat)
    content_mean, content_std = calc_mean_std(content_feat)
    normalized_feat = (content_feat - content_mean.expand(size)) / content_std.expand(size)
    return normalized_feat * style_std.expand(size) + style_mean.expand(size)


def port_style_transfer(vgg, decoder, content, style, alpha=1.0):
    content_f = vgg(content)
    style_f = vgg(style)
    feat = adaptive_instance_normalization(content_f, style_f)
    feat = feat * alpha + content_f * (1 - alpha)
    return decoder(feat)


def _random_port_files(tmp_path):
    torch.manual_seed(0)
    vgg, decoder = port_vgg(), port_decoder()
    for module in list(vgg) + list(decoder):
        if isinstance(module, nn.Conv2d):  # unit-gain weights, so activations stay O(1) down to relu4_1
            nn.init.kaiming_normal_(module.weight)
            nn.init.uniform_(module.bias, -0.1, 0.1)
    torch.save(vgg.state_dict(), tmp_path / "vgg_normalised.pth")
    torch.save(decoder.state_dict(), tmp_path / "decoder.pth")
    return vgg, decoder


# --- tests -----------------------------------------------------------------------------------

def test_adain_output_carries_the_style_statistics():
    x, y = torch.randn(2, 8, 6, 7) * 3 + 1, torch.randn(2, 8, 5, 9) * 0.5 - 2
    mean, std = adain.mean_std(adain.adain(x, y))
    style_mean, style_std = adain.mean_std(y)
    assert torch.allclose(mean, style_mean, atol=1e-5) and torch.allclose(std, style_std, atol=1e-4)


def test_alpha_zero_decodes_the_content_features(encoder):
    model = _model(encoder)
    content, style = torch.rand(1, 3, 32, 32), torch.rand(1, 3, 40, 40)
    with torch.no_grad():
        assert torch.allclose(model(content, style, alpha=0.0), model.decoder(model.encode(content)), atol=1e-6)
        half = model(content, style, alpha=0.5)
        t = adain.adain(model.encode(content), model.encode(style))
        assert torch.allclose(half, model.decoder(0.5 * t + 0.5 * model.encode(content)), atol=1e-6)
    with pytest.raises(StylelabError, match="alpha"):
        model(content, style, alpha=1.5)


def test_training_loss_equals_a_hand_computation(encoder):
    torch.manual_seed(1)
    decoder = adain.build_decoder()
    content, style = torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    got = adain.losses(encoder, decoder, content, style, style_weight=0.7)

    def stats(x):  # μ and σ over H, W with the biased variance + ε
        mean = x.mean(dim=(2, 3))
        return mean, ((x - mean[..., None, None]).pow(2).mean(dim=(2, 3)) + 1e-5).sqrt()

    layers = ["relu1_1", "relu2_1", "relu3_1", "relu4_1"]
    fc, fs = encoder(content, ["relu4_1"])["relu4_1"], encoder(style, layers)
    (mc, sc), (ms, ss) = stats(fc), stats(fs["relu4_1"])
    t = ss[..., None, None] * (fc - mc[..., None, None]) / sc[..., None, None] + ms[..., None, None]
    fg = encoder(decoder(t), layers)
    l_c = (fg["relu4_1"] - t).pow(2).mean()
    l_s = sum((stats(fg[k])[0] - stats(fs[k])[0]).pow(2).mean() + (stats(fg[k])[1] - stats(fs[k])[1]).pow(2).mean()
              for k in layers)
    assert torch.allclose(got["content"], l_c, rtol=1e-4)
    assert torch.allclose(got["style"], l_s, rtol=1e-4)
    assert torch.allclose(got["total"], l_c + 0.7 * l_s, rtol=1e-4)


def test_published_format_reproduces_the_port_pipeline(tmp_path):
    vgg, decoder = _random_port_files(tmp_path)
    model = adain.load_pretrained(tmp_path / "vgg_normalised.pth", tmp_path / "decoder.pth")
    vgg = nn.Sequential(*list(vgg.children())[:31]).eval()  # as the port's test.py
    generator = torch.Generator().manual_seed(3)
    content, style = torch.rand(1, 3, 20, 28, generator=generator), torch.rand(1, 3, 64, 56, generator=generator)
    with torch.no_grad():
        for alpha in (1.0, 0.6):
            expected = port_style_transfer(vgg, decoder.eval(), content, style, alpha)
            got = model(content, style, alpha=alpha)
            assert got.shape == expected.shape
            assert (got - expected).abs().max() <= 1e-4, alpha
        assert expected.abs().max() > 1e-2  # the comparison is not between two near-zero outputs


def test_wrong_published_file_names_the_key(tmp_path):
    _random_port_files(tmp_path)
    state = torch.load(tmp_path / "decoder.pth", weights_only=True)
    del state["5.weight"]
    torch.save(state, tmp_path / "bad_decoder.pth")
    with pytest.raises(StylelabError, match="missing key '5.weight'"):
        adain.load_pretrained(tmp_path / "vgg_normalised.pth", tmp_path / "bad_decoder.pth")
    vgg_state = torch.load(tmp_path / "vgg_normalised.pth", weights_only=True)
    vgg_state["0.weight"] = torch.zeros(3, 3, 3, 3)
    torch.save(vgg_state, tmp_path / "bad_vgg.pth")
    with pytest.raises(StylelabError, match=r"'0.weight' has shape \(3, 3, 3, 3\)"):
        adain.load_pretrained(tmp_path / "bad_vgg.pth", tmp_path / "decoder.pth")


def test_published_files_are_registered_with_their_hashes():
    for name in (adain.PORT_VGG_ASSET, adain.PORT_DECODER_ASSET):
        asset = assets.get(name)
        assert asset.url.startswith("https://github.com/naoto0804/pytorch-AdaIN/releases/download/v0.0.0/")
        assert len(asset.sha256) == 64


def test_interpolation_weights_are_validated(encoder):
    assert adain.check_weights([0.25, 0.75], 2) == [0.25, 0.75]
    for weights, message in (([1.0], "one interpolation weight per style"), ([1.5, -0.5], "non-negative"),
                             ([0.5, 0.6], "sum to one")):
        with pytest.raises(StylelabError, match=message):
            adain.check_weights(weights, 2)
    a, b = torch.randn(1, 4, 3, 3), torch.randn(1, 4, 3, 3)
    assert torch.allclose(adain.interpolate([a, b], [0.25, 0.75]), 0.25 * a + 0.75 * b)
    model = _model(encoder)
    content, styles = torch.rand(1, 3, 32, 32), [torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32)]
    with pytest.raises(StylelabError, match="need interpolation weights"):
        adain.stylize(model, content, styles)
    with pytest.raises(StylelabError, match="sum to one"):
        adain.stylize(model, content, styles, weights=[0.5, 0.2])
    # weights (1, 0) are the first style alone
    assert torch.allclose(adain.stylize(model, content, styles, weights=[1.0, 0.0]),
                          adain.stylize(model, content, styles[0]), atol=1e-6)


def test_spatial_control_and_colour_preservation_run(encoder):
    model = _model(encoder)
    content, styles = torch.rand(1, 3, 30, 34), [torch.rand(1, 3, 32, 32), torch.rand(1, 3, 40, 40)]
    mask = torch.zeros(1, 1, 30, 34)
    mask[..., :17] = 1
    assert adain.stylize(model, content, styles, mask=mask).shape == content.shape
    with pytest.raises(StylelabError, match="exactly two styles"):
        adain.spatial_adain(torch.rand(1, 4, 4, 4), [torch.rand(1, 4, 4, 4)], mask)
    for mode in adain.COLOR_MODES:
        out = adain.stylize(model, content, styles[0], preserve_color=mode)
        assert out.shape == content.shape and 0 <= out.min() and out.max() <= 1
    matched = adain.match_color(styles[0] * 0.5, content)  # takes the content's colour mean
    assert torch.allclose(matched.mean((2, 3)), content.mean((2, 3)), atol=2e-2)


def test_held_out_styles_are_registered_and_not_trained_on(mirror):
    assert set(adain.HELD_OUT_STYLES) <= set(assets.names("style"))
    assert not set(adain.HELD_OUT_STYLES) & set(adain.training_styles())
    assert len(adain.training_styles()) == len(assets.names("style")) - len(adain.HELD_OUT_STYLES)


def test_style_swap_with_the_content_as_style_returns_the_content_features(encoder, monkeypatch):
    content = torch.rand(1, 3, 32, 40, generator=torch.Generator().manual_seed(0))
    features = encoder(content, ["relu3_1"])["relu3_1"]
    swapped = style_swap.style_swap(features, features)
    assert torch.allclose(swapped, features, atol=1e-5)  # every patch finds itself
    monkeypatch.setattr(style_swap, "CHUNK_ELEMENTS", 97)  # the blockwise argmax gives the same
    assert torch.allclose(style_swap.style_swap(features, features), features, atol=1e-5)
    result = style_swap.stylize(content, torch.rand(1, 3, 32, 32), encoder, style_swap.StyleSwapConfig(iterations=3))
    assert result.image.shape == content.shape and result.history["total"][-1] <= result.history["total"][0]


# --- training --------------------------------------------------------------------------------

@pytest.fixture
def data(tmp_path):
    def images(prefix, count, seed):
        paths = []
        for i in range(count):
            g = torch.Generator().manual_seed(seed + i)
            array = (torch.rand(40, 48, 3, generator=g) * 255).to(torch.uint8).numpy()
            paths.append(tmp_path / f"{prefix}{i}.png")
            Image.fromarray(array).save(paths[-1])
        return paths

    content = RandomCropDataset(images("photo", 2, 0), 16, max_side=48, seed=0)
    style = RandomCropDataset(images("style", 2, 10), 16, max_side=48, seed=1)
    return content, style


def _config(**kw):
    return AdaINConfig(**{**dict(styles=("unused",), image_size=16, batch_size=2, steps=4, lr=1e-3), **kw})


def test_short_training_lowers_the_loss(encoder, data):
    trained = adain.train_decoder(_config(steps=25), encoder, data=data, progress=False)
    total = trained.history["total"]
    assert sum(total[-5:]) / 5 < 0.8 * sum(total[:5]) / 5
    assert trained.config.encoder == "random" and trained.config.style_weight == adain.STYLE_WEIGHTS["random"]


def test_training_resumes_exactly_and_the_decoder_reloads(encoder, data, tmp_path):
    straight = adain.train_decoder(_config(), encoder, data=data, progress=False)
    checkpoint = tmp_path / "run.ckpt"
    adain.train_decoder(_config(steps=2), encoder, data=data, progress=False, checkpoint=checkpoint, checkpoint_every=2)
    resumed = adain.train_decoder(_config(), encoder, data=data, progress=False, checkpoint=checkpoint, checkpoint_every=2)
    assert resumed.history["total"] == pytest.approx(straight.history["total"], rel=1e-5)
    for (name, a), b in zip(straight.decoder.state_dict().items(), resumed.decoder.state_dict().values()):
        assert torch.allclose(a, b, atol=1e-6), name
    path = adain.save_decoder(tmp_path / "decoder.pt", straight, {"note": "test"})
    loaded = adain.load_decoder(path, encoder=encoder)
    assert loaded.config == straight.config
    content, style = torch.rand(1, 3, 16, 16), torch.rand(1, 3, 16, 16)
    with torch.no_grad():
        expected = adain.AdaINModel(encoder, straight.decoder.half().float())(content, style)
        assert torch.allclose(loaded.model(content, style), expected, atol=1e-5)
    with pytest.raises(StylelabError, match="trained against encoder 'random'"):
        adain.load_decoder(path, encoder=adain.PortVGG())


def test_style_recolouring_is_pure_in_seed_and_step_and_keeps_some_crops():
    batch = torch.rand(16, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    assert adain.recolour_styles(batch, 0.0, 0, 5) is batch
    a, b = adain.recolour_styles(batch, 0.5, 0, 5), adain.recolour_styles(batch, 0.5, 0, 5)
    assert torch.equal(a, b) and not torch.equal(a, adain.recolour_styles(batch, 0.5, 0, 6))
    changed = [(x - y).abs().max() > 1e-6 for x, y in zip(a, batch)]
    assert 0 < sum(changed) < len(batch)
    grey = adain.recolour_styles(batch, 1.0, 0, 5)
    is_grey = [bool((g[0] - g[1]).abs().max() < 1e-6 and (g[1] - g[2]).abs().max() < 1e-6) for g in grey]
    assert any(is_grey) and not all(is_grey)
    with pytest.raises(StylelabError, match="style_recolour"):
        adain.AdaINConfig(style_recolour=1.5).validate()


def test_colour_jitter_is_the_docstring_map_pure_in_seed_and_step():
    batch = torch.rand(16, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    assert adain.jitter_colours(batch, 0.0, 0, 5) is batch
    a, b = adain.jitter_colours(batch, 0.5, 0, 5), adain.jitter_colours(batch, 0.5, 0, 5)
    assert torch.equal(a, b) and not torch.equal(a, adain.jitter_colours(batch, 0.5, 1, 5))
    changed = [bool((x - y).abs().max() > 1e-6) for x, y in zip(a, batch)]
    assert 0 < sum(changed) < len(batch)
    assert a.min() >= 0 and a.max() <= 1
    # Each changed crop is g_c · x_c^γ_c + b_c per channel: fit (log g, γ) on unclamped pixels and check the ranges.
    for x, y, moved in zip(batch, a, changed):
        if not moved:
            continue
        for c in range(3):
            inside = (y[c] > 1e-4) & (y[c] < 1 - 1e-4) & (x[c] > 0.05)
            xs, ys = x[c][inside], y[c][inside]
            # A grid over γ with least squares for (g, b): the best fit must reproduce every unclamped pixel.
            best = None
            for gamma in torch.linspace(0.5, 2.0, 301):
                design = torch.stack([xs ** gamma, torch.ones_like(xs)], 1)
                solution = torch.linalg.lstsq(design, ys.unsqueeze(1)).solution.squeeze(1)
                error = (design @ solution - ys).abs().max()
                if best is None or error < best[0]:
                    best = (error, gamma, *solution.tolist())
            error, gamma, gain, bias = best
            assert error < 5e-3 and 0.6 - 1e-2 <= gain <= 1.4 + 1e-2 and -0.2 - 1e-2 <= bias <= 0.2 + 1e-2
    with pytest.raises(StylelabError, match="style_colour_jitter"):
        adain.AdaINConfig(style_colour_jitter=-0.1).validate()


def test_config_rejects_a_bad_learning_rate_negative_weights_and_crops_above_max_side():
    for bad, message in [(dict(lr=0), "lr must be a positive number, got 0"),
                         (dict(lr_decay=-1e-5), "lr_decay must be a non-negative number"),
                         (dict(style_weight=-1), "style_weight must be a non-negative number"),
                         (dict(content_weight=float("inf")), "content_weight must be a non-negative number"),
                         (dict(image_size=128, max_side=10), r"max_side \(10\) must be at least image_size \(128\)")]:
        with pytest.raises(StylelabError, match=message):
            adain.AdaINConfig(**bad).validate()
    adain.AdaINConfig(image_size=128, max_side=128, style_weight=None).validate()


def test_shared_adain_with_the_unbiased_variance_is_the_ports_function():
    """methods.adain uses stylelab.norms' AdaIN; its unbiased variant is the port's adaptive_instance_normalization."""
    x, y = torch.randn(2, 8, 6, 7) * 3 + 1, torch.randn(2, 8, 5, 9) * 0.5 - 2
    assert adain.adain is norms.adain and adain.mean_std is norms.mean_std
    assert torch.allclose(norms.adain(x, y, unbiased=True), adaptive_instance_normalization(x, y), atol=1e-5)
    assert not torch.allclose(norms.adain(x, y), adaptive_instance_normalization(x, y), atol=1e-3)


def test_training_loss_is_pinned_on_a_fixed_input(encoder):
    """The value the loss had before AdaIN's style loss became stylelab.losses.mean_std_style_loss (#18)."""
    torch.manual_seed(1)
    decoder = adain.build_decoder()
    generator = torch.Generator().manual_seed(0)
    content, style = torch.rand(2, 3, 32, 32, generator=generator), torch.rand(2, 3, 32, 32, generator=generator)
    got = adain.losses(encoder, decoder, content, style, style_weight=0.7)
    assert got["content"].item() == pytest.approx(0.007503272965550423, rel=1e-5)
    assert got["style"].item() == pytest.approx(0.22682449221611023, rel=1e-5)
    assert got["total"].item() == pytest.approx(0.16628041863441467, rel=1e-5)


# --- the test-time controls on a transparent model: f = g = identity, so AdaIN acts on the pixels ---

class _PixelEncoder(nn.Module):
    """f(x) = x at every layer: ``stylize`` then does AdaIN on the pixels and its output shows what it did."""

    name = "pixels"

    def check_layers(self, layers):
        return [layers] if isinstance(layers, str) else list(layers)

    def forward(self, image, layers):
        return {layer: image for layer in self.check_layers(layers)}


def _pixel_model():
    return adain.AdaINModel(_PixelEncoder(), nn.Identity())


def _flat(colour, size=(1, 3, 24, 28), spread=0.05, seed=0):
    """An image of one colour with a little texture (σ ≈ spread / √12 per channel)."""
    noise = torch.rand(size, generator=torch.Generator().manual_seed(seed))
    return (torch.tensor(colour).view(1, 3, 1, 1) + spread * (noise - 0.5)).clamp(0, 1)


def test_the_mask_gives_each_region_its_own_style():
    content = torch.rand(1, 3, 32, 40, generator=torch.Generator().manual_seed(1))
    red, blue = _flat([0.85, 0.15, 0.1], seed=2), _flat([0.1, 0.2, 0.9], seed=3)
    mask = torch.zeros(1, 1, 32, 40)
    mask[..., :20] = 1  # left half: the first style (red), right half: the second (blue)
    out = adain.stylize(_pixel_model(), content, [red, blue], mask=mask)
    left, right = out[..., :20].mean((0, 2, 3)), out[..., 20:].mean((0, 2, 3))
    assert torch.allclose(left, red.mean((0, 2, 3)), atol=0.02), left
    assert torch.allclose(right, blue.mean((0, 2, 3)), atol=0.02), right
    # each region also takes its style's contrast (σ), not the other's or the content's
    for region, style in ((out[..., :20], red), (out[..., 20:], blue)):
        assert torch.allclose(region.std((0, 2, 3)), style.std((0, 2, 3)), rtol=0.1, atol=2e-3)
    flipped = adain.stylize(_pixel_model(), content, [red, blue], mask=1 - mask)
    assert torch.allclose(flipped[..., :20].mean((0, 2, 3)), blue.mean((0, 2, 3)), atol=0.02)


def _chroma(image):
    return colour.rgb_to_yiq(image)[:, 1:].mean((0, 2, 3))  # mean I, Q: the hue and saturation of the image


def test_colour_preservation_keeps_the_contents_colours():
    content = _flat([0.2, 0.7, 0.3], size=(1, 3, 32, 32), spread=0.6, seed=4)  # green, textured
    style = _flat([0.9, 0.35, 0.1], size=(1, 3, 40, 36), spread=0.3, seed=5)  # orange
    model = _pixel_model()
    far = (_chroma(style) - _chroma(content)).norm()
    plain = adain.stylize(model, content, style)
    assert (_chroma(plain) - _chroma(style)).norm() < 0.1 * far  # without preservation: the style's colours
    for mode in adain.COLOR_MODES:
        kept = adain.stylize(model, content, style, preserve_color=mode)
        assert (_chroma(kept) - _chroma(content)).norm() < 0.1 * far, mode
        assert (_chroma(kept) - _chroma(style)).norm() > 0.9 * far, mode


def test_style_swap_inverse_runs_in_the_shared_pixel_loop_with_its_nan_guard(encoder):
    content = torch.rand(1, 3, 24, 24, generator=torch.Generator().manual_seed(0))
    target = encoder(content, ["relu3_1"])["relu3_1"]
    config = style_swap.StyleSwapConfig(iterations=2, tv_weight=float("nan"))
    with pytest.raises(StylelabError, match="loss total became nan at step 0"):
        style_swap.invert_features(encoder, target, content, config)
