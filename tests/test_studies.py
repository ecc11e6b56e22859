"""Notebook studies (stylelab.studies): hand-checkable pieces of notebooks 00 and 01."""

import pytest
import torch

from stylelab import encoders
from stylelab.losses import gram_layer_loss, gram_matrix
from stylelab.norms import instance_norm
from stylelab.studies import gatys as gatys_study
from stylelab.studies import normalization as study

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # see conftest.py


def test_gram_column_is_gatys_e_l_and_survives_instance_norm():
    torch.manual_seed(0)
    a = torch.randn(1, 4, 6, 6)
    # Image b: the same channels' statistics but with channels 0 and 1 made identical (fully correlated).
    b = torch.randn(1, 4, 6, 6)
    b[:, 1] = b[:, 0]
    rows = study.style_distance_rows({"l": torch.cat([a, b])}, ["a", "b"])
    (row,) = rows
    assert row["L_s after IN"] < 1e-6 * max(row["L_s raw"], 1)  # IN resets exactly what L_s measures
    assert row["Gram E after IN"] > 0.01  # ... but not the channel correlations
    x = torch.cat([a, b])
    x = x / x.square().mean().sqrt()
    assert row["Gram E raw"] == pytest.approx(gram_layer_loss(x[:1], gram_matrix(x[1:])).item(), rel=1e-5)
    n = instance_norm(torch.cat([a, b]))
    n = n / n.square().mean().sqrt()
    assert row["Gram E after IN"] == pytest.approx(gram_layer_loss(n[:1], gram_matrix(n[1:])).item(), rel=1e-5)


def test_dead_channels_are_counted_per_image_and_layer():
    x = torch.rand(2, 3, 4, 4)
    x[0, 1] = 0.0  # a ReLU that never fires in image 0
    x[1, :2] = 5.0
    assert study.dead_channel_rows({"relu1_1": x}, ["p", "q"]) == [{"image": "p", "relu1_1": "1/3"},
                                                                 {"image": "q", "relu1_1": "2/3"}]


def test_cin_net_learns_a_different_gamma_beta_per_style_with_shared_convolutions():
    encoder = encoders.build_encoder("random", seed=0, last_layer="relu2_1")
    torch.manual_seed(0)
    content = torch.rand(1, 3, 16, 16)
    styles = torch.stack([torch.full((3, 16, 16), 0.1), torch.full((3, 16, 16), 0.9)]) + 0.05 * torch.rand(2, 3, 16, 16)
    config = study.CINTraining(steps=15, train_size=16, style_layers=("relu1_1",), content_layer="relu2_1")
    net, history = study.train_cin(encoder, content, styles, config, progress=False)
    assert history[-1] < history[0]
    assert not torch.allclose(net.norm1.weight[0], net.norm1.weight[1])  # one (γˢ, βˢ) per style index
    with torch.no_grad():
        dark, light = net(content, 0), net(content, 1)
    assert dark.mean() < light.mean()  # style 0 is the dark one
    rows = study.cin_parameter_rows(net, ["dark", "light"])
    assert rows[-1]["style"].startswith("shared conv weights:")


def test_correlation_length_grows_with_the_structure_size():
    fine = torch.zeros(1, 3, 32, 32)
    fine[..., ::2, :] = 1.0  # stripes 1 px wide
    coarse = torch.zeros(1, 3, 32, 32)
    coarse[..., (torch.arange(32) // 8) % 2 == 0, :] = 1.0  # stripes 8 px wide
    assert gatys_study.correlation_length(fine) == 1.0
    assert gatys_study.correlation_length(coarse) > 3


def test_colour_histogram_distance_is_zero_for_the_same_colours_and_one_for_disjoint_ones():
    x = torch.rand(1, 3, 8, 8)
    assert gatys_study.colour_histogram_distance(x, x.flip(-1)) == pytest.approx(0.0, abs=1e-6)
    assert gatys_study.colour_histogram_distance(torch.zeros(1, 3, 4, 4), torch.ones(1, 3, 4, 4)) == pytest.approx(1.0)


def test_paper_alpha_over_beta_gives_a_loss_proportional_to_ours():
    """Our normalised loss and the paper's eq. 7 with the converted α/β differ only by a constant factor."""
    from stylelab.methods import gatys

    encoder = encoders.build_encoder("random", seed=0)
    torch.manual_seed(0)
    content, style = torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32)
    config = gatys.GatysConfig(style_weight=100.0, content_layer="relu2_2", style_layers=("relu1_1", "relu2_1"))
    ratio = gatys_study.paper_alpha_over_beta(encoder, content, style, config)
    ours = gatys.GatysObjective(encoder, config, content, style)
    raw = gatys.GatysObjective(encoder, gatys.GatysConfig(**{**config.__dict__, "normalize": "none"}), content, style)

    def paper(x):  # α' ½ Σ (F − P)² + β' Σ w_l E_l with α' = ratio, β' = 1
        terms = raw(x)
        return ratio * 0.5 * raw.content_target.numel() * terms["content"] + terms["style"]

    x1, x2 = torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32)
    k1, k2 = (ours(x)["total"] / paper(x) for x in (x1, x2))
    assert k1.item() == pytest.approx(k2.item(), rel=1e-4)


def test_style_layer_shares_sum_to_one_and_average_pooling_replaces_max_pooling():
    encoder = encoders.build_encoder("random", seed=0)
    shares = gatys_study.style_layer_shares(encoder, torch.rand(1, 3, 32, 32))
    assert list(shares) == list(encoders.STYLE_LAYERS) and sum(shares.values()) == pytest.approx(1.0)
    avg = gatys_study.with_average_pooling(encoder)
    kinds = {type(m).__name__ for name, m in avg.layers.items() if name.startswith("pool")}
    assert kinds == {"AvgPool2d"} and any(type(m).__name__ == "MaxPool2d" for m in encoder.layers.values())


def _random_adain_model():
    from stylelab.methods import adain

    encoder = encoders.build_encoder("random", seed=0, last_layer="relu4_1")
    torch.manual_seed(0)
    return encoder, adain.AdaINModel(encoder, adain.build_decoder().eval())


def test_adain_study_grid_interpolation_and_speed_rows(mirror):
    from stylelab.studies import adain as adain_study

    encoder, model = _random_adain_model()
    g = torch.Generator().manual_seed(0)
    contents = [torch.rand(1, 3, 24, 32, generator=g) for _ in range(2)]
    styles = [torch.rand(1, 3, 16, 16, generator=g) for _ in range(4)]
    outputs, rows = adain_study.style_grid(model, encoder, contents, styles, ["a", "b"], [f"style/s{i}" for i in range(4)])
    assert [r["content"] for r in rows] == ["a", "b"] and set(rows[0]) == {"content", "s0", "s1", "s2", "s3"}
    assert outputs[1][3].shape == contents[1].shape
    low, high = adain_study.ratio_range(rows)
    assert 0 <= low <= high
    grid = adain_study.interpolation_grid(model, contents[0], styles, 3)
    from stylelab.methods import adain

    # the corners are the pure styles, exactly
    assert torch.allclose(grid[0][2], adain.stylize(model, contents[0], styles[1]), atol=1e-6)
    assert torch.allclose(grid[2][0], adain.stylize(model, contents[0], styles[2]), atol=1e-6)
    speed = adain_study.speed_rows(adain_study.speed_report(None, encoder, [32], device="cpu", repeats=1))
    assert speed[0]["size"] == 32 and speed[0]["ours (s)"] > 0 and speed[0]["paper, Titan X (s)"] is None


def test_adain_decoder_rows_mirror_the_encoder():
    from stylelab.studies import adain as adain_study

    _, model = _random_adain_model()
    rows = adain_study.decoder_rows(model.decoder)
    assert sum(r["parameters"] for r in rows) == sum(p.numel() for p in model.decoder.parameters())
    assert [r["in → out"] for r in rows if r["layer"].startswith("conv")][0] == "512 → 256"
    assert sum(r["layer"].startswith("upsample") for r in rows) == 3  # three poolings undone
