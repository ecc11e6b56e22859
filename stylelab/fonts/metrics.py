"""The deck's glyph metrics: L1, RMSE and PDAR, per image on [0, 1], averaged over the images.

* L1: mean |output − target| over the pixels.
* RMSE: √(mean (output − target)²) over the pixels.
* PDAR (pixel disagreement ratio): the fraction of pixels whose binarised values differ, with
  "black" meaning value < 0.5 as in the loss. The deck does not state the threshold or the
  denominator; we divide by all pixels.
"""

from __future__ import annotations

import torch

from ..errors import StylelabError

BLACK_THRESHOLD = 0.5


def _per_image(output: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    if output.shape != target.shape:
        raise StylelabError(f"output {tuple(output.shape)} and target {tuple(target.shape)} differ in shape")
    if output.dim() < 2:
        raise StylelabError("metrics need images of at least two dimensions (H, W)")
    batch = output.shape[0] if output.dim() > 2 else 1
    return output.reshape(batch, -1).float(), target.reshape(batch, -1).float()


def l1(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-image mean absolute error (B,)."""
    o, t = _per_image(output, target)
    return (o - t).abs().mean(1)


def rmse(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-image root mean square error (B,)."""
    o, t = _per_image(output, target)
    return (o - t).pow(2).mean(1).sqrt()


def pdar(output: torch.Tensor, target: torch.Tensor, threshold: float = BLACK_THRESHOLD) -> torch.Tensor:
    """Per-image fraction of pixels on opposite sides of ``threshold`` (B,)."""
    o, t = _per_image(output, target)
    return ((o < threshold) != (t < threshold)).float().mean(1)


def glyph_metrics(output: torch.Tensor, target: torch.Tensor) -> dict[str, float]:
    """{"L1", "RMSE", "PDAR"}, each the mean over the images of the per-image value."""
    return {"L1": float(l1(output, target).mean()), "RMSE": float(rmse(output, target).mean()),
            "PDAR": float(pdar(output, target).mean())}
