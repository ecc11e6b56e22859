"""Conditional instance norm (Dumoulin et al.): a style is its γ, β; adding one leaves every other
number bit-identical; mixing weights are validated and (1, 0, …) is style 0 exactly; training falls;
the command line writes a CIN model that reloads."""

import pytest
import torch
from PIL import Image

from stylelab import cli
from stylelab.datasets import RandomCropDataset, photo_entries
from stylelab.encoders import build_encoder
from stylelab.errors import StylelabError
from stylelab.methods import cin, feedforward
from stylelab.methods.feedforward import FeedForwardConfig, TrainedNet
from stylelab.nets import TransformNet, count_parameters


@pytest.fixture(scope="module")
def encoder():
    return build_encoder("random", seed=0, last_layer="relu4_3")


def _image(path, seed, size=(40, 40)):
    generator = torch.Generator().manual_seed(seed)
    array = (torch.rand(*size, 3, generator=generator) * 255).to(torch.uint8).numpy()
    Image.fromarray(array).save(path)
    return str(path)


@pytest.fixture
def photos(tmp_path):
    return [_image(tmp_path / f"photo{i}.png", i, (48, 64)) for i in range(3)]


@pytest.fixture
def styles(tmp_path):
    return [_image(tmp_path / f"style{i}.png", 100 + i) for i in range(3)]


def _config(styles, **kw):
    values = dict(norm="conditional_instance", styles=tuple(styles), image_size=16, style_size=32, batch_size=2,
                  steps=4, lr=1e-2)
    values.update(kw)
    return FeedForwardConfig(**values)


def _net(num_styles, seed=0):
    """A CIN net whose styles differ (random γ, β), as after training."""
    torch.manual_seed(seed)
    net = TransformNet(norm="conditional_instance", num_styles=num_styles).eval()
    with torch.no_grad():
        for name, p in cin.style_parameters(net).items():
            p.copy_(torch.randn_like(p) * 0.3 + (1.0 if name.endswith("weight") else 0.0))
    return net


def test_adding_a_style_trains_only_its_gamma_and_beta(encoder, photos, styles, one_torch_thread):
    base = TrainedNet(_net(2), _config(styles[:2]))
    before = {k: v.clone() for k, v in base.net.state_dict().items()}
    dataset = RandomCropDataset(photos, 16, max_side=64)
    grown = cin.add_style(base, styles[2], encoder, steps=3, dataset=dataset, progress=False)
    assert grown.config.styles == tuple(styles) and cin.num_styles(grown.net) == 3 == grown.net.num_styles
    assert len(grown.history["total"]) == 3 and grown.recipe["added_styles"] == [
        {"style": styles[2], "steps": 3, "lr": base.config.lr}]
    style_names = set(cin.style_parameters(grown.net))
    after = grown.net.state_dict()
    assert set(after) == set(before)
    for name, old in before.items():
        assert torch.equal(base.net.state_dict()[name], old), f"{name}: the original net was modified"
        if name in style_names:
            assert torch.equal(after[name][:2], old), f"{name}: an old style's row moved"
            start = old.mean(0)
            assert not torch.equal(after[name][2], start), f"{name}: the new style's row did not train"
        else:
            assert torch.equal(after[name], old), f"{name}: a shared parameter moved"
    # old styles render exactly as before; the net is trainable again afterwards (hooks removed)
    x = torch.rand(1, 3, 16, 16)
    assert torch.equal(cin.stylize(grown.net, x, 1), cin.stylize(base.net, x, 1))
    grown.net(x, 0).sum().backward()
    layer = next(iter(cin.cin_layers(grown.net).values()))
    assert layer.weight.grad[0].abs().sum() > 0 and all(p.requires_grad for p in grown.net.parameters())



def test_a_new_style_takes_its_own_learning_rate(encoder, photos, styles, one_torch_thread):
    """Adam's first step moves each trained number by about the learning rate: ``lr`` replaces the net's for
    the new row alone, and is recorded; a learning rate that is not positive is refused in one line."""
    base = TrainedNet(_net(2), _config(styles[:2]))
    dataset = RandomCropDataset(photos, 16, max_side=64)
    moved = {}
    for lr in (None, 10 * base.config.lr):
        grown = cin.add_style(base, styles[2], encoder, steps=1, lr=lr, dataset=dataset, progress=False)
        start = {name: p.mean(0) for name, p in cin.style_parameters(base.net).items()}
        moved[lr] = max((p[2] - start[name]).abs().max().item()
                        for name, p in cin.style_parameters(grown.net).items())
        assert grown.recipe["added_styles"][-1]["lr"] == (lr or base.config.lr)
        assert grown.config.lr == base.config.lr  # the net's own rate stays in its config
    assert moved[None] == pytest.approx(base.config.lr, rel=0.05)
    assert moved[10 * base.config.lr] == pytest.approx(10 * base.config.lr, rel=0.05)
    with pytest.raises(StylelabError, match="learning rate must be positive"):
        cin.add_style(base, styles[2], encoder, steps=1, lr=0.0, dataset=dataset, progress=False)

def test_grown_style_starts_at_the_mean_of_the_others():
    net = _net(2)
    grown = cin.grow_styles(net, 2)
    for name, p in cin.style_parameters(grown).items():
        old = cin.style_parameters(net)[name]
        assert p.shape == (4, old.shape[1]) and torch.equal(p[:2], old)
        assert torch.equal(p[2], old.mean(0)) and torch.equal(p[3], old.mean(0))
    assert cin.num_styles(net) == 2 and cin.num_styles(grown) == 4


def test_styles_with_identical_gamma_beta_give_identical_outputs():
    net = _net(3)
    with torch.no_grad():
        for p in cin.style_parameters(net).values():
            p[1] = p[0]
    x = torch.rand(2, 3, 20, 24)
    zero = cin.stylize(net, x, 0)
    assert torch.equal(cin.stylize(net, x, 1), zero)
    assert torch.equal(cin.stylize(net, x, [0.5, 0.5, 0.0]), zero)
    assert not torch.equal(cin.stylize(net, x, 2), zero)


def test_pure_weights_reproduce_the_style_exactly():
    net = _net(3)
    x = torch.rand(2, 3, 18, 22)  # padded to multiples of 4 and cropped back
    for k in range(3):
        weights = [1.0 if j == k else 0.0 for j in range(3)]
        assert torch.equal(cin.stylize(net, x, weights), cin.stylize(net, x, k))
    assert torch.equal(cin.stylize(net, x, torch.tensor([[1.0, 0, 0], [0, 0, 1.0]])),
                       feedforward.stylize(net, x, torch.tensor([0, 2])))  # per-sample ids, same batch
    strip = cin.interpolation_strip(net, x, 0, 2, 4)
    assert len(strip) == 4 and strip[0].shape == x.shape
    assert torch.equal(strip[0], cin.stylize(net, x, 0)) and torch.equal(strip[-1], cin.stylize(net, x, 2))
    assert not torch.equal(strip[1], strip[0]) and not torch.equal(strip[1], strip[-1])


def test_blend_grid_is_bilinear_with_pure_corners():
    weights = cin.bilinear_weights([0, 1, 2, 3], 3, 4)
    assert weights.shape == (3, 3, 4)
    assert torch.allclose(weights.sum(-1), torch.ones(3, 3))
    assert torch.equal(weights[0, 0], torch.tensor([1.0, 0, 0, 0])) and torch.equal(weights[2, 2], torch.tensor([0, 0, 0, 1.0]))
    assert torch.equal(weights[0, 2], torch.tensor([0, 1.0, 0, 0])) and torch.equal(weights[2, 0], torch.tensor([0, 0, 1.0, 0]))
    assert torch.allclose(weights[1, 1], torch.full((4,), 0.25))
    net = _net(3)
    x = torch.rand(1, 3, 16, 16)
    grid = cin.blend_2d(net, x, [0, 1, 2, 2], 2)  # a repeated corner adds up
    assert len(grid) == 2 and all(len(row) == 2 for row in grid)
    assert torch.equal(grid[0][1], cin.stylize(net, x, 1)) and torch.equal(grid[1][1], cin.stylize(net, x, 2))


@pytest.mark.parametrize("weights,message", [
    ([1.2, -0.2], "non-negative"),
    ([0.5, 0.4], "sum to 1"),
    ([0.5, 0.25, 0.25], "one weight per style: got 3 for 2 styles"),
    (torch.ones(1, 1, 2) / 2, "shape"),
    ([float("nan"), 1.0], "finite"),
])
def test_invalid_weights_are_one_line_errors(weights, message):
    with pytest.raises(StylelabError, match=message) as info:
        cin.mixing_weights(weights, 2)
    assert "\n" not in str(info.value)
    with pytest.raises(StylelabError, match=message):
        cin.stylize(_net(2), torch.rand(1, 3, 8, 8), weights)


def test_valid_weights_and_ids():
    assert cin.mixing_weights((0.25, 0.75), 2).shape == (1, 2)
    assert cin.mixing_weights(torch.tensor([[1.0, 0.0], [0.3, 0.7 + 5e-5]]), 2).shape == (2, 2)
    net = _net(2)
    for bad in (2, -1):
        with pytest.raises(StylelabError, match="out of range"):
            cin.stylize(net, torch.rand(1, 3, 8, 8), bad)
    with pytest.raises(StylelabError, match="style id must be an integer"):
        cin.interpolation_strip(net, torch.rand(1, 3, 8, 8), 0, 5, 3)
    with pytest.raises(StylelabError, match="no conditional instance norm"):
        cin.style_parameters(TransformNet(norm="instance"))


def test_a_style_costs_twice_the_cin_channels():
    net = TransformNet(norm="conditional_instance", num_styles=3)
    channels = 32 + 64 + 128 + 5 * 2 * 128 + 64 + 32  # c9s1-32, d64, d128, R128 ×5 (2 norms each), u64, u32
    assert cin.count_parameters_per_style(net) == 2 * channels == 3200
    assert sum(p.numel() for p in cin.style_parameters(net).values()) == 3 * 2 * channels
    budget = cin.parameter_budget(net)
    assert budget["total"] == count_parameters(net) == budget["shared"] + 3 * budget["per_style"]
    assert budget["per_style_fraction"] < 0.01  # a style is a fraction of a percent of the net
    single = TransformNet(norm="conditional_instance", num_styles=1)
    assert count_parameters(net) - count_parameters(single) == 2 * 2 * channels


def test_cin_training_over_two_styles_lowers_the_loss(encoder, photos, styles, one_torch_thread):
    config = _config(styles[:2], steps=30)
    dataset = RandomCropDataset(photos, config.image_size, max_side=64, seed=config.seed)
    trained = feedforward.train_net(config, encoder, dataset=dataset, progress=False)
    loss = trained.history["style"]
    assert sum(loss[-5:]) / 5 < 0.7 * sum(loss[:5]) / 5
    assert cin.num_styles(trained.net) == 2


def _two_photos():
    try:
        from stylelab.datasets import training_photos

        by_name = {e.name for e in photo_entries()}
        small = [n for n in ("matplotlib-grace-hopper", "scribus-pizza") if n in by_name]
        names = small if len(small) == 2 else [e.name for e in photo_entries()[:2]]
        training_photos(names)
        return names
    except Exception:
        return None


@pytest.mark.skipif(_two_photos() is None, reason="training photos not installed (bash scripts/setup.sh)")
def test_cli_trains_a_cin_model_that_reloads(tmp_path, styles, one_torch_thread):
    out = tmp_path / "cin.pt"
    args = ["train", "--method", "cin", "--style", styles[0], "--style", styles[1], "--steps", "2",
            "--image-size", "16", "--style-size", "32", "--batch-size", "2", "--encoder", "random",
            "--out", str(out), "--photos", *_two_photos()]
    assert cli.main(args) == 0
    loaded = feedforward.load_net(out)
    assert loaded.config.norm == "conditional_instance" and loaded.config.styles == tuple(styles[:2])
    assert cin.num_styles(loaded.net) == 2 == loaded.net.num_styles
    out_mixed = cin.stylize(loaded.net, torch.rand(1, 3, 16, 16), [0.5, 0.5])
    assert out_mixed.shape == (1, 3, 16, 16)
