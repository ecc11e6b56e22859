"""EMD: shapes at the paper's sizes, the bilinear mixer, the weighted loss by hand, training."""

import math
from types import SimpleNamespace

import pytest
import torch

from stylelab.errors import StylelabError
from stylelab.fonts import emd, glyphs
from stylelab.studies import emd as study
from stylelab.fonts.data import FontData


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # see conftest.py


def test_paper_sizes_give_the_paper_shapes():
    with torch.device("meta"):  # shapes and parameter counts without allocating 178 M weights
        model = emd.EMD(r=10, image_size=80, factor=512, width=64)
        out = model(torch.zeros(50, 10, 80, 80), torch.zeros(50, 10, 80, 80))
    assert out.shape == (50, 1, 80, 80)
    assert model.content_encoder.sizes == [80, 40, 20, 10, 5, 3, 2, 1]
    assert model.content_encoder.channels == [64, 128, 256, 512, 512, 512, 512, 512]
    assert [b[0].kernel_size[0] for b in model.style_encoder.blocks] == [5, 3, 3, 3, 3, 3, 3, 3]
    assert [b[0].stride[0] for b in model.style_encoder.blocks] == [1, 2, 2, 2, 2, 2, 2, 2]
    assert all(b[0].bias is None for b in model.style_encoder.blocks)  # convs without bias, as the paper
    bn = model.style_encoder.blocks[0][1]
    assert (bn.eps, bn.momentum) == (1e-3, 0.01)  # TensorFlow's BatchNorm defaults
    assert model.mixer.weight.numel() == 512 ** 3
    rows = emd.architecture_rows(model)
    assert sum(r["parameters"] for r in rows) == sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("size,r", [(48, 4), (33, 2), (16, 1)])
def test_output_shape_and_range_for_other_sizes(size, r):
    torch.manual_seed(0)
    model = emd.EMD(r=r, image_size=size, factor=8, width=4)
    out = model(torch.rand(3, r, size, size), torch.rand(3, r, size, size))
    assert out.shape == (3, 1, size, size) and 0 < out.min() and out.max() < 1


def test_mixer_is_the_bilinear_sum():
    torch.manual_seed(0)
    mixer = emd.BilinearMixer(3)
    style, content = torch.randn(2, 3), torch.randn(2, 3)
    by_hand = torch.zeros(2, 3)
    for b in range(2):
        for k in range(3):
            by_hand[b, k] = sum(style[b, i] * content[b, j] * mixer.weight[i, j, k] for i in range(3) for j in range(3))
    assert torch.allclose(mixer(style, content), by_hand, atol=1e-6)


def test_decoder_uses_the_content_skips_and_both_encoders():
    torch.manual_seed(0)
    model = emd.EMD(r=2, image_size=16, factor=8, width=4)
    style, content = torch.rand(2, 2, 16, 16, requires_grad=True), torch.rand(2, 2, 16, 16, requires_grad=True)
    model(style, content).sum().backward()
    assert style.grad.abs().sum() > 0 and content.grad.abs().sum() > 0
    first_content_block = model.content_encoder.blocks[0][0].weight.grad
    assert first_content_block.abs().sum() > 0


def test_wrong_reference_shapes_fail_clearly():
    model = emd.EMD(r=3, image_size=16, factor=8, width=4)
    with pytest.raises(StylelabError, match=r"style_refs must have shape \(batch, r=3, 16, 16\)"):
        model(torch.rand(2, 2, 16, 16), torch.rand(2, 3, 16, 16))
    with pytest.raises(StylelabError, match="at least one"):
        emd.EMD(r=0)


def test_loss_weights_match_a_hand_computation():
    targets = torch.tensor([[[0.0, 0.2], [1.0, 1.0]],
                            [[0.4, 1.0], [1.0, 1.0]]]).unsqueeze(1)
    # Target 1: black pixels 0.0 and 0.2 → N_b = 2 + 1 = 3, mean_b = 0.2 / 3.
    # Target 2: black pixel 0.4 → N_b = 1 + 1 = 2, mean_b = 0.4 / 2 = 0.2.
    mean_1, mean_2 = 0.2 / 3, 0.2
    softmax_1 = math.exp(mean_1) / (math.exp(mean_1) + math.exp(mean_2))
    softmax_2 = 1 - softmax_1
    w_1, w_2 = (1 / 3) * softmax_1 * 2, (1 / 2) * softmax_2 * 2  # W_st · W_b · batch size
    assert torch.allclose(emd.emd_loss_weights(targets), torch.tensor([w_1, w_2]), atol=1e-6)
    output = torch.full_like(targets, 0.5)
    # Σ|output − target|: 0.5 + 0.3 + 0.5 + 0.5 = 1.8 and 0.1 + 0.5 + 0.5 + 0.5 = 1.6.
    expected = (1.8 * w_1 + 1.6 * w_2) / 2
    assert math.isclose(emd.weighted_l1_loss(output, targets).item(), expected, rel_tol=1e-6)
    assert math.isclose(emd.plain_l1_loss(output, targets).item(), (1.8 + 1.6) / 8, rel_tol=1e-6)


def test_equal_targets_get_weight_one_over_black_pixels():
    target = torch.ones(4, 1, 5, 5)
    target[:, :, :2] = 0.0  # 10 black pixels of value 0 each
    assert torch.allclose(emd.emd_loss_weights(target), torch.full((4,), 1 / 11))


# --- training through study.train_emd (training.train underneath) -------------------------------

def _toy_data(size=16, n_styles=6, n_chars=24):
    """Learnable toy glyphs: content = a random block pattern, style = ink darkness and a shift."""
    g = torch.Generator().manual_seed(0)
    patterns = torch.rand(n_chars, size // 4, size // 4, generator=g) > 0.6
    patterns = patterns.repeat_interleave(4, 1).repeat_interleave(4, 2).float()
    images = torch.empty(n_styles, n_chars, size, size, dtype=torch.uint8)
    for s in range(n_styles):
        ink = 0.35 * s / (n_styles - 1)
        shifted = torch.roll(patterns, shifts=s % 3, dims=2)
        images[s] = ((1 - shifted * (1 - ink)) * 255).round().to(torch.uint8)
    specs = [glyphs.FontSpec(f"s{k}", "zh", "known" if k < 4 else "novel", ("quick",), "fonts-x", "x.ttf", 0, "toy")
             for k in range(n_styles)]
    table = glyphs.GlyphTable(images, torch.ones(n_styles, n_chars, dtype=torch.bool), specs,
                              "".join(chr(0x4E00 + k) for k in range(n_chars)))
    return FontData(table, torch.arange(4), torch.arange(4, n_styles), torch.arange(18), torch.arange(18, n_chars), "zh")


def _toy_study(tmp_path, checkpoints=False):
    cfg = SimpleNamespace(image_size=16, r=2, batch_size=16, factor=8, width=4, lr=2e-3, bn_eps=1e-3, bn_momentum=0.1,
                          train_steps=60, test_per_split=6, checkpoint_every=4)
    return study.EMDStudy(cfg, "test", torch.device("cpu"), seed=0, checkpoint_dir=tmp_path if checkpoints else None)


def test_training_lowers_the_loss_and_beats_the_untrained_model(tmp_path):
    data, setup = _toy_data(), _toy_study(tmp_path)
    trained = study.train(setup, data, progress=False)
    losses = trained.history["loss"]
    assert len(losses) == 60 and sum(losses[-10:]) < 0.7 * sum(losses[:10])
    tests = study.test_sets(setup, data)
    rows = study.compare({"EMD": trained.predict, "untrained": lambda t: emd.predict(study.untrained(setup), t)},
                         tests)
    assert study.beats(rows, "EMD", ["untrained"], metrics=("L1", "RMSE"))


def test_training_resumes_from_its_checkpoint(tmp_path):
    data, setup = _toy_data(), _toy_study(tmp_path, checkpoints=True)
    first = study.train(setup, data, steps=6, progress=False)
    assert len(list(tmp_path.glob("emd-*.pt"))) == 1
    resumed = study.train(setup, data, steps=10, progress=False)
    assert resumed.history["loss"][:6] == first.history["loss"]
    assert len(resumed.history["loss"]) == 10
    with pytest.raises(StylelabError, match="unknown loss 'l2'"):
        study.train(setup, data, loss="l2")


def test_emd_config_is_typed_and_checked():
    config = emd.EMDConfig()
    assert (config.r, config.image_size, config.factor, config.batch_size, config.lr) == (10, 80, 512, 50, 2e-4)
    with pytest.raises(StylelabError, match="EMDConfig.steps must be a positive integer"):
        emd.EMDConfig(steps=0)
    assert config.replace(r=4).r == 4 and config.r == 10


def test_relative_to_copy_divides_by_the_baseline_on_the_same_split():
    rows = [{"method": "EMD", "split": "D3", "L1": 0.1, "RMSE": 0.2, "PDAR": 0.3},
            {"method": study.COPY, "split": "D3", "L1": 0.2, "RMSE": 0.4, "PDAR": 0.3}]
    (row,) = study.relative_to(rows)
    assert row == {"method": "EMD", "split": "D3", "L1 / copy": 0.5, "RMSE / copy": 0.5, "PDAR / copy": 1.0}


def test_style_distances_find_the_nearest_known_style():
    data = _toy_data()
    rows = {r["style"]: r for r in study.style_distances(data)}
    # Toy style s has ink darkness 0.35·s/5 and a shift of s mod 3: s4 (shift 1) is nearest to s1.
    assert rows["s4"]["split"] == "novel" and rows["s4"]["nearest known style"] == "s1"
    assert rows["s0"]["L1 to it"] > 0
