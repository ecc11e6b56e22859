"""The committed nets give, through the method interface, pinned outputs on a fixed input: the 128-px-crop nets
(``…-128crops``) the values computed at rev 2ee5b55 with the old per-method functions, before the refactor into
the interface (the Johnson net before issue #23, now ``…-no-flat-term``, the same bytes); the two Johnson nets
fine-tuned for the crosshatch (``…-flat-9px`` and the default), the CIN net fine-tuned on 256-px crops
(``…-256crops``, the default until issue #23 piece 14), the clipped-statistics CIN net, that net fine-tuned with the
flat-region term (``…-flat``, the default until issue #23 piece 17) and the default CIN net (``…-flat`` fine-tuned
with the spot term) the values computed when those weights were committed (their
sha256 is in stylelab/data/weights.tsv)."""

import pytest
import torch

from stylelab.methods import base

#: (method, weights (None: the method's default), styles, controls) → (sum of the output, every 997th value from
#: the first, 8 of them) on torch.manual_seed(0)'s content (1, 3, 64, 80) and style (1, 3, 72, 64). The
#: ``…-128crops`` rows are rev 2ee5b55's feedforward.stylize / cin.stylize (clamped to [0, 1]) of the same bytes.
BEFORE = {
    ("johnson", "johnson-instance-la_muse-no-flat-term", (0,), ()): (5721.3561, [0.48653, 0.28352, 0.36559, 0.82462,
                                                                            0.24528, 0.33075, 0.47315, 0.29303]),
    # issue #23, the Johnson net fine-tuned with the flat-region term over 9-px boxes (computed when committed,
    # 2026-12-03, as the default; renamed 2026-12-04, same bytes)
    ("johnson", "johnson-instance-la_muse-flat-9px", (0,), ()): (5744.9488, [0.46436, 0.434, 0.42407, 0.90012,
                                                                          0.28881, 0.26042, 0.45199, 0.38222]),
    # issue #23, the default since 2026-12-04: that net fine-tuned with the term over 33-px boxes (computed when
    # committed)
    ("johnson", None, (0,), ()): (5677.3609, [0.38467, 0.41724, 0.56408, 0.97837, 0.50277, 0.47021, 0.39279, 0.34462]),
    ("cin", "cin-instance-4styles-128crops", (2,), ()): (11404.0259, [0.79515, 0.77205, 0.85518, 0.92219, 0.44775, 0.87791, 0.91371, 0.78851]),
    ("cin", "cin-instance-4styles-128crops", (0.25, 0.25, 0.5, 0.0), ()): (9455.6206, [0.76529, 0.59243, 0.76087, 0.87671, 0.28379, 0.73273,
                                                      0.7965, 0.65767]),
    # the CIN net fine-tuned on 256-px crops, the default until issue #23 piece 14 (same bytes, renamed)
    ("cin", "cin-instance-4styles-256crops", (2,), ()): (11543.6759, [0.78877, 0.83229, 0.83312, 0.94049, 0.50326,
                                                                      0.70428, 0.93429, 0.86463]),
    ("cin", "cin-instance-4styles-256crops", (0.25, 0.25, 0.5, 0.0), ()): (9635.4055, [0.7789, 0.65456, 0.71602,
                                                                                      0.89054, 0.47284, 0.48778,
                                                                                      0.87206, 0.72231]),
    # issue #23 piece 14, the clipped net fine-tuned with the flat-region term (computed 2026-12-03 as the default;
    # renamed 2026-12-04, same bytes)
    ("cin", "cin-instance-4styles-flat", (2,), ()): (11538.0046, [0.77615, 0.87459, 0.80549, 0.88934, 0.51857,
                                                                  0.72123, 0.85799, 0.71488]),
    ("cin", "cin-instance-4styles-flat", (0.25, 0.25, 0.5, 0.0), ()): (9120.0586, [0.75433, 0.75656, 0.61632,
                                                                                   0.78233, 0.38055, 0.43506,
                                                                                   0.70594, 0.576]),
    # issue #23 piece 17, the default since 2026-12-04: that net fine-tuned with the spot term (computed when committed)
    ("cin", None, (2,), ()): (11412.2682, [0.8599, 0.87141, 0.8248, 0.83498, 0.50772, 0.59261, 0.85994, 0.75041]),
    ("cin", None, (0.25, 0.25, 0.5, 0.0), ()): (9083.427, [0.82131, 0.67197, 0.64986, 0.71022, 0.41736, 0.33734,
                                                          0.70308, 0.57619]),
    # issue #23 piece 12, clipped CIN statistics (values computed when the weights were committed, 2026-12-03)
    ("cin", "cin-instance-4styles-clipped", (2,), ()): (11545.3151, [0.80926, 0.7861, 0.79286, 0.90135, 0.53787,
                                                                     0.37209, 0.83748, 0.79847]),
    ("cin", "cin-instance-4styles-clipped", (0.25, 0.25, 0.5, 0.0), ()): (9145.3418, [0.75226, 0.65191, 0.68895,
                                                                                     0.82025, 0.32708, 0.27981,
                                                                                     0.74899, 0.64255]),
    ("adain", None, "style", (("alpha", 0.7),)): (9528.0277, [0.67542, 0.56068, 0.4897, 0.51553, 0.50879, 0.58987,
                                                     0.63365, 0.58954]),
}


@pytest.mark.parametrize("key", list(BEFORE), ids=lambda k: f"{k[1] or k[0]}-{k[2]}")
def test_committed_weights_give_the_same_outputs_as_before(key, one_torch_thread):
    name, weights, styles, controls = key
    torch.manual_seed(0)
    content, style = torch.rand(1, 3, 64, 80), torch.rand(1, 3, 72, 64)
    method = base.get(name).load(weights)  # None: the method's committed default weights
    out = method.stylize(content, [style] if styles == "style" else list(styles), **dict(controls))
    total, samples = BEFORE[key]
    assert out.shape == content.shape
    assert float(out.double().sum()) == pytest.approx(total, abs=5e-3)
    assert out.flatten()[::997][:8].tolist() == pytest.approx(samples, abs=2e-5)
