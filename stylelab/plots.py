"""Small matplotlib helpers shared by the notebooks (images grids live in :mod:`stylelab.images`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def loss_curves(histories: Mapping[str, Mapping[str, Sequence[float]]], key: str = "total", *,
                title: str = "", log: bool = True, xlabel: str = "iteration"):
    """One line per run: ``histories[label][key]`` against the step."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    for label, history in histories.items():
        ax.plot(range(1, len(history[key]) + 1), history[key], label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"{key} loss")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def smooth(values: Sequence[float], window: int):
    """Moving mean over ``window`` points (fewer if the series is shorter); ``len(values) - window + 1`` values."""
    import numpy as np

    window = max(1, min(window, len(values)))
    return np.convolve(values, np.ones(window) / window, mode="valid")


def smoothed_curves(series: Mapping[str, Sequence[float]], *, window: int, every: int = 1, title: str = "",
                    xlabel: str = "step", ylabel: str | None = None):
    """One line per series, a moving mean over ``window`` points on a log scale; ``every``: the series keeps
    every n-th step (a recipe's ``history_every_10``), so point k is step k · ``every``."""
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    for label, values in series.items():
        y = smooth(values, window)
        ax.plot((np.arange(len(y)) + window // 2) * every, y, label=label)
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel or f"loss ({window * every}-step mean)")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig
