import pytest
import torch
import torch.nn.functional as F

from stylelab import losses, norms
from stylelab.errors import StylelabError


def test_mean_std_is_the_slide_formula_by_hand():
    x = torch.tensor([1.0, 2.0, 3.0, 6.0]).view(1, 1, 2, 2)
    mean, std = norms.mean_std(x, eps=0.0)
    assert mean.item() == pytest.approx(3.0)
    assert std.item() == pytest.approx(((4 + 1 + 0 + 9) / 4) ** 0.5)  # 1/HW Σ (x − μ)², no Bessel
    _, std_eps = norms.mean_std(x, eps=0.5)
    assert std_eps.item() == pytest.approx((14 / 4 + 0.5) ** 0.5)  # ε inside the root


def test_instance_norm_matches_torch():
    x = torch.randn(3, 5, 7, 6) * 4 + 2
    assert torch.allclose(norms.instance_norm(x), torch.nn.InstanceNorm2d(5)(x), atol=1e-5)
    module = norms.InstanceNorm(5)
    with torch.no_grad():
        module.weight.uniform_()
        module.bias.uniform_()
    reference = torch.nn.InstanceNorm2d(5, affine=True)
    reference.load_state_dict({"weight": module.weight, "bias": module.bias})
    assert torch.allclose(module(x), reference(x), atol=1e-5)


def test_batch_norm_matches_torch_training_mode():
    x = torch.randn(4, 3, 5, 5) * 2 - 1
    reference = torch.nn.BatchNorm2d(3, affine=False).train()
    assert torch.allclose(norms.batch_norm(x), reference(x), atol=1e-5)


def test_in_normalises_each_sample_bn_only_the_batch():
    x = torch.randn(4, 3, 8, 8) * torch.tensor([1.0, 3, 5, 7]).view(4, 1, 1, 1) + torch.arange(4.0).view(4, 1, 1, 1)
    mean, std = norms.mean_std(norms.instance_norm(x))
    assert torch.allclose(mean, torch.zeros_like(mean), atol=1e-5)
    assert torch.allclose(std, torch.ones_like(std), atol=1e-3)
    bn_mean, bn_std = norms.mean_std(norms.batch_norm(x))
    assert bn_mean.std() > 0.1 and bn_std.std() > 0.1  # per-sample statistics ("style") survive BN


def test_adain_takes_the_style_statistics():
    x = torch.randn(2, 4, 6, 6) * 3 + 1
    y = torch.randn(2, 4, 9, 5) * 0.5 - 2
    out = norms.adain(x, y)
    out_mean, out_std = norms.mean_std(out)
    y_mean, y_std = norms.mean_std(y)
    assert torch.allclose(out_mean, y_mean, atol=1e-5)
    assert torch.allclose(out_std, y_std, atol=1e-3)
    x_mean, x_std = norms.mean_std(x)
    assert torch.allclose(out, y_std * (x - x_mean) / x_std + y_mean)  # σ(y)((x − μ(x))/σ(x)) + μ(y)
    assert torch.allclose(norms.AdaIN()(x, y), out)


def test_adain_broadcasts_one_style_and_rejects_mismatch():
    out = norms.adain(torch.randn(3, 4, 5, 5), torch.randn(1, 4, 7, 7))
    assert out.shape == (3, 4, 5, 5)
    with pytest.raises(StylelabError, match="matching batch and channels"):
        norms.adain(torch.randn(2, 4, 5, 5), torch.randn(2, 3, 5, 5))
    with pytest.raises(StylelabError, match=r"\(N, C, H, W\)"):
        norms.adain(torch.randn(4, 5, 5), torch.randn(4, 5, 5))


def test_conditional_instance_norm_uses_each_styles_gamma_beta():
    cin = norms.ConditionalInstanceNorm(num_features=2, num_styles=3)
    with torch.no_grad():
        cin.weight.copy_(torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
        cin.bias.copy_(torch.tensor([[0.0, 0.5], [1.0, 1.5], [2.0, 2.5]]))
    x = torch.randn(2, 2, 4, 4)
    normalised = norms.instance_norm(x)
    out = cin(x, torch.tensor([2, 0]))
    assert torch.allclose(out[0], normalised[0] * torch.tensor([5.0, 6.0]).view(2, 1, 1) + torch.tensor([2.0, 2.5]).view(2, 1, 1))
    assert torch.allclose(out[1], normalised[1] * torch.tensor([1.0, 2.0]).view(2, 1, 1) + torch.tensor([0.0, 0.5]).view(2, 1, 1))
    assert torch.allclose(cin(x, 1), cin(x, torch.tensor([1, 1])))
    mixed = cin(x, torch.tensor([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]]))  # convex combination of styles 0 and 1
    assert torch.allclose(mixed, normalised * torch.tensor([2.0, 3.0]).view(1, 2, 1, 1) + torch.tensor([0.5, 1.0]).view(1, 2, 1, 1))
    with pytest.raises(StylelabError, match="out of range"):
        cin(x, 3)


def test_gram_matrix_by_hand():
    f = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).view(1, 2, 1, 2)  # C=2, H=1, W=2
    expected = torch.tensor([[1.0 + 4, 3 + 8], [3 + 8, 9 + 16]])  # G = F Fᵀ, unnormalised as in the paper
    assert torch.allclose(losses.gram_matrix(f)[0], expected)


def test_gram_layer_loss_is_the_papers_E_l_by_hand():
    # F: N_l = 2 channels, M_l = 3 positions
    f = torch.tensor([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]]).view(1, 2, 1, 3)
    # G = F Fᵀ = [[5, 2], [2, 2]]; a target A = [[1, 0], [0, 4]]
    a = torch.tensor([[1.0, 0.0], [0.0, 4.0]])[None]
    # E_l = 1/(4 N² M²) Σ (G − A)² = (16 + 4 + 4 + 4) / (4 · 4 · 9) = 28 / 144
    assert losses.gram_layer_loss(f, a).item() == pytest.approx(28 / 144)
    # a style image with twice the positions: A is rescaled by M_l / M_s = 1/2 first
    assert losses.gram_layer_loss(f, 2 * a, target_positions=6).item() == pytest.approx(28 / 144)
    # layer weights: Σ_l w_l E_l
    total = losses.gram_style_loss({"relu1_1": f, "relu2_1": f}, {"relu1_1": a, "relu2_1": a},
                                   {"relu1_1": 0.25, "relu2_1": 0.5})
    assert total.item() == pytest.approx(0.75 * 28 / 144)


def test_content_and_gram_style_losses_by_hand():
    a = torch.zeros(1, 1, 1, 2)
    b = torch.tensor([1.0, 3.0]).view(1, 1, 1, 2)
    assert losses.content_loss(b, a).item() == pytest.approx((1 + 9) / 2)
    grams = {"relu1_1": losses.gram_matrix(a)}
    # G(b) = 1 + 9 = 10; target 0; E = 10² / (4 · 1² · 2²) = 6.25, weighted by 0.5
    assert losses.gram_style_loss({"relu1_1": b}, grams, {"relu1_1": 0.5}).item() == pytest.approx(3.125)


def test_mean_std_style_loss_by_hand():
    generated = {"l": torch.tensor([0.0, 2.0]).view(1, 1, 1, 2)}  # μ = 1, σ = 1
    style = {"l": torch.tensor([3.0, 3.0]).view(1, 1, 1, 2)}  # μ = 3, σ = 0
    expected = (1 - 3) ** 2 + ((1 + norms.EPS) ** 0.5 - norms.EPS ** 0.5) ** 2
    assert losses.mean_std_style_loss(generated, style).item() == pytest.approx(expected, rel=1e-5)
    assert losses.mean_std_style_loss(style, style).item() == pytest.approx(0.0, abs=1e-10)


def test_total_variation_by_hand():
    image = torch.tensor([[0.0, 1.0], [1.0, 3.0]]).view(1, 1, 2, 2)
    # vertical |1−0|, |3−1| → mean 1.5; horizontal |1−0|, |3−1| → mean 1.5
    assert losses.total_variation(image).item() == pytest.approx(3.0)
    assert losses.total_variation(torch.ones(1, 3, 4, 4)).item() == 0.0


def test_losses_have_gradients_like_torch_ops():
    x = torch.randn(1, 3, 4, 4, requires_grad=True)
    target = torch.randn(1, 3, 4, 4)
    losses.content_loss(x, target).backward()
    assert torch.allclose(x.grad, 2 * (x - target).detach() / x.numel())
    assert F.mse_loss(x, target).item() == pytest.approx(losses.content_loss(x, target).item())


def test_mean_std_layer_loss_per_sample_averages_to_the_batch_loss():
    """The perceptual loss's per-sample mean/std path (reduction="none") is the same loss as AdaIN's."""
    generator = torch.Generator().manual_seed(0)
    features, style = torch.randn(3, 5, 6, 7, generator=generator), torch.randn(3, 5, 4, 4, generator=generator) * 2 + 1
    mean, std = norms.mean_std(style)
    per_sample = losses.mean_std_layer_loss(features, mean, std, reduction="none")
    assert per_sample.shape == (3,)
    assert per_sample.mean().item() == pytest.approx(losses.mean_std_layer_loss(features, mean, std).item(), rel=1e-6)
    assert losses.mean_std_style_loss({"l": features}, {"l": style}).item() == pytest.approx(per_sample.mean().item(), rel=1e-6)
    one_style = losses.mean_std_layer_loss(features, mean[:1], std[:1], reduction="none")  # one style for the batch
    assert one_style[1].item() == pytest.approx(losses.mean_std_layer_loss(features[1:2], mean[:1], std[:1]).item(), rel=1e-6)


def test_peak_excess_by_hand():
    # one channel [0, 0, 0, 4]: μ = 1, σ = sqrt(3 + ε), the peak's z = 3 / σ ≈ 1.732; τ = 1 leaves 0.732²
    x = torch.tensor([0.0, 0.0, 0.0, 4.0]).view(1, 1, 2, 2)
    z = 3 / (3 + norms.EPS) ** 0.5
    assert norms.peak_excess(x, 1.0).item() == pytest.approx((z - 1) ** 2, rel=1e-6)
    assert norms.peak_excess(x, 2.0).item() == 0.0
    # a mean over samples and channels: a second, flat channel adds nothing but halves the mean
    two = torch.cat([x, torch.ones_like(x)], dim=1)
    assert norms.peak_excess(two, 1.0).item() == pytest.approx((z - 1) ** 2 / 2, rel=1e-6)


def test_a_lone_spike_stands_out_as_sqrt_of_the_pixel_count():
    # the droplet's growth with the image: one pixel of any height in an N-pixel zero map has z = sqrt(N − 1)
    for side in (16, 32, 64):
        x = torch.zeros(1, 1, side, side)
        x[0, 0, 3, 5] = 100.0  # tall enough that σ's ε is negligible
        assert norms.peak_excess(x, 0.0).sqrt().item() == pytest.approx((side * side - 1) ** 0.5, rel=1e-4)


def test_norm_input_peaks_collects_every_instance_norm_input():
    conv = torch.nn.Conv2d(3, 4, 3)
    net = torch.nn.Sequential(conv, norms.InstanceNorm(4), torch.nn.Conv2d(4, 4, 1), norms.InstanceNorm(4))
    x = torch.randn(2, 3, 12, 12)
    first = conv(x)
    second = net[2](norms.instance_norm(first))  # γ = 1, β = 0: the first norm's output
    expected = (norms.peak_excess(first, 1.0) + norms.peak_excess(second, 1.0)) / 2
    peaks = norms.NormInputPeaks(net, threshold=1.0)
    net(x)
    assert peaks.take().item() == pytest.approx(expected.item(), rel=1e-6)
    with pytest.raises(StylelabError, match="no forward pass"):
        peaks.take()
    peaks.remove()
    net(x)
    with pytest.raises(StylelabError, match="no forward pass"):
        peaks.take()
    with pytest.raises(StylelabError, match="no instance norm"):
        norms.NormInputPeaks(torch.nn.Sequential(torch.nn.Conv2d(3, 3, 1), torch.nn.BatchNorm2d(3)), 1.0)
    # ``within``: only the norms inside the named submodules (here the second norm, module "3")
    later = norms.NormInputPeaks(net, threshold=1.0, within=("3",))
    net(x)
    assert later.take().item() == pytest.approx(norms.peak_excess(second, 1.0).item(), rel=1e-6)
    with pytest.raises(StylelabError, match="no instance norm within 7"):
        norms.NormInputPeaks(net, 1.0, within=("7",))


def test_leaky_conditional_instance_norm_adds_its_leak_times_the_centred_input():
    torch.manual_seed(0)
    x = torch.randn(2, 4, 5, 6) * 3 + 1
    plain = norms.ConditionalInstanceNorm(4, 2)
    leaky = norms.ConditionalInstanceNorm(4, 2, leak=True)
    leaky.load_state_dict({**plain.state_dict(), "leak": torch.zeros(4)})
    assert torch.equal(leaky(x, 1), plain(x, 1))            # ℓ = 0: plain CIN, so a trained net starts unchanged
    leak = torch.tensor([0.0, 0.5, -1.0, 2.0])
    with torch.no_grad():
        leaky.leak.copy_(leak)
    centred = x - x.mean(dim=(2, 3), keepdim=True)
    assert torch.allclose(leaky(x, 1) - plain(x, 1), leak.view(1, -1, 1, 1) * centred, atol=1e-5)
    # the leaky path keeps the channel's scale: doubling x doubles it, while CIN's part is unchanged
    assert torch.allclose(leaky(2 * x, 1) - plain(2 * x, 1), 2 * leak.view(1, -1, 1, 1) * centred, atol=1e-5)
    assert plain.state_dict().keys() == {"weight", "bias"}    # a plain CIN file has no ℓ to carry


def test_clipped_statistics_ignore_a_narrow_spike_that_plain_statistics_obey():
    # by hand: 99 values alternating ±1 and one spike of 100. Plain σ ≈ 10 is all spike; with k = 3 the spike
    # is clipped to μ + 3σ ≈ 31 (bounds from the plain statistics), leaving σ̃ ≈ sqrt(10.6 − 0.32²) ≈ 3.24
    x = torch.tensor([(-1.0) ** i for i in range(99)] + [100.0]).view(1, 1, 10, 10)
    mean, std = norms.mean_std(x)
    assert std.item() == pytest.approx(9.9985, abs=1e-3)    # sqrt(E[x²] − μ²) = sqrt((99 + 1e4)/100 − 1.01²)
    bound = mean + 3 * std
    clipped = torch.cat([x.flatten()[:99], bound.flatten()])
    expected_mean, expected_std = clipped.mean(), clipped.var(unbiased=False).add(norms.EPS).sqrt()
    mean_c, std_c = norms.clipped_mean_std(x, 3.0)
    assert mean_c.item() == pytest.approx(expected_mean.item(), rel=1e-5)
    assert std_c.item() == pytest.approx(expected_std.item(), rel=1e-5)
    assert std_c.item() == pytest.approx(3.2405, abs=1e-3)
    assert std_c.item() < std.item() / 3                    # the spike's say in the channel's scale is cut 3×
    # a layer with clip=k normalises by them; its gradient flows through the clipped values, not the bounds
    layer = norms.ConditionalInstanceNorm(1, 2, clip=3.0)
    x.requires_grad_(True)
    out = layer(x, 0)
    assert torch.allclose(out, (x - mean_c) / std_c, atol=1e-5)
    out.square().sum().backward()
    assert torch.isfinite(x.grad).all()
    # a wide bound clips nothing: plain CIN exactly, so k only matters where a value is far out
    torch.manual_seed(0)
    wide, plain = norms.ConditionalInstanceNorm(4, 2, clip=50.0), norms.ConditionalInstanceNorm(4, 2)
    y = torch.randn(2, 4, 6, 6)
    assert torch.allclose(wide(y, 1), plain(y, 1), atol=1e-6)
    assert "clip=50" in repr(wide) and wide.state_dict().keys() == plain.state_dict().keys()
    with pytest.raises(StylelabError, match="standard deviations"):
        norms.ConditionalInstanceNorm(4, 2, clip=0.5)
