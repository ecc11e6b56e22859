"""The one training loop: progress bar, periodic checkpoints, resume, and a NaN guard.

A method supplies ``step(i) -> {"loss": float, ...}`` that does one optimisation step, and the
objects whose state must survive a restart (models, optimisers, schedulers). ``train`` runs the
remaining steps, shows the losses in a tqdm bar, saves a checkpoint every ``checkpoint_every``
steps and at the end, and on the next call with the same checkpoint path resumes where it stopped.
Checkpoints hold tensors and plain data only (CPU and GPU RNG states included) and are read with
``torch.load(weights_only=True)``: a file that carries code is refused before anything in it runs.

The same loop runs each process of a ``torchrun`` launch (:mod:`stylelab.distributed`): steps fed by a
:class:`~stylelab.distributed.Batches` get this rank's share of the global batch (made in DataLoader
workers with ``workers`` > 0), the logged losses are averaged over the ranks, rank 0 alone writes the
checkpoints and shows the bar, and every rank resumes from rank 0's checkpoint.
"""

from __future__ import annotations

import io
import math
import os
import pickle
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import torch
from tqdm import tqdm  # text bars: readable in papermill outputs, no ipywidgets needed

from . import distributed
from .errors import StylelabError

History = dict[str, list[float]]


def check_run_settings(*, lr: float, image_size: int, max_side: int, counts: Mapping[str, int],
                       weights: Mapping[str, float | None]) -> None:
    """What every training config shares: counts (batch size, steps, ...) of at least 1, a positive, finite
    learning rate, non-negative loss weights (None: a default chosen later), and photos kept at least as
    large as the crops made from them."""
    for name, value in counts.items():
        if value < 1:
            raise StylelabError(f"{name} must be at least 1, got {value}")
    if not (math.isfinite(lr) and lr > 0):
        raise StylelabError(f"lr must be a positive number, got {lr}")
    for name, value in weights.items():
        if value is not None and not (math.isfinite(value) and value >= 0):
            raise StylelabError(f"{name} must be a non-negative number, got {value}")
    if max_side < image_size:
        raise StylelabError(f"max_side ({max_side}) must be at least image_size ({image_size}): the images are "
                            f"downscaled to max_side before the crops are cut, so crops would be blown-up pixels")


def save_checkpoint(path: str | os.PathLike, stateful: Mapping[str, object], step: int, history: History,
                    extra: Mapping | None = None) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "step": step,
        "history": history,
        "state": {name: obj.state_dict() for name, obj in stateful.items()},
        "rng": torch.random.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "extra": dict(extra or {}),
        "world_size": distributed.group().world_size,  # informative: any world size resumes it
    }
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)  # never leave a half-written checkpoint under the real name


def safe_load(path: str | os.PathLike, data: bytes | None = None) -> dict:
    """``torch.load`` that accepts tensors and plain data only (never runs code stored in the file).
    ``data``: the file's bytes, read elsewhere (rank 0's checkpoint on another rank); ``path`` names it."""
    try:
        return torch.load(path if data is None else io.BytesIO(data), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        found = re.search(r"unsupported (?:global: )?GLOBAL (\S+)", str(exc), re.IGNORECASE)
        if not found:  # not a pickle of objects at all: random bytes, another format
            raise StylelabError(f"{path} is not a readable torch file (it does not unpickle as tensors and plain "
                                f"data; nothing in it was executed)") from None
        raise StylelabError(f"{path} was refused: it carries Python objects beyond tensors and plain data, which "
                            f"stylelab never unpickles (nothing in it was executed; it names {found.group(1)})") from None
    except Exception as exc:  # noqa: BLE001 - a text file or random bytes fail deep in the unpickler (KeyError, ValueError...)
        detail = str(exc).split("\n")[0][:120] or "no detail"
        raise StylelabError(f"{path} is not a readable torch file ({type(exc).__name__}: {detail})") from None


def load_checkpoint(path: str | os.PathLike, stateful: Mapping[str, object],
                    data: bytes | None = None) -> tuple[int, History, dict]:
    payload = safe_load(path, data)
    try:
        for name, obj in stateful.items():
            obj.load_state_dict(payload["state"][name])
    except (KeyError, RuntimeError, ValueError, TypeError) as exc:
        raise StylelabError(f"checkpoint {path} does not fit this run ({exc}); delete it or pass another path") from None
    torch.random.set_rng_state(payload["rng"])
    if payload.get("cuda_rng") and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(payload["cuda_rng"])
    return payload["step"], payload["history"], payload.get("extra", {})


def train(step: Callable[..., Mapping[str, float]], steps: int, *, stateful: Mapping[str, object] | None = None,
          checkpoint: str | os.PathLike | None = None, checkpoint_every: int = 500, description: str = "training",
          progress: bool = True, extra: Mapping | None = None, data: distributed.Batches | None = None,
          device: torch.device | str = "cpu") -> History:
    """Run ``step(i)`` for i in [start, steps), where start is 0 or the step of a saved checkpoint.

    With ``data``, ``step(i, batch)`` gets this process's share of global batch ``i`` on ``device``
    (:func:`stylelab.distributed.batches`). Under torchrun the losses logged are the ranks' means, rank 0
    alone writes ``checkpoint`` and shows the bar, and all ranks resume from rank 0's checkpoint."""
    stateful = dict(stateful or {})
    group = distributed.group()
    start, history = 0, {}
    saved = distributed.broadcast_file(checkpoint) if checkpoint is not None else None
    if saved is not None:
        start, history, _ = load_checkpoint(checkpoint, stateful, saved)
    bar = tqdm(range(start, steps), initial=start, total=steps, desc=description,
               disable=not (progress and group.is_main), mininterval=1.0, dynamic_ncols=True)
    feed = distributed.batches(data, start, steps, device) if data is not None else None
    try:
        for i in bar:
            losses = distributed.mean_losses(step(i) if feed is None else step(i, next(feed)))
            bad = [k for k, v in losses.items() if not math.isfinite(v)]
            if bad:
                raise StylelabError(f"{description}: loss {', '.join(bad)} became {losses[bad[0]]} at step {i}; "
                                    f"lower the learning rate or the loss weights")
            for key, value in losses.items():
                history.setdefault(key, []).append(value)
            bar.set_postfix({k: f"{v:.4g}" for k, v in losses.items()}, refresh=False)
            done = i + 1
            if checkpoint is not None and group.is_main and (done % checkpoint_every == 0 or done == steps):
                save_checkpoint(checkpoint, stateful, done, history, extra)
    finally:
        if feed is not None:
            feed.close()  # stops the DataLoader workers
    bar.close()
    return history
