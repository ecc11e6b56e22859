"""L1, RMSE and PDAR by hand; the pix2pix baseline's shapes and a short training run."""

import math

import pytest
import torch

from stylelab.errors import StylelabError
from stylelab.fonts import metrics, pix2pix
from stylelab.studies import emd as study


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # see conftest.py


def _pair():
    output = torch.tensor([[[0.2, 0.6], [0.9, 0.4]], [[1.0, 0.0], [1.0, 1.0]]]).unsqueeze(1)
    target = torch.tensor([[[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]]]).unsqueeze(1)
    return output, target


def test_metrics_match_a_hand_computation():
    output, target = _pair()
    # Image 1: |differences| 0.2, 0.4, 0.1, 0.6; image 2 is exact.
    assert torch.allclose(metrics.l1(output, target), torch.tensor([1.3 / 4, 0.0]))
    assert torch.allclose(metrics.rmse(output, target), torch.tensor([math.sqrt((0.04 + 0.16 + 0.01 + 0.36) / 4), 0.0]))
    # Binarised at 0.5: output black at 0.2 and 0.4, target black at 0.0 → only the 0.4 pixel disagrees.
    # The paper's PDAR divides by the target's ink (1 black pixel in image 1, 1 in image 2);
    # the all-pixel fraction divides by the 4 pixels.
    assert torch.allclose(metrics.pdar(output, target), torch.tensor([1.0, 0.0]))
    assert torch.allclose(metrics.pdar_all_pixels(output, target), torch.tensor([0.25, 0.0]))
    summary = metrics.glyph_metrics(output, target, all_pixel_ratio=True)
    assert summary["L1"] == pytest.approx(1.3 / 8) and summary["PDAR"] == pytest.approx(0.5)
    assert summary["disagree/all px"] == pytest.approx(0.125)
    assert summary["RMSE"] == pytest.approx(math.sqrt(0.1425) / 2)
    assert metrics.rmse_batch(output, target) == pytest.approx(math.sqrt(0.57 / 8))


def test_pdar_divides_disagreements_by_the_target_ink():
    """A 4×4 target with a 2×3 block of ink (6 black pixels); the output misses one ink pixel, adds two
    stray ones and is grey (0.45, still black) on another: 3 disagreements / 6 ink pixels = 0.5."""
    target = torch.ones(1, 1, 4, 4)
    target[0, 0, 1:3, 0:3] = 0.0
    output = target.clone()
    output[0, 0, 1, 0] = 0.9  # ink missed
    output[0, 0, 0, 3] = 0.1  # stray ink
    output[0, 0, 3, 3] = 0.2  # stray ink
    output[0, 0, 2, 2] = 0.45  # grey but on the ink side of 0.5: agrees
    assert metrics.disagreement(output, target).item() == 3
    assert metrics.pdar(output, target).item() == pytest.approx(3 / 6)
    assert metrics.pdar_all_pixels(output, target).item() == pytest.approx(3 / 16)
    # L1 = (0.9 + 0.9 + 0.8 + 0.45) / 16: above half the all-pixel ratio, as it must be on crisp targets.
    assert metrics.l1(output, target).item() == pytest.approx(3.05 / 16)
    blank = torch.ones(1, 1, 4, 4)
    # Against a blank target every one of the output's 7 ink pixels disagrees; no ink counts as one pixel.
    assert metrics.pdar(output, blank).item() == pytest.approx(7 / 1)


def test_metrics_reject_mismatched_shapes():
    with pytest.raises(StylelabError, match="differ in shape"):
        metrics.l1(torch.zeros(2, 1, 4, 4), torch.zeros(2, 1, 4, 5))


def test_beats_needs_every_split_and_metric():
    rows = [{"method": m, "split": s, "L1": v, "RMSE": v, "PDAR": v}
            for m, values in {"EMD": (0.1, 0.2), "copy": (0.3, 0.3), "close": (0.3, 0.15)}.items()
            for s, v in zip(("D1", "D2"), values)]
    assert study.beats(rows, "EMD", ["copy"])
    assert not study.beats(rows, "EMD", ["copy", "close"])  # "close" wins D2


@pytest.mark.parametrize("size", [80, 48, 33, 16])
def test_pix2pix_networks_fit_any_glyph_size(size):
    generator = pix2pix.UNetGenerator(size, width=4)
    out = generator(torch.rand(2, 1, size, size))
    assert out.shape == (2, 1, size, size) and 0 < out.min() and out.max() < 1
    patches = pix2pix.PatchDiscriminator(width=4, image_size=size)(torch.rand(2, 1, size, size), out)
    assert patches.shape[:2] == (2, 1) and patches.shape[-1] > 1  # a map of patch verdicts


def test_pix2pix_learns_a_fixed_mapping():
    torch.manual_seed(0)
    source = (torch.rand(8, 1, 4, 4) > 0.5).float().repeat_interleave(4, 2).repeat_interleave(4, 3)  # blocky "strokes"
    target = 1 - source  # one "style": inverted glyphs
    config = pix2pix.Pix2PixConfig(steps=40, batch_size=8, width=8, lr=2e-3)
    generator, history = pix2pix.train_pix2pix(source, target, config, progress=False)
    assert sum(history["l1"][-5:]) < 0.7 * sum(history["l1"][:5])
    assert pix2pix.translate(generator, source).shape == source.shape
    with pytest.raises(StylelabError, match="paired"):
        pix2pix.train_pix2pix(source, target[:, :, :8], config)
