"""Timing harness for the AdaIN paper's speed table (Huang & Belongie, ICCV 2017, Table 1), every row.

    python -m stylelab bench --list                               # the methods, and what is timed for each
    python -m stylelab bench                                      # all five at 256 and 512 px, with fast paths
    python -m stylelab bench adain dumoulin --sizes 512 --compile # torch.compile among the fast paths
    python -m stylelab bench gatys --sizes 256 --iterations 5     # CPU: 5 iterations, extrapolated to 500 (*)
    python -m stylelab bench --device cuda --compile              # the GPU targets, printed pass/fail

(``python -m stylelab.bench`` is the same command.) Timing: batch 1, warm-up calls first, CUDA
synchronisation around every timed call, the median of several calls. Optimisation methods run fewer
iterations than they count when asked to (Gatys' 500 L-BFGS iterations, the style-swap inverse's 30):
the seconds per iteration are measured and multiplied out, and the row is marked extrapolated (*).

The paper's numbers live here and nowhere else (:data:`PAPER_SPEED`); the methods are a registry
(:data:`METHODS`); the feed-forward nets are also timed along :mod:`stylelab.fastpath`'s inference
paths, each against fp32 eager (:func:`fast_paths`).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import torch
from torch import nn
from tqdm.auto import tqdm

from . import fastpath, provenance
from .device import describe, resolve_device
from .encoders import MultiLayerEncoder, build_encoder
from .errors import StylelabError
from .fastpath import EAGER, FastPath, Network, PathResult
from .norms import adain as adain_features

PAPER_ITERATIONS = 500
PAPER_DEVICE = "Pascal Titan X"
PAPER_ENCODER = "vgg19"


@dataclass(frozen=True)
class PaperRow:
    """One row of the paper's Table 1: seconds per image on a Pascal Titan X."""

    method: str  # the paper's name for it
    seconds: dict[int, float]  # size → seconds, style encoding excluded
    with_style_encoding: dict[int, float] | None  # size → seconds including it; None: N/A in the paper
    styles: int | None  # styles one model paints; None: any style (∞)

    @property
    def styles_label(self) -> str:
        return "∞" if self.styles is None else str(self.styles)


#: The AdaIN paper's Table 1 (the deck reproduces it): "Time (256px)", "Time (512px)", in brackets with
#: style encoding, and "# Styles". The one home of these numbers.
PAPER_SPEED: dict[str, PaperRow] = {
    "gatys": PaperRow("Gatys et al.", {256: 14.17, 512: 46.75}, {256: 14.19, 512: 46.79}, None),
    "chen_schmidt": PaperRow("Chen and Schmidt", {256: 0.171, 512: 3.214}, {256: 0.407, 512: 4.144}, None),
    "ulyanov": PaperRow("Ulyanov et al.", {256: 0.011, 512: 0.038}, None, 1),
    "dumoulin": PaperRow("Dumoulin et al.", {256: 0.011, 512: 0.038}, None, 32),
    "adain": PaperRow("AdaIN (ours)", {256: 0.018, 512: 0.065}, {256: 0.027, 512: 0.098}, None),
}

#: Targets the benchmark prints pass/fail for (issue #11): on a GPU, AdaIN at 512 px in 1 ms excluding
#: style encoding and Gatys at 512 px, 500 iterations, in 3 s; on any other device, every feed-forward
#: method's fast path no slower than its fp32 eager network in the same run.
GPU_TARGETS = {("adain", 512): 0.001, ("gatys", 512): 3.0}
#: A Gatys fast path keeps the output when its result's fp32 loss is at most this much above fp32 eager's
#: (pixels of two optimisation runs drift apart; the loss says whether the result is as good).
GATYS_LOSS_TOLERANCE = 0.05


def paper_row(method: str) -> PaperRow:
    """The paper's row by registry key (``"adain"``) or by the paper's name (``"AdaIN (ours)"``)."""
    if method in PAPER_SPEED:
        return PAPER_SPEED[method]
    row = next((r for r in PAPER_SPEED.values() if r.method == method), None)
    if row is None:
        raise StylelabError(f"the paper's table has no row {method!r}; rows: {', '.join(PAPER_SPEED)}")
    return row


def paper_seconds(method: str, size: int, with_style_encoding: bool = False) -> float | None:
    """The paper's Titan X seconds for ``method`` (key or paper name) at ``size`` px; None where it gives none."""
    row = paper_row(method)
    table = row.with_style_encoding if with_style_encoding else row.seconds
    return None if table is None else table.get(size)


def paper_table_markdown() -> str:
    """The slide's table, from :data:`PAPER_SPEED` (seconds, in brackets with style encoding)."""
    lines = ["| Method | Time (256px) | Time (512px) | # Styles |", "|---|---|---|---|"]
    for row in PAPER_SPEED.values():
        cells = []
        for size in (256, 512):
            with_encoding = paper_seconds(row.method, size, True)
            cells.append(f"{row.seconds[size]:g} ({'N/A' if with_encoding is None else f'{with_encoding:g}'})")
        lines.append(f"| {row.method} | {cells[0]} | {cells[1]} | {row.styles_label} |")
    return "\n".join(lines)


# --- timing primitives ----------------------------------------------------------------------------

def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _median_seconds(fn: Callable[[], object], device: torch.device, repeats: int, warmup: int) -> tuple[float, object]:
    """Median seconds of ``repeats`` calls of ``fn`` after ``warmup`` calls, synchronised; and the last result."""
    out = None
    for _ in range(warmup):
        out = fn()
    times = []
    for _ in range(max(1, repeats)):
        _synchronize(device)
        started = time.perf_counter()
        out = fn()
        _synchronize(device)
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2], out


def time_forward(net: torch.nn.Module, size: int, *, device="auto", repeats: int = 5, warmup: int = 2,
                 **kwargs) -> float:
    """Median seconds of one forward pass of ``net`` on a 1×3×size×size input (batch 1, no grad),
    after ``warmup`` passes, with CUDA synchronisation around each timed pass."""
    device = resolve_device(device)
    x = torch.rand(1, 3, size, size, generator=torch.Generator().manual_seed(0)).to(device)
    with torch.no_grad():
        seconds, _ = _median_seconds(lambda: net(x, **kwargs), device, repeats, warmup)
    return seconds


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


def time_gatys(size: int, *, iterations: int = PAPER_ITERATIONS, device="auto",
               encoder: str | MultiLayerEncoder = "auto", optimizer: str = "lbfgs", warmup: int = 1) -> Timing:
    """Seconds for a whole Gatys run (style encoding included) on a ``size``×``size`` pair of fixed noise.

    ``encoder`` is a name for :func:`build_encoder` or an encoder already built on ``device``
    (a notebook passes its own, so the weights are not loaded twice)."""
    from .methods.gatys import GatysConfig, stylize

    device = resolve_device(device)
    model = encoder if isinstance(encoder, MultiLayerEncoder) else build_encoder(encoder, device=device)
    content, style = _noise_pair(size, device)
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


def _noise_pair(size: int, device: torch.device, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A content and a style image of fixed noise: the cost does not depend on what the pixels show."""
    generator = torch.Generator().manual_seed(seed)
    return (torch.rand(1, 3, size, size, generator=generator).to(device),
            torch.rand(1, 3, size, size, generator=generator).to(device))


#: The pair the benchmark runs on by default: a test photograph and one of AdaIN's held-out paintings.
#: The cost does not depend on the pixels, but a fast path's error does: on uniform noise a trained
#: AdaIN decoder's bf16 output stays within 0.01 of fp32, on this pair it moves by 0.08.
BENCH_PAIR = ("content/golden_gate", "style/woman_with_hat_matisse")


def _photo_pair(size: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """:data:`BENCH_PAIR` scaled to ``size`` on the short side and centre-cropped to size × size."""
    from . import assets, images

    out = []
    for name in BENCH_PAIR:
        image = images.load_image(assets.fetch(name), short_side=size)
        top, left = (image.shape[-2] - size) // 2, (image.shape[-1] - size) // 2
        out.append(image[..., top:top + size, left:left + size].contiguous().to(device))
    return out[0], out[1]


def bench_pair(size: int, device: torch.device, settings: "BenchSettings") -> tuple[torch.Tensor, torch.Tensor]:
    """The content and style images every method runs on: ``settings.images`` "photo" or "noise"."""
    return _photo_pair(size, device) if settings.images == "photo" else _noise_pair(size, device, settings.seed)


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


# --- the registry ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class BenchSettings:
    """How a benchmark run times the methods (the profiles' ``speed`` section fills one in)."""

    sizes: tuple[int, ...] = (256, 512)
    repeats: int = 5  # timed calls per feed-forward net, size and path (median)
    warmup: int = 1  # untimed calls first
    slow_repeats: int = 1  # timed runs of the optimisation methods (median)
    gatys_iterations: int = PAPER_ITERATIONS  # L-BFGS iterations run; fewer: extrapolated to 500
    inverse_iterations: int | None = None  # style-swap inverse iterations run; None: all it counts
    optimizer: str = "lbfgs"
    fast_paths: bool = True  # time the feed-forward nets along every fast path, not only fp32 eager
    compile: bool = False  # torch.compile among the fast paths (tens of seconds per net and size on a CPU)
    more_threads: bool = True  # on a CPU, also try all cores as threads
    # the AdaIN decoder: a weights-registry name or a model file; "auto": the first registered decoder trained
    # against the run's encoder, random weights when there is none; None: random weights
    adain_decoder: str | None = "auto"
    images: str = "photo"  # "photo": BENCH_PAIR (fast-path errors as on real images); "noise": no assets needed
    seed: int = 0

    def validate(self) -> None:
        if not self.sizes or any(s < 32 or s % 16 for s in self.sizes):
            raise StylelabError(f"sizes must be multiples of 16, at least 32 (the texture net halves the image "
                                f"four times), got {list(self.sizes)}")
        for name in ("repeats", "slow_repeats", "gatys_iterations"):
            if getattr(self, name) < 1:
                raise StylelabError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.warmup < 0:
            raise StylelabError(f"warmup must be 0 or more, got {self.warmup}")
        if self.inverse_iterations is not None and self.inverse_iterations < 1:
            raise StylelabError(f"inverse_iterations must be at least 1, got {self.inverse_iterations}")
        if self.images not in ("photo", "noise"):
            raise StylelabError(f"images must be 'photo' or 'noise', not {self.images!r}")
        if self.optimizer not in ("lbfgs", "adam"):
            raise StylelabError(f"optimizer must be 'lbfgs' or 'adam', not {self.optimizer!r}")


@dataclass
class BenchContext:
    """What the timers share: device, encoder, settings, and the networks built once per method."""

    device: torch.device
    encoder: MultiLayerEncoder
    settings: BenchSettings
    networks: dict = field(default_factory=dict)
    progress: bool = False


@dataclass
class SpeedRow:
    """One method at one size: our seconds (fp32 eager), the fast path's, and how they were obtained."""

    method: str  # registry key
    size: int
    seconds: float  # style encoding excluded, fp32 eager
    with_style_encoding: float | None = None  # None: the method has no style input (one net per style set)
    fast_seconds: float | None = None  # the fastest path that keeps the output; None: not timed
    fast_with_style_encoding: float | None = None
    fast_path: str = EAGER.name
    measured: str = ""  # what was timed, and what was multiplied out
    extrapolated: bool = False
    weights: str = ""  # a feed-forward net's weights: committed, registered or random
    paths: list[PathResult] = field(default_factory=list, repr=False)

    @property
    def paper(self) -> PaperRow:
        return PAPER_SPEED[self.method]

    @property
    def paper_seconds(self) -> float | None:
        return self.paper.seconds.get(self.size)

    @property
    def paper_with_style_encoding(self) -> float | None:
        return None if self.paper.with_style_encoding is None else self.paper.with_style_encoding.get(self.size)

    @property
    def ratio(self) -> float | None:
        """Our seconds over the paper's: how many times longer this device takes than the Titan X."""
        return None if self.paper_seconds is None else self.seconds / self.paper_seconds

    @property
    def ratio_with_style_encoding(self) -> float | None:
        if self.with_style_encoding is None or self.paper_with_style_encoding is None:
            return None
        return self.with_style_encoding / self.paper_with_style_encoding


@dataclass(frozen=True)
class BenchMethod:
    """One row of the table: how stylelab times it, and what that is compared to the paper's."""

    key: str
    kind: str  # "optimisation" or "feed-forward"
    styles: str  # styles per model in our timing
    what: str  # one line: what is timed
    time: Callable[[int, BenchContext], SpeedRow]

    @property
    def paper(self) -> PaperRow:
        return PAPER_SPEED[self.key]


def _time_gatys_row(size: int, ctx: BenchContext) -> SpeedRow:
    from .methods.gatys import GatysConfig, GatysObjective, optimize_image

    s, device = ctx.settings, ctx.device
    content, style = bench_pair(size, device, s)
    measured = min(s.gatys_iterations, PAPER_ITERATIONS)
    config = GatysConfig(iterations=measured, optimizer=s.optimizer)
    encoders: list[tuple[str, nn.Module]] = [(EAGER.name, ctx.encoder)]
    if s.fast_paths and fastpath.bf16_supported(device):
        # bf16, not fp16: the backward pass through VGG needs bf16's range
        encoders.append(("bf16 autocast + channels_last", fastpath.AutocastEncoder(ctx.encoder, torch.bfloat16)))
    reference = GatysObjective(ctx.encoder, config, content, style)
    results, images, losses = [], [], []
    for name, encoder in encoders:
        if s.warmup:
            optimize_image(GatysObjective(encoder, config, content, style), content, replace(config, iterations=1),
                           progress=False)
        encoding, _ = _median_seconds(lambda: GatysObjective(encoder, config, content, style), device,
                                      s.slow_repeats, 0)
        objective = GatysObjective(encoder, config, content, style)
        seconds, result = _median_seconds(lambda: optimize_image(objective, content, config, progress=False), device,
                                          s.slow_repeats, 0)
        with torch.no_grad():
            losses.append(float(reference(result.image)["total"]))
        images.append(result.image.float().cpu())
        total = seconds / measured * PAPER_ITERATIONS
        results.append((name, total, total + encoding))
    rows = []
    output_range = float(images[0].max() - images[0].min())
    for (name, total, _), image, loss in zip(results, images, losses):
        difference = (image - images[0]).abs()
        rows.append(PathResult("gatys", size, name, total, float(difference.max()),
                               loss <= losses[0] * (1 + GATYS_LOSS_TOLERANCE), results[0][1], float(difference.mean()),
                               output_range=output_range,
                               note=f"fp32 loss after {measured} it. ×{loss / losses[0]:.3f} of eager's"))
    best = fastpath.fastest(rows)
    best_with = next(w for n, _, w in results if n == best.path)
    optimizer = "L-BFGS" if s.optimizer == "lbfgs" else "Adam"
    how = (f"{measured} of {PAPER_ITERATIONS} {optimizer} iterations timed, ×{PAPER_ITERATIONS / measured:g}"
           if measured < PAPER_ITERATIONS else f"{PAPER_ITERATIONS} {optimizer} iterations")
    return SpeedRow("gatys", size, results[0][1], results[0][2], fast_seconds=best.seconds,
                    fast_with_style_encoding=best_with, fast_path=best.path, measured=how,
                    extrapolated=measured < PAPER_ITERATIONS, paths=rows)


def _time_chen_schmidt_row(size: int, ctx: BenchContext) -> SpeedRow:
    from .methods.style_swap import StyleSwapConfig, invert_features, style_swap

    s, device, encoder = ctx.settings, ctx.device, ctx.encoder
    config = StyleSwapConfig()
    counted = config.iterations
    measured = min(s.inverse_iterations or counted, counted)
    content, style = bench_pair(size, device, s)
    layer = config.layer
    with torch.no_grad():
        encoding, style_features = _median_seconds(lambda: encoder(style, [layer])[layer], device, s.slow_repeats,
                                                   s.warmup)
        swap, swapped = _median_seconds(
            lambda: style_swap(encoder(content, [layer])[layer], style_features, config.patch_size, config.stride),
            device, s.slow_repeats, s.warmup)
    if s.warmup:
        invert_features(encoder, swapped, content, replace(config, iterations=1))
    inverse, _ = _median_seconds(lambda: invert_features(encoder, swapped, content, replace(config, iterations=measured)),
                                 device, s.slow_repeats, 0)
    seconds = swap + inverse / measured * counted
    how = (f"swap + {measured} of {counted} inverse L-BFGS iterations timed, ×{counted / measured:g}"
           if measured < counted else f"swap + {counted} inverse L-BFGS iterations")
    return SpeedRow("chen_schmidt", size, seconds, seconds + encoding, measured=how, extrapolated=measured < counted)


class AdaINTransfer(nn.Module):
    """AdaIN with the style's relu4_1 features precomputed: g(AdaIN(f(c), f(s))), the paper's time
    "excluding style encoding"."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, content: torch.Tensor, style_features: torch.Tensor) -> torch.Tensor:
        return self.model.decoder(adain_features(self.model.encode(content), style_features, unbiased=self.model.unbiased))


def _content_input(ctx: BenchContext) -> Callable[[int, torch.device], tuple[torch.Tensor]]:
    return lambda size, device: (bench_pair(size, device, ctx.settings)[0],)


def _ulyanov_network(ctx: BenchContext) -> Network:
    from .nets import TextureNet

    if "ulyanov" not in ctx.networks:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(ctx.settings.seed)
            net = TextureNet().eval().to(ctx.device)
        ctx.networks["ulyanov"] = Network("ulyanov", net, _content_input(ctx), lambda m, x: m(x), random=True, trained=False,
                                          weights="random weights")
    return ctx.networks["ulyanov"]


DUMOULIN_PRETRAINED = "cin-instance-4styles"


def _dumoulin_network(ctx: BenchContext) -> Network:
    from .methods import cin, feedforward
    from .weights import pretrained_path

    if "dumoulin" not in ctx.networks:
        # the committed CIN net's weights, grown to the paper's 32 styles (the new rows start at the
        # mean of the four; a CIN net's cost does not depend on how many rows it holds)
        trained = feedforward.load_net(pretrained_path(DUMOULIN_PRETRAINED), device=ctx.device)
        net = cin.grow_styles(trained.net, PAPER_SPEED["dumoulin"].styles - cin.num_styles(trained.net)).eval()
        ctx.networks["dumoulin"] = Network("dumoulin", net, _content_input(ctx), lambda m, x: m(x, 0),
                                           weights=f"{DUMOULIN_PRETRAINED} grown to 32 styles, style 0")
    return ctx.networks["dumoulin"]


def registered_adain_decoder(encoder_kind: str) -> str | None:
    """The first decoder in the weights registry trained against ``encoder_kind`` (read from the recipe
    beside each file, so no model is loaded), or None."""
    import json

    from .weights import PRETRAINED_DIR, registry

    for name, entry in registry().items():
        sidecar = PRETRAINED_DIR / f"{entry.file}.json"
        try:
            recipe = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if recipe.get("kind") == "adain" and recipe.get("config", {}).get("encoder") == encoder_kind:
            return name
    return None


def _adain_model(ctx: BenchContext) -> tuple[nn.Module, str | None]:
    """The AdaIN model to time and the decoder's name (None: random weights)."""
    from .methods import adain

    if "adain_model" not in ctx.networks:
        name = ctx.settings.adain_decoder
        if name == "auto":
            name = registered_adain_decoder(adain.encoder_kind(ctx.encoder))
        if name:
            from .stylize import model_file

            model = adain.load_decoder(model_file(name), encoder=ctx.encoder, device=ctx.device).model
        else:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(ctx.settings.seed)
                model = adain.AdaINModel(ctx.encoder, adain.build_decoder())
        ctx.networks["adain_model"] = (model.eval().to(ctx.device), name)
    return ctx.networks["adain_model"]


def _adain_networks(ctx: BenchContext) -> tuple[Network, Network]:
    """(without style encoding: content + the style's precomputed features, with: content + style image)."""
    model, decoder = _adain_model(ctx)

    def precomputed(size, device):
        content, style = bench_pair(size, device, ctx.settings)
        with torch.no_grad():
            return content, model.encode(style)

    trained, weights = decoder is not None, f"decoder {decoder}" if decoder else "random decoder weights"
    without = Network("adain", AdaINTransfer(model), precomputed, lambda m, c, f: m(c, f), trained=trained,
                      weights=weights)
    full = Network("adain + style encoding", model, lambda size, device: bench_pair(size, device, ctx.settings),
                   lambda m, c, s: m(c, s), trained=trained, weights=weights)
    return without, full


def fast_path_candidates(ctx: BenchContext, network: Network) -> list[FastPath]:
    if not ctx.settings.fast_paths:
        return [EAGER]
    paths = fastpath.candidates(ctx.device, compile=ctx.settings.compile)
    if not ctx.settings.more_threads:
        paths = [p for p in paths if p.threads is None]
    if network.random:  # a replayed graph would not draw the eager noise again: its output cannot be compared
        paths = [p for p in paths if not p.cuda_graph]
    return paths


def _feedforward_row(key: str, size: int, ctx: BenchContext, network: Network,
                     with_encoding: Network | None = None) -> SpeedRow:
    s = ctx.settings
    paths = fast_path_candidates(ctx, network)
    results = fastpath.compare(network, size, ctx.device, paths, repeats=s.repeats, warmup=s.warmup, seed=s.seed)
    best = fastpath.fastest(results)
    how = f"median of {s.repeats} forward passes" + (f"; {network.weights}" if network.weights else "")
    row = SpeedRow(key, size, results[0].seconds, fast_seconds=best.seconds if s.fast_paths else None,
                   fast_path=best.path, measured=how, weights=network.weights, paths=results)
    if with_encoding is not None:
        chosen = next(p for p in paths if p.name == best.path)
        full = fastpath.compare(with_encoding, size, ctx.device, [EAGER] + ([chosen] if chosen != EAGER else []),
                                repeats=s.repeats, warmup=s.warmup, seed=s.seed)
        row.with_style_encoding = full[0].seconds
        row.fast_with_style_encoding = full[-1].seconds if s.fast_paths else None
    return row


METHODS: dict[str, BenchMethod] = {m.key: m for m in [
    BenchMethod("gatys", "optimisation", "∞",
                "L-BFGS on the pixels against VGG Gram (relu1_1…relu5_1) and content (relu4_2) losses, "
                "500 iterations; style encoding: the style's Gram targets (and the content target)",
                _time_gatys_row),
    BenchMethod("chen_schmidt", "optimisation", "∞",
                "style swap at relu3_1 (3×3 patches), then our optimisation inverse (30 L-BFGS iterations), "
                "not the paper's inverse network; style encoding: the style's relu3_1 features",
                _time_chen_schmidt_row),
    BenchMethod("ulyanov", "feed-forward", "1",
                "texture network (5 scales, width 8, instance norm), random weights: one forward pass",
                lambda size, ctx: _feedforward_row("ulyanov", size, ctx, _ulyanov_network(ctx))),
    BenchMethod("dumoulin", "feed-forward", "32",
                f"Johnson net with conditional instance norm, 32 styles ({DUMOULIN_PRETRAINED} grown to 32): "
                f"one forward pass",
                lambda size, ctx: _feedforward_row("dumoulin", size, ctx, _dumoulin_network(ctx))),
    BenchMethod("adain", "feed-forward", "∞",
                "encoder to relu4_1, AdaIN, decoder (a registered decoder trained against this encoder, else "
                "random weights); style encoding: the style's relu4_1 features",
                lambda size, ctx: _feedforward_row("adain", size, ctx, *_adain_networks(ctx))),
]}


def resolve_methods(names: Sequence[str] | None) -> list[str]:
    """Registry keys for ``names`` (None or empty: all, in the paper's order); '-' and '_' are the same."""
    if not names:
        return list(METHODS)
    keys = []
    for name in names:
        key = name.replace("-", "_").lower()
        if key not in METHODS:
            raise StylelabError(f"unknown method {name!r}; choose from {', '.join(METHODS)} "
                                f"(python -m stylelab bench --list)")
        if key not in keys:
            keys.append(key)
    return keys


def list_methods() -> str:
    """One line per method: key, kind, the paper's row and styles, what we time."""
    lines = []
    for m in METHODS.values():
        lines.append(f"{m.key:13s} {m.kind:13s} paper: {m.paper.method} ({m.paper.styles_label} styles); "
                     f"ours ({m.styles} styles): {m.what}")
    return "\n".join(lines)


@dataclass
class BenchReport:
    """A benchmark run: one row per method and size, and where it ran."""

    rows: list[SpeedRow]
    device: str
    device_type: str
    encoder: str
    versions: str
    settings: BenchSettings

    def table(self) -> list[dict]:
        """One dict per method (CSV/Markdown rows): ours and the paper's seconds at each size, with and
        without style encoding, the ratio ours / paper, the fast path, and how each number was obtained."""
        out = []
        for key in dict.fromkeys(r.method for r in self.rows):
            rows = {r.size: r for r in self.rows if r.method == key}
            paper = PAPER_SPEED[key]
            entry: dict = {"method": paper.method, "styles (paper)": paper.styles_label, "styles (ours)": METHODS[key].styles}
            for size, r in rows.items():
                entry[f"ours {size} (s)"] = _round(r.seconds)
                entry[f"paper {size} (s)"] = r.paper_seconds
                entry[f"ratio {size}"] = _round(r.ratio)
                entry[f"ours {size} with style encoding (s)"] = _na(r.with_style_encoding)
                entry[f"paper {size} with style encoding (s)"] = _na(r.paper_with_style_encoding)
                entry[f"ratio {size} with style encoding"] = _na(r.ratio_with_style_encoding)
            for size, r in rows.items():
                entry[f"fast path {size} (s)"] = _na(r.fast_seconds)
            entry["fast path"] = "; ".join(dict.fromkeys(r.fast_path for r in rows.values() if r.fast_seconds))
            entry["extrapolated"] = any(r.extrapolated for r in rows.values())
            entry["how measured"] = next(iter(rows.values())).measured
            entry["what we time"] = METHODS[key].what
            out.append(entry)
        return out

    def path_results(self) -> list[PathResult]:
        return [p for r in self.rows for p in r.paths]

    def fast_path_table(self) -> list[dict]:
        """One dict per (method, size, path): median seconds, speed-up over fp32 eager, max / mean |difference|."""
        return fastpath.as_rows(self.path_results())

    def targets(self) -> list[tuple[str, float, float, bool]]:
        """(what, ours, limit, passed): the GPU targets on a GPU, else fast path ≤ fp32 eager per feed-forward net."""
        checks = []
        if self.device_type == "cuda":
            for (key, size), limit in GPU_TARGETS.items():
                row = next((r for r in self.rows if r.method == key and r.size == size), None)
                if row is not None and row.fast_seconds is not None:
                    what = (f"{PAPER_SPEED[key].method} at {size} px" +
                            (" excluding style encoding" if key == "adain" else f", {PAPER_ITERATIONS} iterations"))
                    checks.append((what + f" ({row.fast_path})", row.fast_seconds, limit, row.fast_seconds <= limit))
            return checks
        for row in self.rows:
            if METHODS[row.method].kind == "feed-forward" and row.fast_seconds is not None:
                checks.append((f"{PAPER_SPEED[row.method].method} at {row.size} px: {row.fast_path} vs fp32 eager",
                               row.fast_seconds, row.seconds, row.fast_seconds <= row.seconds))
        return checks

    def format(self) -> str:
        lines = [f"device: {self.device}", f"encoder: {self.encoder} (the paper: {PAPER_ENCODER})",
                 f"versions: {self.versions}", "",
                 "seconds per image, batch 1; in brackets with style encoding; ratio = ours / paper "
                 f"({PAPER_DEVICE}); * extrapolated", ""]
        header = ["method", "size", "ours (s)", "paper (s)", "ratio", "fast path (s)", "how"]
        body = []
        for r in self.rows:
            mark = "*" if r.extrapolated else ""
            body.append([PAPER_SPEED[r.method].method, str(r.size),
                         _pair(r.seconds, r.with_style_encoding, mark), _pair(r.paper_seconds, r.paper_with_style_encoding),
                         _pair(r.ratio, r.ratio_with_style_encoding, suffix="×"),
                         "" if r.fast_seconds is None else f"{_pair(r.fast_seconds, r.fast_with_style_encoding, mark)} "
                                                          f"{r.fast_path}", r.measured])
        lines += _text_table(header, body)
        paths = self.path_results()
        if paths:
            lines += ["", "fast paths against fp32 eager (same run, same input, round-robin medians); |Δ| = |path's "
                          "output − fp32 eager's|; keeps: max |Δ| within "
                          f"{fastpath.OUTPUT_TOLERANCE['fp32']:g} (fp32) or 4/255 (16-bit) of the fp32 output's range", ""]
            lines += _text_table(["method", "size", "path", "seconds", "× eager", "max |Δ|", "mean |Δ|", "range", "keeps",
                                  "notes"],
                                 [[p.network, str(p.size), p.path, f"{p.seconds:.4g}", f"{p.speedup:.2f}",
                                   f"{p.max_error:.1e}", f"{p.mean_error:.1e}", f"{p.output_range:.2g}",
                                   "yes" if p.keeps_output else "no",
                                   "; ".join(x for x in (_first_call(p), p.note) if x)] for p in paths])
        targets = self.format_targets()
        if targets:
            lines += ["", "targets:", targets]
        return "\n".join(lines)

    def format_targets(self) -> str:
        return "\n".join(f"  {'pass' if passed else 'FAIL'}  {what}: {_seconds(ours)} (limit {_seconds(limit)})"
                         for what, ours, limit, passed in self.targets())


def _first_call(result: PathResult) -> str:
    """The first call's seconds where it is worth a note (compilation, graph capture)."""
    if result.setup_seconds is None or result.setup_seconds < 1 or result.setup_seconds < 3 * result.seconds:
        return ""
    return f"first call {result.setup_seconds:.1f} s"


def _round(value: float | None) -> float | None:
    return None if value is None else float(f"{value:.4g}")


def _na(value: float | None):
    return "N/A" if value is None else _round(value)


def _seconds(value: float) -> str:
    return f"{value * 1e3:.3g} ms" if value < 0.1 else f"{value:.3g} s"


def _pair(value: float | None, bracket: float | None, mark: str = "", suffix: str = "") -> str:
    if value is None:
        return "N/A"
    text = f"{value:.4g}{suffix}{mark}"
    return text + (f" ({bracket:.4g}{suffix}{mark})" if bracket is not None else " (N/A)")


def _text_table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    return ["  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip() for line in [header] + rows]


def run_bench(methods: Sequence[str] | None = None, settings: BenchSettings = BenchSettings(), *, device="auto",
              encoder: str | MultiLayerEncoder = "auto", progress: bool = True) -> BenchReport:
    """Time ``methods`` (registry keys; None: all five) at ``settings.sizes`` on ``device``."""
    settings.validate()
    keys = resolve_methods(methods)
    device = resolve_device(device)
    model = encoder if isinstance(encoder, MultiLayerEncoder) else build_encoder(encoder, device=device)
    ctx = BenchContext(device, model, settings, progress=progress)
    jobs = [(key, size) for key in keys for size in settings.sizes]
    rows = []
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        for key, size in tqdm(jobs, desc="bench", disable=not progress, dynamic_ncols=True):
            rows.append(METHODS[key].time(size, ctx))
    return BenchReport(rows, device_label(device), device.type, model.name, library_versions(device), settings)


def fast_paths(method: str, size: int = 512, *, device="auto", encoder: str | MultiLayerEncoder = "auto",
               repeats: int = 5, warmup: int = 1, compile: bool = False, more_threads: bool = True,
               adain_decoder: str | None = "auto", images: str = "photo") -> list[PathResult]:
    """Every fast path of one feed-forward method at ``size`` px against fp32 eager, in one run
    (for a notebook: AdaIN at 512 px is no slower than its plain fp32 eager network, both printed).

        results = bench.fast_paths("adain", size=512, repeats=3, adain_decoder="adain-decoder-craft")
        run.save_table(fastpath.as_rows(results), "04_fast_paths")
        best = fastpath.fastest(results)   # results[0] is fp32 eager"""
    key = resolve_methods([method])[0]
    if METHODS[key].kind != "feed-forward":
        raise StylelabError(f"{key} is an optimisation method; fast paths are timed for the feed-forward "
                            f"ones: {', '.join(k for k, m in METHODS.items() if m.kind == 'feed-forward')}")
    settings = BenchSettings(sizes=(size,), repeats=repeats, warmup=warmup, compile=compile,
                             more_threads=more_threads, adain_decoder=adain_decoder, images=images)
    settings.validate()
    report = run_bench([key], settings, device=device, encoder=encoder, progress=False)
    return report.rows[0].paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stylelab bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("methods", nargs="*", metavar="method", help=f"any of {', '.join(METHODS)} (default: all)")
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
    try:
        keys = resolve_methods(args.methods)
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
        report = run_bench(keys, settings, device=args.device, encoder=args.encoder, progress=sys.stderr.isatty())
    except StylelabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report.format())
    return 0


if __name__ == "__main__":
    sys.exit(main())
