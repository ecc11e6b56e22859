"""The deck's three system diagrams: drawn by code, naming their parts, every glyph (Hangul too) in a font."""

from __future__ import annotations

import io
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from stylelab import diagrams  # noqa: E402

EXPECTED = {
    "johnson_system": ["변환 네트워크", "transform net", "손실 네트워크", "loss network", "VGG-16", "ŷ", "y_c", "y_s",
                       "relu1_2", "relu2_2", "relu3_3", "relu4_3", "Gram", "그람 행렬", "feature loss"],
    "adain_system": ["인코더", "encoder", "AdaIN", "디코더", "decoder", "T(c, s)", "L_c", "L_s", "relu1_1",
                     "relu4_1", "L = L_c + λ L_s", "μ, σ"],
    "emd_system": ["스타일 인코더", "style encoder", "콘텐츠 인코더", "content encoder", "mixer", "믹서",
                   "decoder", "skip connections", "R_S", "R_C", "W_st · W_b · |Î − I|"],
}


def _texts(fig: Figure) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(matplotlib.text.Text))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_diagram_names_its_components(name):
    fig = getattr(diagrams, name)()
    try:
        assert isinstance(fig, Figure)
        text = _texts(fig)
        missing = [label for label in EXPECTED[name] if label not in text]
        assert not missing, f"{name} lacks {missing}"
        assert any("가" <= ch <= "힣" for ch in text)  # bilingual labels
        width, _ = fig.get_size_inches()
        assert 7 <= width <= 12  # readable at a notebook's width
    finally:
        plt.close(fig)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_diagram_renders_every_glyph(name):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = getattr(diagrams, name)()  # tight_layout already draws the texts
        try:
            fig.savefig(io.BytesIO(), format="png", dpi=60)
        finally:
            plt.close(fig)
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert not missing, missing[:3]
