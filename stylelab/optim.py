"""The one pixel-optimisation loop: Gatys' image and style swap's inverse both minimise a loss over the pixels.

``optimize_pixels(objective, init, ...)`` runs ``iterations`` steps of L-BFGS (one iteration per step, so
progress and history count iterations) or Adam on a copy of ``init``, clamping the pixels to [0, 1] after
every step, inside :func:`stylelab.training.train` (progress bar, checkpoints, and the NaN guard: a loss that
becomes NaN or infinite is a one-line error).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import torch
from torch import nn

from .errors import StylelabError
from .training import History, train

OPTIMIZERS = ("lbfgs", "adam")
#: L-BFGS forgets its curvature memory when the loss rises by more than 10% in a step.
RESTART_FACTOR = 1.1
#: Default learning rates: pixels live in [0, 1].
DEFAULT_LR = {"lbfgs": 1.0, "adam": 0.02}


class Pixels(nn.Module):
    """The optimised image as a module, so that the training loop can checkpoint it."""

    def __init__(self, image: torch.Tensor):
        super().__init__()
        self.image = nn.Parameter(image.detach().clone(memory_format=torch.contiguous_format))


def optimize_pixels(objective: Callable[[torch.Tensor], Mapping[str, torch.Tensor]], init: torch.Tensor, *,
                    iterations: int, optimizer: str = "lbfgs", lr: float | None = None, history_size: int = 50,
                    progress: bool = True, description: str = "pixels", checkpoint=None,
                    checkpoint_every: int | None = None) -> tuple[torch.Tensor, History]:
    """Minimise ``objective(image)["total"]`` over the pixels of ``init``; returns (image in [0, 1], history of
    every key the objective returns, one value per iteration, taken before that iteration's step)."""
    if optimizer not in OPTIMIZERS:
        raise StylelabError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, not {optimizer!r}")
    pixels = Pixels(init)
    lr = lr or DEFAULT_LR[optimizer]
    if optimizer == "lbfgs":
        # max_iter=1: one L-BFGS iteration per step; the curvature history lives in the optimiser state and
        # carries across steps. Tolerances 0: the iteration count, not L-BFGS' convergence test, decides when
        # to stop (with Gram matrices normalised by C·H·W the gradients are small from the start).
        opt = torch.optim.LBFGS([pixels.image], lr=lr, max_iter=1, history_size=history_size,
                                tolerance_grad=0.0, tolerance_change=0.0)
    else:
        opt = torch.optim.Adam([pixels.image], lr=lr)
    previous = [math.inf]

    def step(_: int) -> dict[str, float]:
        last = {}

        def closure():
            opt.zero_grad(set_to_none=True)
            losses = objective(pixels.image)
            losses["total"].backward()
            last.update(losses)
            return losses["total"]

        opt.step(closure)
        with torch.no_grad():
            pixels.image.clamp_(0, 1)
        losses = {k: v.item() for k, v in last.items()}
        if optimizer == "lbfgs" and losses["total"] > RESTART_FACTOR * previous[0]:
            # The clamp projects every step back into [0, 1], so L-BFGS' stored curvature pairs
            # describe a problem it is no longer solving; from a noise start at deep layers
            # (relu4_2 reconstructions) that lets the loss climb back up and stay there.
            # Forgetting them restarts from a short gradient step.
            opt.state.clear()
        previous[0] = losses["total"]
        return losses

    history = train(step, iterations, stateful={"pixels": pixels, "optimizer": opt}, checkpoint=checkpoint,
                    checkpoint_every=checkpoint_every or max(1, iterations // 5), description=description,
                    progress=progress)
    return pixels.image.detach().clamp(0, 1), history
