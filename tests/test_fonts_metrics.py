"""L1, RMSE and PDAR by hand; the pix2pix baseline's shapes and a short training run."""

import math

import pytest
import torch

from stylelab.errors import StylelabError
from stylelab.fonts import metrics, pix2pix, study


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
    assert torch.allclose(metrics.pdar(output, target), torch.tensor([0.25, 0.0]))
    summary = metrics.glyph_metrics(output, target)
    assert summary["L1"] == pytest.approx(1.3 / 8) and summary["PDAR"] == pytest.approx(0.125)
    assert summary["RMSE"] == pytest.approx(math.sqrt(0.1425) / 2)


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
