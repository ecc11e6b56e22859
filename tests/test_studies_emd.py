"""Notebook 05's readings (stylelab.studies.emd): the deck's tables and the numbers its sentences render."""

from __future__ import annotations

import pytest

from stylelab.errors import StylelabError
from stylelab.studies import emd as study


def test_methods_table_has_every_column_of_the_deck_in_both_languages():
    rows = study.methods_table()
    assert len(rows) == 11 and rows[-1]["방법 · method"] == "EMD"
    learned = "모델이 배운 것 · what the model learned"
    assert all(" · " in r[learned] for r in rows)
    assert rows[-1][learned].endswith("the feature representation of style/content")


def test_paper_values_come_from_the_one_table():
    assert study.paper_value("EMD", "L1") == 0.0087 and study.paper_value("Pix2pix", "PDAR") is None
    with pytest.raises(StylelabError, match="no row 'X'"):
        study.paper_value("X", "L1")


def _rows(values):
    return [{"method": m, "split": s, "L1": v, "RMSE": 2 * v, "PDAR": 4 * v} for (m, s), v in values.items()]


def test_r_gains_orders_splits_by_gain():
    r_rows = [{"r": r, "split": s, "L1": v} for r, s, v in
              [(1, "D1", 0.14), (1, "D2", 0.14), (4, "D1", 0.12), (4, "D2", 0.11)]]
    gains = study.r_gains(r_rows)
    assert [g["split"] for g in gains] == ["D2", "D1"]
    assert gains[0]["gain"] == pytest.approx(0.03)


def test_largest_difference_and_scale_gap():
    rows = _rows({("a", "D1"): 0.10, ("b", "D1"): 0.11, ("a", "D2"): 0.20, ("b", "D2"): 0.20})
    assert study.largest_difference(rows, "a", "b", metrics=("L1",)) == pytest.approx(0.01)
    assert study.largest_difference(rows, "a", "b") == pytest.approx(0.04)  # PDAR = 4·L1
    assert study.scale_gap(rows, method="a")["L1"] == pytest.approx(0.15 / 0.0087)
    assert study.by_split(rows, "b") == {"D1": 0.11, "D2": 0.20}
