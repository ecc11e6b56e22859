"""The measures notebooks 00 and 03 assert on (stylelab.studies.normalization / .cin), on constructed inputs."""

import pytest
import torch

from stylelab.norms import EPS, instance_norm
from stylelab.studies import cin as cin_study
from stylelab.studies import normalization as study


def test_in_sigma_rows_count_dead_channels_and_bound_the_alive_ones():
    torch.manual_seed(0)
    x = torch.rand(2, 4, 8, 8)
    x[0, 1] = 0.0  # a ReLU that never fires
    x[1, 2] = 3.0 + 1e-4 * torch.rand(8, 8)  # alive, but its variance is far below 100 ε
    (row,) = study.in_sigma_rows({"l": x})
    assert row["constant (σ = 0)"] == 1 and row["variance < 100·ε"] == 2
    assert row["max |σ_IN − 1| (alive)"] < 1 / (study.ALIVE_FACTOR + 1)
    assert row["σ after IN within 1 % of 1"] == 6


def test_adain_statistics_mean_exact_sigma_off_only_where_a_channel_is_dead():
    torch.manual_seed(0)
    content, style = torch.rand(1, 3, 8, 8), 2 * torch.rand(1, 3, 8, 8) + 1
    content[0, 0] = 0.5  # dead in the content: AdaIN gives a constant channel (σ = √ε, not the style's)
    r = study.adain_statistics(content, style)
    assert r["dead in content"] == 1 and r["alive in both"] == 2
    assert r["max μ error / σ_s"] < 1e-5
    assert r["max σ error (alive)"] <= r["bound"] and r["max layout error (alive)"] <= r["bound"]
    assert r["max σ error (all)"] > 0.9  # the dead channel: σ(t) = √ε against the style's σ


def test_adain_statistics_without_alive_channels_reports_zero_errors():
    x = torch.zeros(1, 2, 4, 4)
    r = study.adain_statistics(x, x, eps=EPS)
    assert r["alive in both"] == 0 and r["max σ error (alive)"] == 0.0


def test_rgb_correlations_survive_instance_norm():
    torch.manual_seed(0)
    x = torch.rand(2, 3, 6, 6)
    x[:, 1] = 0.5 * x[:, 0] + 0.1 * x[:, 1]
    gap = (study.rgb_correlations(instance_norm(x)) - study.rgb_correlations(x)).abs().max()
    assert gap < 1e-4


def test_span_collapses_equal_values():
    assert study.span([23, 23]) == "23"
    assert study.span([0.391, 0.6449], ".2f") == "0.39–0.64"


def test_recipe_command_drops_the_checkpoint_path_and_rows_format_the_time():
    recipe = {"command": "python -m stylelab train --steps 5 --checkpoint /tmp/x.ckpt --threads 1",
              "steps": 5, "wall_time_s": 3417.6}
    assert cin_study.recipe_command(recipe) == "python -m stylelab train --steps 5 --threads 1"
    assert cin_study.recipe_rows(recipe) == [{"setting": "steps", "value": 5},
                                             {"setting": "wall_time_s", "value": "3,418"}]


def test_style_spread_and_strip_distances():
    a, b, c = torch.zeros(1, 3, 2, 2), torch.full((1, 3, 2, 2), 0.5), torch.ones(1, 3, 2, 2)
    assert cin_study.style_spread([[a, b, c]]) == pytest.approx(0.5)
    assert cin_study.strip_distances([a, b, c]) == pytest.approx([0.0, 0.5, 1.0])
