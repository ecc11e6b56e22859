"""Timing harness for the AdaIN paper's speed table (Huang & Belongie, Table 1).

    python -m stylelab.bench gatys --sizes 256 512 --iterations 500 --device cuda
    python -m stylelab.bench gatys --sizes 256 --iterations 5          # CPU: per-iteration time, extrapolated

The paper timed Gatys et al. at 500 L-BFGS iterations. Runs shorter than that report the measured
seconds, the seconds per iteration, and the 500-iteration estimate, clearly marked as extrapolated.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

import torch

from .device import describe, resolve_device
from .encoders import MultiLayerEncoder, build_encoder
from .errors import StylelabError

PAPER_ITERATIONS = 500

#: The AdaIN paper's Table 1 (Huang & Belongie 2017; the deck reproduces it): seconds on a Titan X at
#: 256 and 512 px, in brackets with style encoding; number of styles per model (None: any style).
PAPER_SPEED = [
    {"method": "Gatys et al.", "256": 14.17, "512": 46.75, "256 with style encoding": 14.19,
     "512 with style encoding": 46.79, "styles": None},
    {"method": "Chen and Schmidt", "256": 0.171, "512": 3.214, "256 with style encoding": 0.407,
     "512 with style encoding": 4.144, "styles": None},
    {"method": "Ulyanov et al.", "256": 0.011, "512": 0.038, "styles": 1},
    {"method": "Dumoulin et al.", "256": 0.011, "512": 0.038, "styles": 32},
    {"method": "AdaIN (ours)", "256": 0.018, "512": 0.065, "256 with style encoding": 0.027,
     "512 with style encoding": 0.098, "styles": None},
]


def paper_seconds(method: str, size: int) -> float | None:
    """The paper's Titan X seconds for ``method`` at ``size`` px (without style encoding)."""
    row = next((r for r in PAPER_SPEED if r["method"] == method), None)
    return None if row is None else row.get(str(size))


def time_forward(net: torch.nn.Module, size: int, *, device="auto", repeats: int = 5, warmup: int = 2,
                 **kwargs) -> float:
    """Median seconds of one forward pass of ``net`` on a 1×3×size×size input (batch 1, no grad),
    after ``warmup`` passes, with CUDA synchronisation around each timed pass."""
    device = resolve_device(device)
    x = torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(0)).to(device)
    times = []
    with torch.no_grad():
        for i in range(warmup + repeats):
            _synchronize(device)
            started = time.perf_counter()
            net(x, **kwargs)
            _synchronize(device)
            if i >= warmup:
                times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2]


@dataclass
class Timing:
    method: str
    size: int
    iterations: int
    seconds: float
    seconds_per_iteration: float
    seconds_at_500: float
    extrapolated: bool
    device: str
    encoder: str


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_gatys(size: int, *, iterations: int = PAPER_ITERATIONS, device="auto",
               encoder: str | MultiLayerEncoder = "auto", optimizer: str = "lbfgs", warmup: int = 1) -> Timing:
    """Seconds for a Gatys run on a ``size``×``size`` pair (content/style from fixed noise).

    ``encoder`` is a name for :func:`build_encoder` or an encoder already built on ``device``
    (a notebook passes its own, so the weights are not loaded twice)."""
    from .methods.gatys import GatysConfig, stylize

    device = resolve_device(device)
    model = encoder if isinstance(encoder, MultiLayerEncoder) else build_encoder(encoder, device=device)
    generator = torch.Generator().manual_seed(0)
    content = torch.rand(1, 3, size, size, generator=generator).to(device)
    style = torch.rand(1, 3, size, size, generator=generator).to(device)
    if warmup:
        stylize(content, style, model, GatysConfig(iterations=warmup, optimizer=optimizer), progress=False)
    _synchronize(device)
    started = time.perf_counter()
    stylize(content, style, model, GatysConfig(iterations=iterations, optimizer=optimizer), progress=False)
    _synchronize(device)
    seconds = time.perf_counter() - started
    per_iteration = seconds / iterations
    return Timing("Gatys et al.", size, iterations, seconds, per_iteration, per_iteration * PAPER_ITERATIONS,
                  iterations != PAPER_ITERATIONS, describe(device), model.name)


def format_table(timings: list[Timing]) -> str:
    lines = [f"{'method':14s} {'size':>5s} {'iters':>6s} {'seconds':>9s} {'s/iter':>8s} {'s @500':>9s}  device / encoder"]
    for t in timings:
        mark = "*" if t.extrapolated else " "
        lines.append(f"{t.method:14s} {t.size:5d} {t.iterations:6d} {t.seconds:9.2f} {t.seconds_per_iteration:8.3f} "
                     f"{t.seconds_at_500:8.1f}{mark}  {t.device} / {t.encoder}")
    if any(t.extrapolated for t in timings):
        lines.append("* extrapolated from the measured seconds per iteration")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stylelab.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("method", choices=["gatys"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--iterations", type=int, default=PAPER_ITERATIONS)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--encoder", default="auto")
    parser.add_argument("--optimizer", default="lbfgs", choices=["lbfgs", "adam"])
    args = parser.parse_args(argv)
    try:
        timings = [time_gatys(size, iterations=args.iterations, device=args.device, encoder=args.encoder,
                              optimizer=args.optimizer) for size in args.sizes]
    except StylelabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_table(timings))
    return 0


if __name__ == "__main__":
    sys.exit(main())


