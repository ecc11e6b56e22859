"""stylelab.plots: the moving mean and the smoothed loss curves every training figure draws (notebooks 02, 04)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from stylelab import plots  # noqa: E402


def test_smooth_is_the_moving_mean_and_shrinks_the_window_to_the_series():
    assert plots.smooth([1, 2, 3, 4], 2) == pytest.approx([1.5, 2.5, 3.5])
    assert plots.smooth([1, 2, 3], 10) == pytest.approx([2.0])        # window longer than the series
    assert plots.smooth([5, 7], 0) == pytest.approx([5, 7])            # window 0 means none


def test_smoothed_curves_put_point_k_at_step_k_times_every_on_a_log_scale():
    fig = plots.smoothed_curves({"a": [1, 2, 3, 4], "b": [4, 4, 4, 4]}, window=2, every=10, ylabel="y")
    ax = fig.axes[0]
    (a, b) = ax.lines
    assert a.get_label() == "a" and b.get_label() == "b"
    # the mean of points k, k + 1 sits at step (k + 1) · 10
    np.testing.assert_allclose(a.get_xdata(), [10, 20, 30])
    np.testing.assert_allclose(a.get_ydata(), [1.5, 2.5, 3.5])
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "y"
    assert plots.smoothed_curves({"a": [1, 2]}, window=5, every=2).axes[0].get_ylabel() == "loss (10-step mean)"
