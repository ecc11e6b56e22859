"""Training on several processes and GPUs: ``torchrun`` + ``DistributedDataParallel``, data in worker processes.

PyTorch's own launcher starts the processes; stylelab only joins the group it sets up::

    torchrun --standalone --nproc_per_node=4 -m stylelab train --method johnson --batch-size 16 ...
    torchrun --nnodes=2 --nproc_per_node=8 --rdzv-backend=c10d --rdzv-endpoint=HOST:29400 -m stylelab train ...

torchrun sets ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK``; :func:`setup` then joins the process group with
NCCL when the process trains on a GPU (``cuda:LOCAL_RANK``) and gloo on the CPU. Without those variables
nothing here does anything: :func:`group` is one process of rank 0 and every helper is the identity, so a
plain ``python -m stylelab train`` is the single-process run it always was.

How a method trains on N processes, all through the one loop (:func:`stylelab.training.train`):

* the batch is the **global** batch: rank r takes rows ``[r·B/N, (r+1)·B/N)`` of the same deterministic
  batch (:meth:`Group.rows`); the method supplies ``make(step, rows)`` (a :class:`Batches`), a pure function
  of the step, so resuming, with any world size, sees the same samples;
* :func:`wrap` puts the trained module in ``DistributedDataParallel``, which averages the gradients: with
  losses that are means over the batch, N processes take the steps one process takes with the whole batch;
* the loop averages the logged losses over the ranks, lets rank 0 alone write checkpoints and show the
  progress bar, and gives every rank rank 0's checkpoint when resuming (no shared file system needed);
* ``workers`` > 0 makes the batches in ``torch.utils.data.DataLoader`` worker processes (persistent, pinned
  memory on CUDA), the same batches as ``workers=0``;
* ``amp="bf16"`` runs forward passes and losses under ``torch.autocast`` in bfloat16 (CUDA only).
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from .device import describe, resolve_device
from .errors import StylelabError

AMP_MODES = ("off", "bf16")


@dataclass(frozen=True)
class Group:
    """This process's place in the run: rank, world size, rank on its machine, backend (None: one process)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    backend: str | None = None

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def rows(self, batch_size: int) -> slice:
        """The rows of a global batch of ``batch_size`` this rank trains on (its contiguous share)."""
        if batch_size % self.world_size:
            raise StylelabError(f"batch size {batch_size} does not divide by the world size {self.world_size}: "
                                f"--batch-size is the global batch, give a multiple of {self.world_size}")
        share = batch_size // self.world_size
        return slice(self.rank * share, (self.rank + 1) * share)


def launched() -> bool:
    """Whether torchrun (or another launcher setting its variables) started this process."""
    return "WORLD_SIZE" in os.environ and "RANK" in os.environ


def group() -> Group:
    """The process group this process belongs to (one process of rank 0 when none was set up)."""
    if not (dist.is_available() and dist.is_initialized()):
        return Group()
    return Group(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", 0)), dist.get_backend())


def setup(device: str | torch.device = "auto") -> torch.device:
    """The device this process trains on, after joining torchrun's process group if it was launched by it.

    Under torchrun "auto" and "cuda" mean ``cuda:LOCAL_RANK`` (one GPU per process); the backend is NCCL on
    CUDA and gloo otherwise. Without torchrun: :func:`stylelab.device.resolve_device`, nothing else."""
    resolved = resolve_device(device)
    if not launched():
        return resolved
    local = int(os.environ.get("LOCAL_RANK", 0))
    if resolved.type == "cuda":
        if resolved.index is not None and int(os.environ["WORLD_SIZE"]) > 1:
            raise StylelabError(f"--device {device} under torchrun: each process takes the GPU of its LOCAL_RANK; "
                                f"pass --device cuda or auto (CUDA_VISIBLE_DEVICES picks the GPUs)")
        resolved = torch.device("cuda", local)
        torch.cuda.set_device(resolved)
    if not dist.is_initialized():
        backend = "nccl" if resolved.type == "cuda" else "gloo"
        dist.init_process_group(backend, device_id=resolved if resolved.type == "cuda" else None)
    return resolved


def teardown() -> None:
    """Leave the process group (if any); safe to call twice."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def _collective_device() -> torch.device:
    return torch.device("cuda", torch.cuda.current_device()) if group().backend == "nccl" else torch.device("cpu")


# --- models ----------------------------------------------------------------------------------------

def wrap(module: nn.Module, device: torch.device | str | None = None) -> nn.Module:
    """``module`` in ``DistributedDataParallel`` when several processes train (else ``module`` itself).

    Train through the returned module and checkpoint/save ``module``: they share the parameters. DDP
    averages the gradients over the ranks. BatchNorm layers (a ``norm="batch"`` net, EMD, pix2pix) become
    ``SyncBatchNorm`` on CUDA, whose statistics are those of the global batch; on the CPU, where PyTorch's
    SyncBatchNorm does not run, each rank normalises with the statistics of its own share, so a BatchNorm
    net trained on N CPU processes is not the single-process run (nets with instance norm are)."""
    g = group()
    if not g.distributed:
        return module
    device = torch.device(device) if device is not None else next(module.parameters()).device
    if device.type == "cuda":
        module = nn.SyncBatchNorm.convert_sync_batchnorm(module)  # same parameters and buffers, BN → SyncBN
        return nn.parallel.DistributedDataParallel(module, device_ids=[device.index])
    return nn.parallel.DistributedDataParallel(module)


def check_amp(amp: str | None, device: torch.device | str) -> str | None:
    """``amp`` ("off"/None or "bf16") checked against the device: bf16 autocast is for CUDA GPUs only."""
    if amp in (None, "off"):
        return None
    if amp not in AMP_MODES:
        raise StylelabError(f"--amp must be one of {', '.join(AMP_MODES)}, not {amp!r}")
    if torch.device(device).type != "cuda":
        raise StylelabError(f"--amp {amp} is for training on CUDA GPUs; this run is on {torch.device(device).type}: "
                            f"leave --amp off")
    return amp


def autocast(amp: str | None, device: torch.device | str):
    """The context for forward passes and losses: bf16 autocast for ``amp="bf16"``, else nothing."""
    if check_amp(amp, device) is None:
        return contextlib.nullcontext()
    return torch.autocast(torch.device(device).type, dtype=torch.bfloat16)


def global_mean(value: torch.Tensor) -> torch.Tensor:
    """A batch statistic (a detached scalar or tensor) averaged over the ranks: the global batch's, when
    every rank holds an equal share. The identity on one process."""
    if not group().distributed:
        return value
    out = value.detach().clone()
    dist.all_reduce(out)  # a sum: gloo has no average
    return out / group().world_size


def mean_losses(losses: Mapping[str, Any]) -> dict[str, float]:
    """A step's losses (tensors or numbers) averaged over the ranks, as floats: the global batch's losses
    for means over equal shares. Every rank gets the same numbers (so the NaN guard stops all of them). On one
    process: the losses as floats."""
    floats = {k: float(v.detach()) if isinstance(v, torch.Tensor) else float(v) for k, v in losses.items()}
    if not group().distributed:
        return floats
    names = list(floats)
    values = torch.tensor(list(floats.values()), dtype=torch.float64, device=_collective_device())
    dist.all_reduce(values)
    return dict(zip(names, (values / group().world_size).tolist()))


def broadcast_file(path: str | os.PathLike) -> bytes | None:
    """Rank 0's copy of the file (None where it has none), on every rank: a checkpoint all ranks resume from,
    without a shared file system. On one process: the file's bytes, or None."""
    box = [Path(path).read_bytes() if group().is_main and Path(path).is_file() else None]
    if group().distributed:
        dist.broadcast_object_list(box, src=0)
    return box[0]


def run_description(device: torch.device) -> dict | None:
    """{"world_size", "backend", "devices"} for a model's recipe (None on one process without torchrun).
    A collective: every rank calls it."""
    if not (dist.is_available() and dist.is_initialized()):
        return None
    g = group()
    devices: list = [None] * g.world_size
    dist.all_gather_object(devices, f"{socket.gethostname()}: {describe(device)}" + (
        f" [{device}]" if device.type == "cuda" else ""))
    return {"world_size": g.world_size, "backend": g.backend, "nodes": len({d.split(":")[0] for d in devices}),
            "devices": devices}


# --- data ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Batches:
    """What the training steps are fed: ``make(step, rows)`` is the rows ``rows`` (a slice) of global batch
    ``step`` of ``batch_size`` samples, a tensor or a tuple of tensors on the CPU. It must be a pure function
    of (step, rows), which makes any worker count and any world size see the same samples; with
    ``workers`` > 0 it runs in worker processes, so it must pickle (a module-level function or a
    ``functools.partial`` of one, with the datasets as arguments)."""

    make: Callable[[int, slice], Any]
    batch_size: int
    workers: int = 0

    def __post_init__(self):
        if self.workers < 0:
            raise StylelabError(f"--workers must be 0 or more, got {self.workers}")


class _Steps(torch.utils.data.Dataset):
    """Item ``i``: this rank's rows of global batch ``i``."""

    def __init__(self, make: Callable[[int, slice], Any], rows: slice):
        self.make, self.rows = make, rows

    def __getitem__(self, step: int):
        return self.make(step, self.rows)


def _to(batch, device: torch.device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    return type(batch)(_to(b, device) for b in batch)


def batches(data: Batches, start: int, stop: int, device: torch.device | str = "cpu") -> Iterator:
    """This rank's share of the global batches of steps ``start .. stop-1``, in order, on ``device``.

    ``workers`` = 0: made here, one at a time. ``workers`` = K: made ahead by K persistent DataLoader worker
    processes (pinned memory on CUDA), one step per item and a sampler that starts at ``start`` (a resumed
    run), so the batches are the same."""
    device = torch.device(device)
    rows = group().rows(data.batch_size)
    if data.workers == 0:
        for i in range(start, stop):
            yield _to(data.make(i, rows), device)
        return
    if start >= stop:
        return
    loader = torch.utils.data.DataLoader(_Steps(data.make, rows), batch_size=None, sampler=range(start, stop),
                                         num_workers=data.workers, persistent_workers=True,
                                         pin_memory=device.type == "cuda", prefetch_factor=2)
    for batch in loader:
        yield _to(batch, device)
