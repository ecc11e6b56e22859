"""Timing harness for the AdaIN paper's speed table (Huang & Belongie, ICCV 2017, Table 1), every row.

    python -m stylelab bench --list                               # the methods, and what is timed for each
    python -m stylelab bench                                      # every timed method at 256 and 512 px, with fast paths
    python -m stylelab bench adain cin --sizes 512 --compile      # torch.compile among the fast paths
    python -m stylelab bench gatys --sizes 256 --iterations 5     # CPU: 5 iterations, extrapolated to 500 (*)
    python -m stylelab bench --device cuda --compile              # the GPU targets, printed pass/fail

(``python -m stylelab.bench`` is the same command.) Timing: batch 1, warm-up calls first, CUDA
synchronisation around every timed call, the median of several calls. Optimisation methods run fewer
iterations than they count when asked to (Gatys' 500 L-BFGS iterations, the style-swap inverse's 30):
the seconds per iteration are measured and multiplied out, and the row is marked extrapolated (*).

The methods come from the one registry (:mod:`stylelab.methods.base`): every method with a ``speed``
entry is timed by calling ``speed.time(size, ctx)``, and its ``speed.paper_row`` names its row of the
paper's table (aliases are the paper's names: ``chen_schmidt`` is ``style_swap``, ``dumoulin`` is
``cin``). The package:

* :mod:`.paper`: the paper's numbers, their one home (:data:`PAPER_SPEED`), and the GPU targets;
* :mod:`.report`: :class:`BenchReport` and its text tables;
* here: :func:`run_bench`, :func:`fast_paths` and the command line (:func:`main`);
* the timing primitives (settings, context, rows, hardware labels, the feed-forward row timer) are
  :mod:`stylelab.timing`'s, re-exported here; the inference paths are :mod:`stylelab.fastpath`'s.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import torch
from tqdm.auto import tqdm

from ..device import resolve_device
from ..encoders import MultiLayerEncoder, build_encoder
from ..errors import StylelabError, command
from ..fastpath import PathResult
from ..methods import base
from ..timing import (BENCH_PAIR, PAPER_ITERATIONS, BenchContext, BenchSettings, SpeedRow, bench_pair, cpu_name,
                      device_label, feedforward_row, library_versions, median_seconds, synchronize, time_forward,
                      timing_stamp)
from .paper import (GPU_TARGETS, PAPER_DEVICE, PAPER_ENCODER, PAPER_SPEED, GpuTarget, PaperRow, method_paper_row,
                    paper_row, paper_seconds, paper_table_markdown)
from .report import BenchReport, TimedMethod

__all__ = [
    "BENCH_PAIR", "GPU_TARGETS", "PAPER_DEVICE", "PAPER_ENCODER", "PAPER_ITERATIONS", "PAPER_SPEED", "BenchContext",
    "BenchReport", "BenchSettings", "GpuTarget", "PaperRow", "SpeedRow", "TimedMethod", "bench_pair", "cpu_name",
    "device_label", "fast_paths", "feedforward_row", "library_versions", "list_methods", "main", "median_seconds",
    "method_paper_row", "paper_row", "paper_seconds", "paper_table_markdown", "resolve_methods", "run_bench",
    "synchronize", "time_forward", "timing_stamp",
]


def resolve_methods(names: Sequence[str] | None) -> list[str]:
    """Registry names of the timed methods ``names`` (names or aliases, '-' and '_' alike; None or empty:
    every timed method, in the talk's order); a one-line error for an unknown or untimed one."""
    if not names:
        return base.timed()
    out = []
    for name in names:
        method = base.get(name)
        if method.speed is None:
            raise StylelabError(f"method {method.name} is not timed; timed: {', '.join(base.timed())} "
                                f"(python -m stylelab bench --list)")
        if method.name not in out:
            out.append(method.name)
    return out


def list_methods() -> str:
    """One line per timed method: name (aliases), kind, styles, the paper's row, what we time."""
    return base.listing("bench")


def run_bench(methods: Sequence[str] | None = None, settings: BenchSettings = BenchSettings(), *, device="auto",
              encoder: str | MultiLayerEncoder = "auto", progress: bool = True) -> BenchReport:
    """Time ``methods`` (registry names or aliases; None: every method with a ``speed`` entry) at
    ``settings.sizes`` on ``device``: each method's ``speed.time(size, ctx)``, once per size."""
    settings.validate()
    names = resolve_methods(methods)
    timed = {name: TimedMethod.of(name) for name in names}
    device = resolve_device(device)
    model = encoder if isinstance(encoder, MultiLayerEncoder) else build_encoder(encoder, device=device)
    ctx = BenchContext(device, model, settings, progress=progress)
    jobs = [(name, size) for name in names for size in settings.sizes]
    rows = []
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        for name, size in tqdm(jobs, desc="bench", disable=not progress, dynamic_ncols=True):
            row = timed[name].speed.time(size, ctx)
            row.method, row.paper = name, timed[name].paper
            rows.append(row)
    return BenchReport(rows, device_label(device), device.type, model.name, library_versions(device), settings, timed)


def fast_paths(method: str, size: int = 512, *, device="auto", encoder: str | MultiLayerEncoder = "auto",
               repeats: int = 5, warmup: int = 1, compile: bool = False, more_threads: bool = True,
               adain_decoder: str | None = "auto", images: str = "photo") -> list[PathResult]:
    """Every fast path of one feed-forward method at ``size`` px against fp32 eager, in one run
    (for a notebook: AdaIN at 512 px is no slower than its plain fp32 eager network, both printed).

        results = bench.fast_paths("adain", size=512, repeats=3, adain_decoder="adain-decoder-craft")
        run.save_table(fastpath.as_rows(results), "04_fast_paths")
        best = fastpath.fastest(results)   # results[0] is fp32 eager"""
    name = resolve_methods([method])[0]
    if base.get(name).speed.kind != "feed-forward":
        feedforward = [n for n in base.timed() if base.get(n).speed.kind == "feed-forward"]
        raise StylelabError(f"{name} is an optimisation method; fast paths are timed for the feed-forward "
                            f"ones: {', '.join(feedforward)}")
    settings = BenchSettings(sizes=(size,), repeats=repeats, warmup=warmup, compile=compile,
                             more_threads=more_threads, adain_decoder=adain_decoder, images=images)
    settings.validate()
    report = run_bench([name], settings, device=device, encoder=encoder, progress=False)
    return report.rows[0].paths


@command
def main(argv: list[str] | None = None) -> int:
    """``python -m stylelab bench`` (and ``python -m stylelab.bench``); returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m stylelab bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("methods", nargs="*", metavar="method",
                        help="timed methods by name or alias (default: all; see --list)")
    parser.add_argument("--list", action="store_true", help="list the methods and what is timed for each")
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--repeats", type=int, default=5, help="timed forward passes per net, size and path")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--slow-repeats", type=int, default=1, help="timed runs of the optimisation methods")
    parser.add_argument("--iterations", type=int, default=PAPER_ITERATIONS,
                        help="Gatys L-BFGS iterations to run (fewer than 500: extrapolated, marked *)")
    parser.add_argument("--inverse-iterations", type=int, default=None,
                        help="style-swap inverse iterations to run (default: all 30; fewer: extrapolated)")
    parser.add_argument("--optimizer", default="lbfgs", choices=["lbfgs", "adam"])
    parser.add_argument("--no-fast-paths", action="store_true", help="time fp32 eager only")
    parser.add_argument("--compile", action="store_true", help="add torch.compile to the fast paths")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    parser.add_argument("--adain-decoder", default="auto",
                        help="AdaIN decoder: registry name or file; auto: a registered one for the encoder, else random")
    parser.add_argument("--images", default="photo", choices=["photo", "noise"],
                        help=f"what the nets run on: photo ({' + '.join(BENCH_PAIR)}) or noise (no assets needed)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--encoder", default="auto")
    args = parser.parse_args(argv)
    names = resolve_methods(args.methods)
    if args.list:
        print(list_methods())
        return 0
    if args.threads:
        torch.set_num_threads(args.threads)
    settings = BenchSettings(sizes=tuple(args.sizes), repeats=args.repeats, warmup=args.warmup,
                             slow_repeats=args.slow_repeats, gatys_iterations=args.iterations,
                             inverse_iterations=args.inverse_iterations, optimizer=args.optimizer,
                             fast_paths=not args.no_fast_paths, compile=args.compile,
                             adain_decoder=args.adain_decoder, images=args.images)
    report = run_bench(names, settings, device=args.device, encoder=args.encoder, progress=sys.stderr.isatty())
    print(report.format())
    return 0
