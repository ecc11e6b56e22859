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
