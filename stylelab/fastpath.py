"""Inference paths that keep the output: the same network, run faster, each checked against fp32 eager.

A :class:`FastPath` is one way to run a feed-forward net for inference:

* ``channels_last``: NHWC tensors, the layout oneDNN (CPU) and cuDNN tensor cores (GPU) prefer;
* ``native norms``: the slide-equation normalisation layers of :mod:`stylelab.norms` (μ, σ, then
  γ (x − μ)/σ + β in five separate passes) swapped for ``torch.nn.functional.instance_norm`` (one
  kernel), and eval-mode BatchNorm folded into the convolution before it (the offline VGG16-BN
  encoder); the same arithmetic up to float rounding (:func:`with_native_norms`);
* ``bf16`` / ``fp16`` autocast: convolutions in 16-bit floats (bf16 on a CPU only where oneDNN
  supports it, e.g. AVX512-BF16 or AMX);
* ``compile``: ``torch.compile`` (inductor; C++/OpenMP kernels on a CPU, Triton on a GPU, where
  ``max-autotune`` also benchmarks kernels and replays CUDA graphs);
* ``cuda graph``: the whole forward pass captured once and replayed (GPU only);
* ``threads``: more intra-op threads than the run uses (CPU only);
* ``onnxruntime``: the network exported to ONNX (:func:`stylelab.export.export_graph`, at the timed size) and
  run by onnxruntime's CPU provider, the peer runtime (CPU only; listed as skipped where onnxruntime is missing).

:func:`compare` runs every path on the same batch-1 input, in round robin (each repeat times every
path once, so a background load slows all of them alike), and reports each path's median seconds and
its largest absolute difference from fp32 eager on that input. :func:`fastest` picks the fastest path
that keeps the output (error within :data:`OUTPUT_TOLERANCE`); it is eager itself when nothing helps.
"""

from __future__ import annotations

import contextlib
import copy
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import torch
import torch.nn.functional as F
from torch import nn

from .errors import StylelabError
from .norms import ConditionalInstanceNorm, InstanceNorm
from .timing import EAGER_NAME, synchronize

#: Largest absolute difference from fp32 eager, as a fraction of the fp32 output's range (1 for an image in
#: [0, 1]), for a path to count as keeping the output: fp32 paths only reorder sums (~1e-6); 16-bit paths
#: round every activation, and 4/255 is four grey levels of an 8-bit image at the single worst pixel.
#: Relative, so that a net with untrained weights (a random AdaIN decoder's outputs span ~1e-2) is held
#: to the same precision as a trained one.
OUTPUT_TOLERANCE = {"fp32": 1e-3, "16-bit": 4 / 255}


@dataclass(frozen=True)
class FastPath:
    """One way to run a network for inference (see the module doc)."""

    name: str
    channels_last: bool = False
    native_norms: bool = False
    autocast: torch.dtype | None = None
    compile_mode: str | None = None  # None: eager; "default" or "max-autotune"
    cuda_graph: bool = False
    threads: int | None = None  # None: the run's thread count
    runtime: str = "torch"  # "onnxruntime": exported to ONNX and run there (stylelab.export)

    @property
    def precision(self) -> str:
        return "fp32" if self.autocast is None else "16-bit"

    @property
    def tolerance(self) -> float:
        return OUTPUT_TOLERANCE[self.precision]


EAGER = FastPath(EAGER_NAME)
#: The peer runtime: the network's ONNX export on onnxruntime's CPU provider, at the run's thread count.
ONNXRUNTIME = FastPath("onnxruntime (CPU)", runtime="onnxruntime")


def bf16_supported(device: torch.device) -> bool:
    """bf16 convolutions that run natively (CUDA with compute capability ≥ 8, or oneDNN on an AVX512-BF16/AMX CPU)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())


def candidates(device: torch.device, *, compile: bool = False) -> list[FastPath]:
    """The paths worth trying on ``device``; fp32 eager first (the reference).

    On a GPU: channels_last, native norms, fp16/bf16 autocast, a CUDA graph of the best eager
    combination, and (``compile``) ``torch.compile(mode="max-autotune")``. On a CPU: channels_last,
    native norms, bf16 autocast where oneDNN runs it natively, all cores as threads, onnxruntime (the
    network's ONNX export on its CPU provider; skipped with a note where it is not installed), and
    (``compile``) ``torch.compile`` (inductor's C++ kernels; tens of seconds to compile per net and size).
    """
    fused = FastPath("native norms + channels_last", channels_last=True, native_norms=True)
    paths = [EAGER, FastPath("channels_last", channels_last=True), FastPath("native norms", native_norms=True), fused]
    if device.type == "cuda":
        paths.append(replace(fused, name="fp16 autocast + native norms + channels_last", autocast=torch.float16))
        if bf16_supported(device):
            paths.append(replace(fused, name="bf16 autocast + native norms + channels_last", autocast=torch.bfloat16))
        paths.append(replace(fused, name="CUDA graph (fp16 autocast + native norms + channels_last)",
                             autocast=torch.float16, cuda_graph=True))
        if compile:
            paths.append(replace(fused, name="torch.compile max-autotune (fp16 autocast + native norms + channels_last)",
                                 autocast=torch.float16, compile_mode="max-autotune"))
        return paths
    if bf16_supported(device):
        paths.append(replace(fused, name="bf16 autocast + native norms + channels_last", autocast=torch.bfloat16))
    cores = os.cpu_count() or 1
    if cores > torch.get_num_threads():
        paths.append(replace(fused, name=f"native norms + channels_last, {cores} threads", threads=cores))
    paths.append(ONNXRUNTIME)
    if compile:
        # native norms: the slide layers' range check on a CIN style id is a data-dependent branch that would
        # break the graph at every CIN layer; channels_last measured within noise of this, so one compiled path
        paths.append(FastPath("torch.compile (inductor) + native norms", native_norms=True, compile_mode="default"))
    return paths


# --- native normalisation kernels ---------------------------------------------------------------

class NativeInstanceNorm(nn.Module):
    """:class:`stylelab.norms.InstanceNorm` as one ``F.instance_norm`` kernel (same γ, β, ε, biased variance)."""

    def __init__(self, norm: InstanceNorm):
        super().__init__()
        self.weight, self.bias, self.eps = norm.weight, norm.bias, norm.eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # statistics and output in fp32 even under autocast: only the convolutions round to 16 bits
        return F.instance_norm(x.float(), weight=self.weight, bias=self.bias, eps=self.eps)


class NativeConditionalInstanceNorm(nn.Module):
    """:class:`stylelab.norms.ConditionalInstanceNorm` as one ``F.instance_norm`` kernel.

    An int style picks its γˢ, βˢ rows by indexing (no host-side range check on a tensor, so a CUDA
    graph can capture it; the id is checked in Python); mixing weights go through ``style_weights``."""

    def __init__(self, norm: ConditionalInstanceNorm):
        super().__init__()
        self.norm = norm

    def forward(self, x: torch.Tensor, style) -> torch.Tensor:
        n, c = x.shape[:2]
        norm = self.norm
        if norm.clip:  # clipped statistics are not one instance_norm kernel: the layer itself
            return norm(x, style)
        if isinstance(style, int) and not isinstance(style, bool):
            if not 0 <= style < norm.num_styles:
                return norm(x, style)  # the original layer raises its one-line error
            gamma, beta = norm.weight[style].repeat(n), norm.bias[style].repeat(n)
        else:
            weights = norm.style_weights(style, n, x.device).to(norm.weight.dtype)
            gamma, beta = (weights @ norm.weight).reshape(-1), (weights @ norm.bias).reshape(-1)
        # one "sample" of N·C channels: each (sample, channel) plane gets its own γ, β
        y = F.instance_norm(x.float().reshape(1, n * c, *x.shape[2:]), weight=gamma.float(), bias=beta.float(),
                            eps=norm.eps).reshape(x.shape)
        if norm.leak is not None:  # the leaky form's + ℓ (x − μ)
            centred = x.float() - x.float().mean(dim=(2, 3), keepdim=True)
            y = y + norm.leak.float().view(1, -1, 1, 1) * centred
        return y


def _fold_batch_norms(container: nn.Module) -> None:
    """Fold every eval-mode BatchNorm2d that directly follows a Conv2d in an ordered container into that
    conv (w' = w γ/σ, b' = (b − μ) γ/σ + β) and replace the BatchNorm by an identity."""
    children = list(container.named_children())
    for (name_a, a), (name_b, b) in zip(children, children[1:]):
        if isinstance(a, nn.Conv2d) and isinstance(b, nn.BatchNorm2d) and not b.training and b.track_running_stats:
            fused = torch.nn.utils.fusion.fuse_conv_bn_eval(a, b)
            setattr(container, name_a, fused)
            setattr(container, name_b, nn.Identity())


def with_native_norms(module: nn.Module) -> nn.Module:
    """A copy of ``module`` with stylelab's IN/CIN layers as native kernels and eval BatchNorm folded
    into the preceding convolution. Outputs agree with ``module`` up to float rounding."""
    module = copy.deepcopy(module)
    for parent in list(module.modules()):
        if isinstance(parent, (nn.Sequential, nn.ModuleList, nn.ModuleDict)):
            _fold_batch_norms(parent)
        for name, child in list(parent.named_children()):
            if isinstance(child, InstanceNorm):
                setattr(parent, name, NativeInstanceNorm(child))
            elif isinstance(child, ConditionalInstanceNorm):
                setattr(parent, name, NativeConditionalInstanceNorm(child))
    return module


# --- networks and prepared paths ----------------------------------------------------------------

@dataclass
class Network:
    """A feed-forward network ready to time: its module, its batch-1 inputs at a size, how to call it.

    ``call(module, *inputs)`` returns an image batch in [0, 1]. ``random=True``: the net draws noise
    (Ulyanov's texture net), so every compared call starts from the same RNG seed. ``trained=False``:
    random weights, whose nearly flat outputs hide what 16-bit rounding does to a trained net's (a
    random AdaIN decoder's bf16 output stays within 0.02 % of fp32, one trained for 800 steps moved
    by 0.08 on a photo): a 16-bit path is timed and its error printed, but it is not trusted to keep
    the output."""

    name: str
    module: nn.Module
    inputs: Callable[[int, torch.device], tuple[torch.Tensor, ...]]
    call: Callable[..., torch.Tensor]
    random: bool = False
    trained: bool = True
    weights: str = ""  # where the weights come from, for the reader of a table


@contextlib.contextmanager
def _threads(count: int | None):
    if count is None or count == torch.get_num_threads():
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _same_noise(path: FastPath, network: Network):
    """Inductor draws random numbers with its own generator; a net that samples noise must draw the same
    numbers as eager (torch's generator) for its output to be compared."""
    if path.compile_mode is None or not network.random:
        return contextlib.nullcontext()
    import torch._inductor.config

    return torch._inductor.config.patch(fallback_random=True)


def prepare(path: FastPath, network: Network, example: Sequence[torch.Tensor],
            device: torch.device) -> Callable[..., torch.Tensor]:
    """``path`` applied to ``network``: a function of the network's inputs (the network is not changed).

    ``example``: inputs of the size that will be timed (a CUDA graph is captured on them)."""
    if path.cuda_graph and device.type != "cuda":
        raise StylelabError("a CUDA graph needs a CUDA device")
    if path.runtime == "onnxruntime":
        if device.type != "cpu":
            raise StylelabError("the onnxruntime path runs on the CPU")
        from . import export

        export.require("the onnxruntime fast path")
        return export.network_runner(network, example, threads=path.threads)
    module = with_native_norms(network.module) if path.native_norms else copy.deepcopy(network.module)
    module = module.eval().to(device)
    if path.channels_last:
        module = module.to(memory_format=torch.channels_last)
    if path.compile_mode is not None:
        options = {"mode": path.compile_mode} if path.compile_mode != "default" else {}
        # dynamic=False: one graph per size; a second size would otherwise turn the shapes symbolic, and the
        # texture net's torch.rand cannot take symbolic sizes
        module = torch.compile(module, dynamic=False, **options)

    def layout(x: torch.Tensor) -> torch.Tensor:
        return x.contiguous(memory_format=torch.channels_last) if path.channels_last and x.dim() == 4 else x

    def run(*inputs: torch.Tensor) -> torch.Tensor:
        inputs = tuple(layout(x) for x in inputs)
        # cache_enabled=False: cached fp16 weight copies may not outlive a CUDA graph capture
        autocast = (torch.autocast(device.type, dtype=path.autocast, cache_enabled=not path.cuda_graph)
                    if path.autocast is not None else contextlib.nullcontext())
        with torch.inference_mode(), autocast, _threads(path.threads), _same_noise(path, network):
            return network.call(module, *inputs).float().contiguous()

    if not path.cuda_graph:
        return run
    static_inputs = tuple(x.clone() for x in example)
    stream = torch.cuda.Stream(device)
    stream.wait_stream(torch.cuda.current_stream(device))
    with torch.cuda.stream(stream):
        for _ in range(3):  # warm-up outside the graph (cuDNN picks its algorithms here)
            run(*static_inputs)
    torch.cuda.current_stream(device).wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        static_output = run(*static_inputs)

    def replay(*inputs: torch.Tensor) -> torch.Tensor:
        for static, x in zip(static_inputs, inputs):
            static.copy_(x)
        graph.replay()
        return static_output

    return replay


@dataclass
class PathResult:
    """One path on one network at one size: median seconds, largest |difference| from fp32 eager."""

    network: str
    size: int
    path: str
    seconds: float
    max_error: float
    keeps_output: bool
    eager_seconds: float
    mean_error: float = 0.0
    setup_seconds: float | None = None  # the first call (compilation, graph capture); None: not measured
    output_range: float = 1.0  # max − min of the fp32 eager output
    threads: int = field(default_factory=torch.get_num_threads)
    note: str = ""

    @property
    def speedup(self) -> float:
        return self.eager_seconds / self.seconds


def compare(network: Network, size: int, device: torch.device, paths: Sequence[FastPath] | None = None, *,
            repeats: int = 5, warmup: int = 1, seed: int = 0,
            runners: dict[str, Callable[..., torch.Tensor]] | None = None) -> list[PathResult]:
    """Every path (default :func:`candidates`) on ``network`` at ``size`` px, batch 1: median seconds of
    ``repeats`` round-robin calls after ``warmup`` calls each, and max |output − fp32 eager output|.

    ``runners``: path name → a prepared function to time for that path instead of :func:`prepare` (stylize's
    backend times the ONNX file it runs). A path that cannot run here (onnxruntime not installed) is listed
    with NaN seconds, not kept, and a note saying why."""
    paths = list(paths if paths is not None else candidates(device))
    if not paths or paths[0] != EAGER:
        paths = [EAGER] + [p for p in paths if p != EAGER]
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        inputs = tuple(x.to(device) for x in network.inputs(size, device))
        runs, setup, outputs, skipped = [], [], [], {}
        for path in list(paths):
            started = time.perf_counter()
            try:
                run = (runners or {}).get(path.name) or prepare(path, network, inputs, device)
            except StylelabError as exc:
                if path.runtime == "torch":
                    raise
                skipped[path.name] = f"skipped: {exc}"
                paths.remove(path)
                continue
            outputs.append(_reference_output(run, inputs, network, seed, device))  # the first call compiles
            setup.append(time.perf_counter() - started)
            for _ in range(max(0, warmup - 1)):
                run(*inputs)
            runs.append(run)
        times: list[list[float]] = [[] for _ in paths]
        for _ in range(repeats):
            for k, run in enumerate(runs):
                synchronize(device)
                started = time.perf_counter()
                run(*inputs)
                synchronize(device)
                times[k].append(time.perf_counter() - started)
    medians = [sorted(t)[len(t) // 2] for t in times]
    output_range = float(outputs[0].max() - outputs[0].min())
    results = []
    for path, seconds, out, first in zip(paths, medians, outputs, setup):
        difference = (out - outputs[0]).abs()
        error = float(difference.max())
        own_noise = network.random and path.runtime != "torch"
        trusted = (network.trained or path.autocast is None) and not own_noise
        note = ("draws its own noise (not torch's): |Δ| here says nothing" if own_noise
                else "" if trusted else "random weights: a 16-bit error here says nothing")
        results.append(PathResult(network.name, size, path.name, seconds, error,
                                  trusted and error <= path.tolerance * output_range, medians[0],
                                  float(difference.mean()), first, output_range, path.threads or torch.get_num_threads(),
                                  note))
    nan = float("nan")
    results += [PathResult(network.name, size, name, nan, nan, False, medians[0], nan, None, output_range,
                           torch.get_num_threads(), note) for name, note in skipped.items()]
    return results


def _reference_output(run, inputs, network: Network, seed: int, device: torch.device) -> torch.Tensor:
    if network.random:
        torch.manual_seed(seed)
        if device.type == "cuda":
            torch.cuda.manual_seed(seed)
    out = run(*inputs)
    synchronize(device)
    return out.detach().float().cpu().clone()


def as_rows(results: Sequence[PathResult]) -> list[dict]:
    """Results as table rows (for ``run.save_table``): seconds, speed-up over fp32 eager, max / mean |Δ|."""
    def g(value: float | None, digits: int = 2):
        return None if value is None else float(f"{value:.{digits}g}")

    return [{"method": r.network, "size": r.size, "path": r.path, "threads": r.threads, "seconds": g(r.seconds, 4),
             "× fp32 eager": round(r.speedup, 2), "max |Δ|": g(r.max_error), "mean |Δ|": g(r.mean_error),
             "fp32 output range": g(r.output_range), "keeps output": r.keeps_output,
             "first call (s)": g(r.setup_seconds, 3), "note": r.note} for r in results]


def fastest(results: Sequence[PathResult]) -> PathResult:
    """The fastest path that keeps the output (fp32 eager when none beats it)."""
    keeping = [r for r in results if r.keeps_output]
    return min(keeping, key=lambda r: r.seconds)


# --- the optimisation methods: a faster encoder ---------------------------------------------------

class AutocastEncoder(nn.Module):
    """A named-layer encoder run under 16-bit autocast (and channels_last), its features returned in
    fp32: the Gatys fast path (Gram matrices and losses stay fp32, only the VGG convolutions round)."""

    def __init__(self, encoder: nn.Module, dtype: torch.dtype, channels_last: bool = True):
        super().__init__()
        # a copy: converting the caller's encoder in place would change its fp32 eager reference too
        self.encoder = copy.deepcopy(encoder).to(memory_format=torch.channels_last) if channels_last else encoder
        self.dtype, self.channels_last = dtype, channels_last
        self.name, self.layer_names = encoder.name, encoder.layer_names

    def check_layers(self, layers):
        return self.encoder.check_layers(layers)

    def forward(self, image: torch.Tensor, layers) -> dict[str, torch.Tensor]:
        if self.channels_last:
            image = image.contiguous(memory_format=torch.channels_last)
        with torch.autocast(image.device.type, dtype=self.dtype):
            features = self.encoder(image, layers)
        return {k: v.float().contiguous() for k, v in features.items()}
