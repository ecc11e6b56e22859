"""Timing primitives, in one place: what the speed table (:mod:`stylelab.bench`), the methods' timers
(each method's ``speed`` entry, :class:`stylelab.methods.base.Speed`) and the fast paths
(:mod:`stylelab.fastpath`) share.

* :func:`synchronize`, :func:`median_seconds`, :func:`time_forward`: batch 1, warm-up calls first, CUDA
  synchronisation around every timed call, the median of several calls;
* :func:`cpu_name`, :func:`device_label`, :func:`library_versions`, :func:`timing_stamp`: a timing names
  its hardware and library versions;
* :class:`BenchSettings` (how a run times the methods), :class:`BenchContext` (what a method's timer gets),
  :class:`SpeedRow` (what it returns), :func:`bench_pair` (the images every method runs on);
* :func:`feedforward_row`: the whole timer of a feed-forward method, given its network (one forward pass,
  along every fast path, each checked against fp32 eager).

A method's timer is ``time(size, ctx) -> SpeedRow``; a feed-forward method's is usually one line:

    def _time_row(size, ctx):
        return timing.feedforward_row(size, ctx, Network("mine", net, timing.content_input(ctx), lambda m, x: m(x)))

Layering: this module imports neither :mod:`stylelab.bench` nor the methods (they import it).
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import torch

from . import assets, images, provenance
from .device import describe, resolve_device
from .errors import StylelabError

if TYPE_CHECKING:
    from .encoders import MultiLayerEncoder
    from .fastpath import FastPath, Network, PathResult

#: The iterations an optimisation timer counts (the paper's Gatys row: 500 L-BFGS iterations); a run of
#: fewer is multiplied out to these and marked extrapolated. (The paper's other numbers:
#: :mod:`stylelab.bench.paper`; this one lives here because the timers, below the table, count with it.)
PAPER_ITERATIONS = 500

#: The name of the reference path every fast path is compared with (:data:`stylelab.fastpath.EAGER`).
EAGER_NAME = "fp32 eager"


# --- timing primitives ----------------------------------------------------------------------------

def synchronize(device: torch.device) -> None:
    """Wait for the device's queued work (CUDA); a no-op elsewhere."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def median_seconds(fn: Callable[[], object], device: torch.device, repeats: int, warmup: int) -> tuple[float, object]:
    """Median seconds of ``repeats`` calls of ``fn`` after ``warmup`` calls, synchronised; and the last result."""
    out = None
    for _ in range(warmup):
        out = fn()
    times = []
    for _ in range(max(1, repeats)):
        synchronize(device)
        started = time.perf_counter()
        out = fn()
        synchronize(device)
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2], out


def time_forward(net: torch.nn.Module, size: int, *, device="auto", repeats: int = 5, warmup: int = 2,
                 **kwargs) -> float:
    """Median seconds of one forward pass of ``net`` on a 1×3×size×size input (batch 1, no grad),
    after ``warmup`` passes, with CUDA synchronisation around each timed pass."""
    device = resolve_device(device)
    x = torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(0)).to(device)
    with torch.no_grad():
        seconds, _ = median_seconds(lambda: net(x, **kwargs), device, repeats, warmup)
    return seconds


# --- hardware and versions, for the stamp -----------------------------------------------------------

def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def device_label(device: torch.device) -> str:
    """The device as a timing stamp names it: the GPU's name, or the CPU's model and the threads used."""
    if device.type == "cuda":
        return describe(device)
    if device.type == "cpu":
        return f"cpu ({cpu_name()}, {torch.get_num_threads()} of {os.cpu_count()} cores as threads)"
    return device.type


def library_versions(device: torch.device | None = None) -> str:
    import torchvision

    parts = [f"python {platform.python_version()}", f"torch {torch.__version__}", f"torchvision {torchvision.__version__}"]
    if device is not None and device.type == "cuda":
        parts += [f"CUDA {torch.version.cuda}", f"cuDNN {torch.backends.cudnn.version()}"]
    return ", ".join(parts)


def timing_stamp(stamp: provenance.Stamp, device: torch.device) -> provenance.Stamp:
    """``stamp`` with the hardware's name and the library versions (a timing means nothing without them)."""
    return replace(stamp, device=device_label(device), versions=library_versions(device))


# --- what a benchmark run gives each method's timer, and what it gets back ----------------------------

@dataclass(frozen=True)
class BenchSettings:
    """How a benchmark run times the methods (the profiles' ``speed`` section fills one in)."""

    sizes: tuple[int, ...] = (256, 512)
    repeats: int = 5  # timed calls per feed-forward net, size and path (median)
    warmup: int = 1  # untimed calls first
    slow_repeats: int = 1  # timed runs of the optimisation methods (median)
    # untimed runs of the optimisation methods first: a run of seconds hides a first call's overhead, so 0 is
    # fair there (the quick profile's notebook 06 saves a 512-px style swap with it)
    slow_warmup: int = 1
    gatys_iterations: int = PAPER_ITERATIONS  # L-BFGS iterations run; fewer: extrapolated to 500
    inverse_iterations: int | None = None  # style-swap inverse iterations run; None: all it counts
    optimizer: str = "lbfgs"
    fast_paths: bool = True  # time the feed-forward nets along every fast path, not only fp32 eager
    # the sizes timed along the fast paths (None: every size); the others get fp32 eager only
    fast_path_sizes: tuple[int, ...] | None = None
    compile: bool = False  # torch.compile among the fast paths (tens of seconds per net and size on a CPU)
    more_threads: bool = True  # on a CPU, also try all cores as threads
    # the AdaIN decoder: a weights-registry name or a model file; "auto": the first registered decoder trained
    # against the run's encoder, random weights when there is none; None: random weights
    adain_decoder: str | None = "auto"
    images: str = "photo"  # "photo": BENCH_PAIR (fast-path errors as on real images); "noise": no assets needed
    seed: int = 0

    def times_fast_paths(self, size: int) -> bool:
        """Whether the nets are timed along every fast path at ``size``, not only fp32 eager."""
        return self.fast_paths and (self.fast_path_sizes is None or size in self.fast_path_sizes)

    def validate(self) -> None:
        if not self.sizes or any(s < 32 or s % 16 for s in self.sizes):
            raise StylelabError(f"sizes must be multiples of 16, at least 32 (the texture net halves the image "
                                f"four times), got {list(self.sizes)}")
        for name in ("repeats", "slow_repeats", "gatys_iterations"):
            if getattr(self, name) < 1:
                raise StylelabError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("warmup", "slow_warmup"):
            if getattr(self, name) < 0:
                raise StylelabError(f"{name} must be 0 or more, got {getattr(self, name)}")
        if self.fast_path_sizes is not None and not set(self.fast_path_sizes) <= set(self.sizes):
            raise StylelabError(f"fast_path_sizes {list(self.fast_path_sizes)} must be among the sizes "
                                f"{list(self.sizes)}")
        if self.inverse_iterations is not None and self.inverse_iterations < 1:
            raise StylelabError(f"inverse_iterations must be at least 1, got {self.inverse_iterations}")
        if self.images not in ("photo", "noise"):
            raise StylelabError(f"images must be 'photo' or 'noise', not {self.images!r}")
        if self.optimizer not in ("lbfgs", "adam"):
            raise StylelabError(f"optimizer must be 'lbfgs' or 'adam', not {self.optimizer!r}")


@dataclass
class BenchContext:
    """What the timers share: device, encoder, settings, and the networks built once per method
    (``networks``: a cache a timer keys by its method's name)."""

    device: torch.device
    encoder: MultiLayerEncoder
    settings: BenchSettings
    networks: dict = field(default_factory=dict)
    progress: bool = False


@dataclass
class SpeedRow:
    """One method at one size: our seconds (fp32 eager), the fast path's, and how they were obtained.

    ``method`` is the method's registry name and ``paper`` its row of the paper's table (None: not in
    it); :func:`stylelab.bench.run_bench` sets both, so a timer need not."""

    method: str
    size: int
    seconds: float  # style encoding excluded, fp32 eager
    with_style_encoding: float | None = None  # None: the method has no style input (one net per style set)
    fast_seconds: float | None = None  # the fastest path that keeps the output; None: not timed
    fast_with_style_encoding: float | None = None
    fast_path: str = EAGER_NAME
    measured: str = ""  # what was timed, and what was multiplied out
    extrapolated: bool = False
    weights: str = ""  # a feed-forward net's weights: committed, registered or random
    paths: list[PathResult] = field(default_factory=list, repr=False)
    paper: Any = field(default=None, repr=False)  # a stylelab.bench.paper.PaperRow; None: not in the paper's table

    @property
    def paper_seconds(self) -> float | None:
        return None if self.paper is None else self.paper.seconds.get(self.size)

    @property
    def paper_with_style_encoding(self) -> float | None:
        if self.paper is None or self.paper.with_style_encoding is None:
            return None
        return self.paper.with_style_encoding.get(self.size)

    @property
    def ratio(self) -> float | None:
        """Our seconds over the paper's: how many times longer this device takes than the Titan X."""
        return None if self.paper_seconds is None else self.seconds / self.paper_seconds

    @property
    def ratio_with_style_encoding(self) -> float | None:
        if self.with_style_encoding is None or self.paper_with_style_encoding is None:
            return None
        return self.with_style_encoding / self.paper_with_style_encoding


# --- the images every method runs on ----------------------------------------------------------------

def noise_pair(size: int, device: torch.device, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A content and a style image of fixed noise: the cost does not depend on what the pixels show."""
    generator = torch.Generator().manual_seed(seed)
    return (torch.rand(1, 3, size, size, generator=generator).to(device),
            torch.rand(1, 3, size, size, generator=generator).to(device))


#: The pair the benchmark runs on by default: a test photograph and one of AdaIN's held-out paintings.
#: The cost does not depend on the pixels, but a fast path's error does: on uniform noise a trained
#: AdaIN decoder's bf16 output stays within 0.01 of fp32, on this pair it moves by 0.08.
BENCH_PAIR = ("content/golden_gate", "style/woman_with_hat_matisse")


def photo_pair(size: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """:data:`BENCH_PAIR` scaled to ``size`` on the short side and centre-cropped to size × size."""
    out = []
    for name in BENCH_PAIR:
        image = images.load_image(assets.fetch(name), short_side=size)
        top, left = (image.shape[-2] - size) // 2, (image.shape[-1] - size) // 2
        out.append(image[..., top:top + size, left:left + size].contiguous().to(device))
    return out[0], out[1]


def bench_pair(size: int, device: torch.device, settings: BenchSettings) -> tuple[torch.Tensor, torch.Tensor]:
    """The content and style images every method runs on: ``settings.images`` "photo" or "noise"."""
    return photo_pair(size, device) if settings.images == "photo" else noise_pair(size, device, settings.seed)


def content_input(ctx: BenchContext) -> Callable[[int, torch.device], tuple[torch.Tensor]]:
    """A :class:`~stylelab.fastpath.Network`'s ``inputs`` for a net that takes the content image only."""
    return lambda size, device: (bench_pair(size, device, ctx.settings)[0],)


# --- a feed-forward method's row ------------------------------------------------------------------

def fast_path_candidates(ctx: BenchContext, network: Network, size: int) -> list[FastPath]:
    """The paths a run times ``network`` along at ``size``: fp32 eager only where the settings time no fast
    path (:meth:`BenchSettings.times_fast_paths`)."""
    from . import fastpath

    if not ctx.settings.times_fast_paths(size):
        return [fastpath.EAGER]
    paths = fastpath.candidates(ctx.device, compile=ctx.settings.compile)
    if not ctx.settings.more_threads:
        paths = [p for p in paths if p.threads is None]
    if network.random:  # a replayed graph would not draw the eager noise again, onnxruntime would draw its own:
        paths = [p for p in paths if not p.cuda_graph and p.runtime == "torch"]  # their output cannot be compared
    return paths


def feedforward_row(size: int, ctx: BenchContext, network: Network, with_encoding: Network | None = None) -> SpeedRow:
    """A feed-forward method's row: ``network`` (style encoding excluded) along every fast path against fp32
    eager, median of ``settings.repeats`` round-robin passes; ``with_encoding`` (the same method with the
    style image as input, if it has one) along fp32 eager and the path chosen for ``network``."""
    from . import fastpath

    s = ctx.settings
    fast = s.times_fast_paths(size)
    paths = fast_path_candidates(ctx, network, size)
    results = fastpath.compare(network, size, ctx.device, paths, repeats=s.repeats, warmup=s.warmup, seed=s.seed)
    best = fastpath.fastest(results)
    how = f"median of {s.repeats} forward passes" + (f"; {network.weights}" if network.weights else "")
    row = SpeedRow(network.name, size, results[0].seconds, fast_seconds=best.seconds if fast else None,
                   fast_path=best.path, measured=how, weights=network.weights, paths=results)
    if with_encoding is not None:
        chosen = next(p for p in paths if p.name == best.path)
        full = fastpath.compare(with_encoding, size, ctx.device,
                                [fastpath.EAGER] + ([chosen] if chosen != fastpath.EAGER else []),
                                repeats=s.repeats, warmup=s.warmup, seed=s.seed)
        row.with_style_encoding = full[0].seconds
        row.fast_with_style_encoding = full[-1].seconds if fast else None
    return row
