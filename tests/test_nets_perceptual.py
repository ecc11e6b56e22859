"""Transform-net blocks and the shared perceptual loss."""

import numpy as np
import pytest
import torch
from scipy import ndimage
from torchvision.transforms.functional import gaussian_blur

from stylelab import losses, nets
from stylelab.encoders import build_encoder
from stylelab.errors import StylelabError
from stylelab.perceptual import (PerceptualConfig, PerceptualLoss, statistics_ratio, style_ratio, style_statistics,
                                 style_statistics_distance)


@pytest.fixture(scope="module")
def encoder():
    return build_encoder("random", seed=0, last_layer="relu4_3")


@pytest.mark.parametrize("norm", ["batch", "instance", "conditional_instance"])
def test_block_and_net_shapes_for_each_norm(norm):
    x = torch.rand(2, 3, 32, 48)
    styles = 3 if norm == "conditional_instance" else 1
    style = torch.tensor([0, 2]) if norm == "conditional_instance" else None
    assert nets.ConvBlock(3, 8, 3, 2, norm=norm, num_styles=styles)(x, style).shape == (2, 8, 16, 24)
    assert nets.ConvBlock(3, 8, 3, upsample=2, norm=norm, num_styles=styles)(x, style).shape == (2, 8, 64, 96)
    assert nets.ResidualBlock(3, norm=norm, num_styles=styles)(x, style).shape == x.shape
    out = nets.TransformNet(norm=norm, num_styles=styles)(x, style)
    assert out.shape == x.shape and out.min() >= 0 and out.max() <= 1
    out = nets.TextureNet(norm=norm, num_styles=styles, scales=3)(x, style)
    assert out.shape == x.shape


def test_johnson_net_has_the_supplementarys_size():
    # c9s1-32, d64, d128, R128 ×5, u64, u32, c9s1-3 with IN: 1.68 M parameters
    assert nets.count_parameters(nets.TransformNet("instance")) == 1_679_235


def test_instance_norm_net_ignores_input_contrast():
    """IN normalises each image's statistics: a contrast/brightness change of the input (before the first
    conv, a per-channel affine map survives as an affine map of the features) leaves the output unchanged."""
    torch.manual_seed(0)
    net = nets.TransformNet("instance").eval()
    x = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        a, b = net(x), net(0.3 * x + 0.2)
    assert torch.allclose(a, b, atol=1e-4)
    assert not torch.allclose(a, torch.rand_like(a), atol=1e-2)  # and the output is not a constant


def test_wrong_inputs_are_one_line_errors():
    with pytest.raises(StylelabError, match="multiples of 4"):
        nets.TransformNet()(torch.rand(1, 3, 30, 32))
    with pytest.raises(StylelabError, match="RGB images"):
        nets.TransformNet()(torch.rand(3, 32, 32))
    with pytest.raises(StylelabError, match="needs a style id"):
        nets.TransformNet("conditional_instance", num_styles=2)(torch.rand(1, 3, 32, 32))
    with pytest.raises(StylelabError, match="norm must be one of"):
        nets.Norm("layer", 4)


def test_perceptual_gram_style_equals_E_l_by_style_id(encoder):
    torch.manual_seed(0)
    styles = [torch.rand(1, 3, 40, 40), torch.rand(1, 3, 48, 32)]
    layers = ("relu1_1", "relu2_1")
    cfg = PerceptualConfig(content_layer=None, style_layers=layers, normalize="none", style_weight=1.0)
    loss = PerceptualLoss(encoder, cfg, styles)
    x = torch.rand(2, 3, 32, 32)
    got = loss(x, style_ids=[1, 0])["style"]
    expected = 0.0
    for i, s in enumerate([styles[1], styles[0]]):  # sample 0 has style id 1, sample 1 style id 0
        fx, fs = encoder(x[i:i + 1], layers), encoder(s, layers)
        expected += sum(0.5 * losses.gram_layer_loss(fx[l], losses.gram_matrix(fs[l]), fs[l].shape[2] * fs[l].shape[3])
                        for l in layers)
    assert got.item() == pytest.approx(expected.item() / 2, rel=1e-4)


def test_per_layer_normalisation_makes_every_layer_start_at_one(encoder):
    style = torch.rand(1, 3, 32, 32)
    cfg = PerceptualConfig(content_layer=None, style_layers=("relu1_1", "relu3_1"), normalize="per_layer",
                           style_weight=1.0)
    loss = PerceptualLoss(encoder, cfg, [style])
    zeros = {k: torch.zeros(1, v.shape[1], 8, 8) for k, v in encoder(style, cfg.style_layers).items()}
    per_layer = loss._layer_losses(zeros, loss._targets_for(torch.tensor([0]))) / loss.style_scales[:1]
    assert torch.allclose(per_layer, torch.ones(1, 2))
    # "total" keeps the raw ratio between the layers
    total = PerceptualLoss(encoder, PerceptualConfig(content_layer=None, style_layers=cfg.style_layers,
                                                     normalize="total"), [style])
    assert total.style_scales[0, 0] == total.style_scales[0, 1]


def test_mean_std_style_and_content_terms(encoder):
    torch.manual_seed(1)
    style, content, x = torch.rand(1, 3, 32, 32), torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    layers = ("relu1_1", "relu2_1")
    cfg = PerceptualConfig(content_layer="relu2_1", style_layers=layers, style_loss="mean_std", normalize="none",
                           layer_weights={k: 1.0 for k in layers}, style_weight=2.0, content_weight=3.0)
    out = PerceptualLoss(encoder, cfg)(x, content, style_images=style.expand(2, -1, -1, -1))
    fx = encoder(x, layers)
    fs = {k: v.expand(2, -1, -1, -1) for k, v in encoder(style, layers).items()}
    assert out["style"].item() == pytest.approx(losses.mean_std_style_loss(fx, fs).item(), rel=1e-4)
    fc = encoder(content, ["relu2_1"])["relu2_1"]
    assert out["content"].item() == pytest.approx(losses.content_loss(fx["relu2_1"], fc).item(), rel=1e-5)
    assert out["total"].item() == pytest.approx(3 * out["content"].item() + 2 * out["style"].item(), rel=1e-5)


def test_perceptual_errors(encoder):
    loss = PerceptualLoss(encoder, PerceptualConfig(content_layer=None, style_layers=("relu1_1",)),
                          [torch.rand(1, 3, 16, 16)])
    with pytest.raises(StylelabError, match="style id out of range"):
        loss(torch.rand(1, 3, 16, 16), style_ids=3)
    with pytest.raises(StylelabError, match="one style id per image"):
        loss(torch.rand(3, 3, 16, 16), style_ids=[0, 0])
    with pytest.raises(StylelabError, match="normalize must be one of"):
        PerceptualLoss(encoder, PerceptualConfig(normalize="yes"))
    with pytest.raises(StylelabError, match="has no layer"):
        PerceptualLoss(encoder, PerceptualConfig(content_layer="relu9_9"))


def test_style_statistics_distance_by_hand(encoder):
    torch.manual_seed(2)
    x, s = torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32)
    fx, fs = encoder(x, ["relu1_1"])["relu1_1"], encoder(s, ["relu1_1"])["relu1_1"]
    by_hand = ((fx.mean((2, 3)) - fs.mean((2, 3))).norm()
               + (fx.var((2, 3), unbiased=False).add(1e-5).sqrt() - fs.var((2, 3), unbiased=False).add(1e-5).sqrt()).norm())
    assert style_statistics_distance(encoder, x, s, ["relu1_1"]).item() == pytest.approx(by_hand.item(), rel=1e-4)
    assert style_ratio(encoder, s, x, s).item() == pytest.approx(0.0, abs=1e-6)
    assert style_ratio(encoder, x, x, s).item() == pytest.approx(1.0)



def test_statistics_computed_once_give_each_images_own_ratio(encoder):
    """The cached path (a photo's and a painting's statistics computed once, outputs batched) gives, per output,
    the ratio of the one-call path; and d(x, s) on statistics is the norm of the differences by hand."""
    torch.manual_seed(3)
    content, style, outputs = torch.rand(1, 3, 32, 32), torch.rand(1, 3, 24, 24), torch.rand(3, 3, 32, 32)
    c, s = style_statistics(encoder, content), style_statistics(encoder, style)
    batched = statistics_ratio(style_statistics(encoder, outputs), c, s)
    one_by_one = torch.cat([style_ratio(encoder, o[None], content, style) for o in outputs])
    assert batched.shape == (3,)
    assert torch.allclose(batched, one_by_one, rtol=1e-4)
    assert len(set(batched.tolist())) == 3  # three different images, three different ratios
    (mc, sc), (ms, ss) = c[0], s[0]
    first_layer = ((mc - ms).norm() + (sc - ss).norm()).item()
    only_first = style_statistics_distance(encoder, content, style, ["relu1_1"]).item()
    assert only_first == pytest.approx(first_layer, rel=1e-5)

def _disk(h, w, cy, cx, r):
    yy, xx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    return ((yy - cy) ** 2 + (xx - cx) ** 2) <= r * r


def test_tone_loss_ignores_one_tone_curve_and_sees_a_local_blob():
    torch.manual_seed(2)
    photo = torch.rand(1, 3, 48, 64) * 0.6 + 0.2
    # a global affine relighting of the luma (every channel a·x + b) costs nothing
    assert losses.tone_loss(0.5 * photo + 0.4, photo, 3.0).item() < 1e-10
    # by hand: a flat photo and an output that is the same flat grey except for a black disk
    flat = torch.full((1, 3, 48, 64), 0.5)
    blob = flat.clone()
    blob[..., _disk(48, 64, 24, 32, 6)] = 0.0
    small = flat.clone()
    small[..., _disk(48, 64, 24, 32, 3)] = 0.0
    # the photo's low-pass luma is constant, so the fit is the output's mean: L = its variance after the blur
    low = gaussian_blur((blob * torch.tensor(losses.LUMA).view(1, 3, 1, 1)).sum(1, keepdim=True), [19, 19], [3.0, 3.0])
    assert losses.tone_loss(blob, flat, 3.0).item() == pytest.approx(low.var(unbiased=False).item(), rel=1e-4)
    assert losses.tone_loss(blob, flat, 3.0) > 2 * losses.tone_loss(small, flat, 3.0) > 0


@pytest.mark.parametrize("loss, setting, message", [(losses.tone_loss, 2.0, "sigma must be positive"),
                                                     (losses.flat_texture_loss, 0.012, "threshold must be positive")],
                         ids=["tone", "flat"])
def test_a_photo_guided_loss_takes_the_photo_as_a_target_and_refuses_bad_input(loss, setting, message):
    torch.manual_seed(5)
    x = torch.rand(1, 3, 16, 16).requires_grad_()
    target = torch.full((1, 3, 16, 16), 0.5).requires_grad_()  # flat: both terms see all of x
    loss(x, target, setting).backward()
    assert x.grad.abs().sum() > 0 and target.grad is None
    with pytest.raises(StylelabError, match="one size"):
        loss(torch.rand(1, 3, 16, 16), torch.rand(1, 3, 16, 20), setting)
    with pytest.raises(StylelabError, match=message):
        loss(torch.rand(1, 3, 16, 16), torch.rand(1, 3, 16, 16), 0.0)


# each photo-guided term: its settings, the direct call it must equal (32-px images), its bad setting and message
PHOTO_GUIDED_TERMS = {
    "tone": (3, dict(tone_weight=5.0, tone_sigma=0.1), lambda x, c: losses.tone_loss(x, c, 3.2), 5.0,
             dict(tone_sigma=0.7), "tone_sigma"),
    "flat": (4, dict(flat_weight=30.0, flat_threshold=0.2), lambda x, c: losses.flat_texture_loss(x, c, 0.2), 30.0,
             dict(flat_threshold=0.0), "flat_threshold"),
    "spot": (6, dict(spot_weight=40.0, spot_surround=0.1, spot_margin=0.0),
             lambda x, c: losses.spot_loss(x, c, 3.2, 0.0), 40.0, dict(spot_surround=0.7), "spot_surround"),
}


@pytest.mark.parametrize("term", list(PHOTO_GUIDED_TERMS))
def test_a_photo_guided_term_joins_the_total_only_when_weighted(encoder, term):
    seed, settings, direct, weight, bad, bad_message = PHOTO_GUIDED_TERMS[term]
    torch.manual_seed(seed)
    style, content, x = torch.rand(1, 3, 32, 32), torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32)
    cfg = PerceptualConfig(content_layer="relu2_1", style_layers=("relu1_1",), style_weight=2.0, **settings)
    out = PerceptualLoss(encoder, cfg, [style])(x, content, 0)
    assert out[term].item() == pytest.approx(direct(x, content).item(), rel=1e-5)
    assert out["total"].item() == pytest.approx(out["content"].item() + 2 * out["style"].item()
                                                + weight * out[term].item(), rel=1e-5)
    plain = PerceptualLoss(encoder, PerceptualConfig(content_layer="relu2_1", style_layers=("relu1_1",)), [style])
    assert term not in plain(x, content, 0)
    with pytest.raises(StylelabError, match="give content"):
        PerceptualLoss(encoder, cfg, [style])(x, style_ids=0)
    with pytest.raises(StylelabError, match=bad_message):
        PerceptualLoss(encoder, PerceptualConfig(**bad))
    with pytest.raises(StylelabError, match=f"{term}_weight must be non-negative"):
        PerceptualLoss(encoder, PerceptualConfig(**{f"{term}_weight": -1.0}))


def _checker(h, w, amplitude):
    yy, xx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    return (0.5 + amplitude * (1 - 2 * ((yy + xx) % 2))).float().expand(1, 3, h, w).clone()


def test_flat_texture_loss_by_hand_and_only_where_the_photo_is_flat():
    # a grey checkerboard of ±a: a 5 × 5 window holds 13 of one sign and 12 of the other, so the window mean is
    # ±a/25 and the fine texture ±24a/25 everywhere (reflection keeps the checkerboard); on a flat photo m = 1
    flat = torch.full((1, 3, 32, 48), 0.4)
    out = _checker(32, 48, 0.1)
    assert losses.flat_texture_loss(out, flat, 0.012).item() == pytest.approx((0.96 * 0.1) ** 2, rel=1e-5)
    assert losses.flat_texture_loss(flat, flat, 0.012).item() == pytest.approx(0.0, abs=1e-12)
    # photo: flat on the left half, a strong checkerboard on the right; output texture on the right only
    photo = flat.clone()
    photo[..., 24:] = _checker(32, 24, 0.3)
    textured_right = flat.clone()
    textured_right[..., 24:] = _checker(32, 24, 0.1)
    textured_left = flat.clone()
    textured_left[..., :24] = _checker(32, 24, 0.1)
    right, left = (losses.flat_texture_loss(o, photo, 0.012).item() for o in (textured_right, textured_left))
    assert right < 0.05 * left  # texture along the photo's own texture costs (almost) nothing
    assert left == pytest.approx((0.96 * 0.1) ** 2, rel=0.1)


def test_a_wider_flat_window_excuses_texture_near_the_photos_edges(encoder):
    # photo: flat on the left (columns 0-23), a strong checkerboard from column 24; the output draws a checkerboard
    # band in columns 12-17, 7-12 px from that edge
    flat = torch.full((1, 3, 32, 48), 0.4)
    photo = flat.clone()
    photo[..., 24:] = _checker(32, 24, 0.3)
    band = flat.clone()
    band[..., 12:18] = _checker(32, 6, 0.1)
    narrow, wide = (losses.flat_texture_loss(band, photo, 0.012, window=w).item() for w in (9, 33))
    # 9 × 9: the band's whole neighbourhood is flat, m = 1 on it and on the 4 px beyond it; the 24 flat columns
    # (m ≈ 1) share the band's energy, so L lies between (6 / 24) and (8 / 20) of the band's mean h² (the band's
    # edges see the flat grey around them, their h is smaller than the inner 24a/25)
    assert 6 / 24 * (0.96 * 0.1) ** 2 * 0.6 < narrow < 8 / 20 * (0.1) ** 2
    # 33 × 33: every pixel of the band has the photo's checkerboard within its box, m ≈ 0 there
    assert wide < 0.05 * narrow
    # on a photo flat everywhere the window does not matter
    assert losses.flat_texture_loss(band, flat, 0.012, window=33).item() == pytest.approx(
        losses.flat_texture_loss(band, flat, 0.012, window=9).item(), rel=1e-6)
    with pytest.raises(StylelabError, match="odd number of pixels"):
        losses.flat_texture_loss(band, photo, 0.012, window=8)
    with pytest.raises(StylelabError, match="needs images over 32 px"):
        losses.flat_texture_loss(band, photo, 0.012, window=65)
    with pytest.raises(StylelabError, match="flat_window is an odd number"):
        PerceptualLoss(encoder, PerceptualConfig(flat_window=0))


def _spot_loss_reference(output, photo, surround, margin, blur):
    """losses.spot_loss written again with SciPy's Gaussian (mirror padding = torch's reflect; truncate 3)."""
    def departure(image):
        image = image[0].double().numpy()
        wide = ndimage.gaussian_filter(image, sigma=(0, surround, surround), mode="mirror", truncate=3.0)
        return np.linalg.norm(ndimage.gaussian_filter(image - wide, sigma=(0, blur, blur), mode="mirror",
                                                      truncate=3.0), axis=0)
    return float(np.mean(np.maximum(departure(output) - departure(photo) - margin, 0.0) ** 2))


def test_spot_loss_against_a_scipy_reference():
    torch.manual_seed(8)
    photo, out = torch.rand(1, 3, 40, 56), torch.rand(1, 3, 40, 56)
    out[..., 10:20, 30:42] = torch.tensor([0.9, 0.1, 0.6]).view(3, 1, 1)  # a solid patch: r > 0 somewhere
    for margin in (0.0, 0.05):
        value = losses.spot_loss(out, photo, 3.0, margin, blur=2.0).item()
        assert value > 0
        assert value == pytest.approx(_spot_loss_reference(out, photo, 3.0, margin, 2.0), rel=1e-4)


def test_spot_loss_prices_a_solid_patch_of_any_colour_not_a_weave_a_relighting_or_the_photos_own():
    flat = torch.full((1, 3, 48, 64), 0.5)
    dark, pink, weave = flat.clone(), flat.clone(), flat.clone()
    dark[..., _disk(48, 64, 24, 32, 6)] = 0.2                                   # RGB departure (−.3, −.3, −.3)
    pink[..., _disk(48, 64, 24, 32, 6)] = torch.tensor([0.5 + 0.135 ** 0.5, 0.5 - 0.135 ** 0.5,
                                                         0.5]).view(3, 1)  # (+x, −x, 0), 2x² = 3 · 0.3²
    weave[..., 12:36, 16:48] = _checker(24, 32, 0.3)                # ±0.3, as strong as the disk
    blob = losses.spot_loss(dark, flat, 8.0, 0.1)
    assert blob > 0
    # the departure is linear in the patch's RGB vector, so a pink patch of the same length costs the same
    assert losses.spot_loss(pink, flat, 8.0, 0.1).item() == pytest.approx(blob.item(), rel=1e-5)
    # a weave's threads cancel under the 2-px blur; a relit image departs nowhere; the photo's own disk is excused
    assert losses.spot_loss(weave, flat, 8.0, 0.1).item() == 0.0
    assert losses.spot_loss(flat * 0.6 + 0.3, flat, 8.0, 0.0).item() == pytest.approx(0.0, abs=1e-12)
    assert losses.spot_loss(dark, dark.clone(), 8.0, 0.0).item() == 0.0
    # a wider margin forgives more
    assert 0 < losses.spot_loss(dark, flat, 8.0, 0.2) < blob < losses.spot_loss(dark, flat, 8.0, 0.0)
    x = dark.clone().requires_grad_()
    target = flat.clone().requires_grad_()
    losses.spot_loss(x, target, 8.0, 0.1).backward()
    assert x.grad.abs().sum() > 0 and target.grad is None


@pytest.mark.parametrize("args, message", [
    (((1, 3, 32, 32), (1, 3, 32, 40), 4.0, 0.1), "one shape"),
    (((1, 3, 32, 32), (1, 3, 32, 32), 0.0, 0.1), "positive pixel counts"),
    (((1, 3, 32, 32), (1, 3, 32, 32), 4.0, -0.1), "non-negative RGB distance"),
    (((1, 3, 32, 32), (1, 3, 32, 32), 11.0, 0.1), "needs images over 33 px"),
], ids=["shape", "surround", "margin", "too small"])
def test_spot_loss_refuses_bad_input_in_one_line(args, message):
    out_shape, photo_shape, surround, margin = args
    with pytest.raises(StylelabError, match=message):
        losses.spot_loss(torch.rand(out_shape), torch.rand(photo_shape), surround, margin)
