"""Notebook 01's studies (Gatys et al.): the trade-off grid in the paper's α/β units, texture and content
reconstructions as figures, measures of "does the result carry the style?" that the optimisation never
saw, and the method's speed, timed through the speed table's registry as notebook 06 times it
(:func:`speed_report`). The method itself is :mod:`stylelab.methods.gatys` (typed :class:`GatysConfig`)."""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Sequence
from dataclasses import replace

import torch
from torch import nn

from .. import bench, timing
from ..encoders import MultiLayerEncoder
from ..images import to_pil
from ..methods import gatys
from ..perceptual import style_statistics_distance


def paper_alpha_over_beta(encoder: MultiLayerEncoder, content: torch.Tensor, style: torch.Tensor,
                          config: gatys.GatysConfig) -> float:
    """The ratio α/β of Gatys et al.'s eq. 7 that gives the same optimum as ``config``'s normalised loss.

    stylelab minimises α·mean(F−P)²/c + β·Σ_l w_l E_l / s, with c the content target's mean square and s
    the style loss of an all-zero feature map. The paper's loss is α'·½Σ(F−P)² + β'·Σ_l w_l E_l, so
    α'/β' = (α/β) · 2 s / (c · N_l M_l). It is in *this encoder's* activation units: the paper's VGG-19 on
    0–255 inputs has other scales, so the ratio matches the paper's only in kind, not in value."""
    if config.normalize != "total":
        raise ValueError("paper_alpha_over_beta needs the 'total' normalisation")
    objective = gatys.GatysObjective(encoder, config, content, style)
    c = float(objective.content_target.square().mean())
    s = float(objective.loss.style_scales[0, 0])
    numel = objective.content_target[0].numel()
    return (config.content_weight / config.style_weight) * 2 * s / (c * numel)


def tradeoff_grid(content: torch.Tensor, style: torch.Tensor, encoder: MultiLayerEncoder, layers: Sequence[str],
                  style_weights: Sequence[float], base: gatys.GatysConfig, *, progress: bool = False):
    """One stylisation per (content layer, β/α); returns the images and a row per cell with the paper's α/β."""
    images, rows = [], []
    for layer in layers:
        for beta in style_weights:
            config = replace(base, content_layer=layer, style_weight=beta)
            images.append(gatys.stylize(content, style, encoder, config, progress=progress).image)
            rows.append({"content layer": layer, "beta/alpha (stylelab)": beta,
                         "alpha/beta (paper eq. 7, this encoder)": paper_alpha_over_beta(encoder, content, style, config)})
    return images, rows


def tradeoff_figure(images: Sequence[torch.Tensor], rows: Sequence[dict], ncols: int):
    """The grid with two-line titles (stylelab's β/α and the paper's α/β), spaced so that they do not overlap."""
    import matplotlib.pyplot as plt

    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.6 * ncols, 3.0 * nrows + 0.5), squeeze=False,
                             gridspec_kw={"hspace": 0.45, "wspace": 0.08})
    for ax, image, r in zip(axes.flat, images, rows):
        ax.imshow(to_pil(image))
        ax.axis("off")
        ax.set_title(f"{r['content layer']}, β/α = {r['beta/alpha (stylelab)']:g}\n"
                     f"paper α/β ≈ {r['alpha/beta (paper eq. 7, this encoder)']:.1e}", fontsize=8)
    fig.suptitle("Content layer (rows) × style weight (columns), from white noise", fontsize=10)
    return fig


def style_layer_shares(encoder: MultiLayerEncoder, style: torch.Tensor,
                       layers: Sequence[str] = gatys.STYLE_LAYERS) -> dict[str, float]:
    """Each layer's share of Σ_l w_l E_l for an all-zero feature map (equal w_l): how much say each layer
    has under the paper's balance on this encoder."""
    config = gatys.GatysConfig(content_layer=None, style_layers=tuple(layers), content_weight=0.0, normalize="per_layer")
    scales = gatys.GatysObjective(encoder, config, None, style).loss.style_scales[0]
    return {layer: float(v) for layer, v in zip(layers, (scales / scales.sum()).tolist())}


def colour_histogram_distance(image: torch.Tensor, style: torch.Tensor, bins: int = 32) -> float:
    """½ Σ |h_x − h_s| of the per-channel RGB histograms (averaged over R, G, B): 0 = same colour
    distribution, 1 = disjoint. Pixels only: no loss in the optimisation looks at them directly."""
    total = 0.0
    for c in range(3):
        hx = torch.histc(image[:, c].flatten().float(), bins=bins, min=0, max=1)
        hs = torch.histc(style[:, c].flatten().float(), bins=bins, min=0, max=1)
        total += 0.5 * float((hx / hx.sum() - hs / hs.sum()).abs().sum())
    return total / 3


def unseen_style_measures(encoder: MultiLayerEncoder, images: dict[str, torch.Tensor], style: torch.Tensor) -> list[dict]:
    """For each image: the Gram style loss that was optimised, and two measures it never saw: the
    feature-statistics distance d(x, s) = Σ_l ‖μ_l(x) − μ_l(s)‖ + ‖σ_l(x) − σ_l(s)‖ at relu1_1…relu4_1
    (AdaIN's statistics, not the Gram matrices) and the RGB colour-histogram distance."""
    return [{"image": name, "Gram style loss (optimised)": gatys.style_distance(encoder, x, style),
             "mu/sigma distance d(x, s) (not optimised)": float(style_statistics_distance(encoder, x, style)[0]),
             "colour histogram distance (not optimised)": colour_histogram_distance(x, style)}
            for name, x in images.items()]


def correlation_length(image: torch.Tensor) -> float:
    """The size of an image's structures, in pixels: the mean distance at which the luminance's
    autocorrelation (periodic, via FFT) first falls below 1/2 (radially averaged). Larger = coarser texture."""
    y = image[0].mean(0).float()
    y = y - y.mean()
    spectrum = torch.fft.rfft2(y)
    auto = torch.fft.irfft2(spectrum.abs().square(), s=y.shape)
    auto = auto / auto[0, 0].clamp_min(1e-12)
    h, w = y.shape
    dy = torch.minimum(torch.arange(h), h - torch.arange(h))[:, None].float()
    dx = torch.minimum(torch.arange(w), w - torch.arange(w))[None, :].float()
    radius = (dy.square() + dx.square()).sqrt().round().long()
    for r in range(1, int(min(h, w) // 2)):
        ring = auto[radius == r]
        if ring.numel() and float(ring.mean()) < 0.5:
            return float(r)
    return float(min(h, w) // 2)


def mean_wavelength(image: torch.Tensor) -> float:
    """The power-weighted mean wavelength of the luminance (pixels): 1 / Σ_f |Y(f)|² f / Σ_f |Y(f)|² over the
    non-zero spatial frequencies f (cycles per pixel). Larger = more of the image's contrast in large structures."""
    y = image[0].mean(0).float()
    y = y - y.mean()
    power = torch.fft.fft2(y).abs().square()
    fy = torch.fft.fftfreq(y.shape[0])[:, None]
    fx = torch.fft.fftfreq(y.shape[1])[None, :]
    freq = (fy.square() + fx.square()).sqrt()
    keep = freq > 0
    return float(1.0 / ((power[keep] * freq[keep]).sum() / power[keep].sum().clamp_min(1e-12)))


def with_average_pooling(encoder: MultiLayerEncoder) -> MultiLayerEncoder:
    """A copy of ``encoder`` whose max-pooling layers average instead, as Gatys et al. used for their
    figures ("replacing the max-pooling operation by average pooling improves the gradient flow")."""

    clone = copy.deepcopy(encoder)
    for name, module in clone.layers.items():
        if isinstance(module, nn.MaxPool2d):
            clone.layers[name] = nn.AvgPool2d(module.kernel_size, module.stride, module.padding)
    return clone


def speed_report(encoder: MultiLayerEncoder, sizes: Sequence[int], iterations: int, *, device,
                 progress: bool = False) -> bench.BenchReport:
    """Gatys' row of the speed table (``bench.run_bench(["gatys"], ...)``, the timer notebook 06 runs):
    ``iterations`` L-BFGS iterations timed per size (fewer than 500: extrapolated to 500, marked), on a
    fixed-noise pair (the cost does not depend on the pixels), fp32 eager only, style encoding timed apart."""
    settings = bench.BenchSettings(sizes=tuple(sizes), gatys_iterations=iterations, fast_paths=False, images="noise")
    return bench.run_bench(["gatys"], settings, device=device, encoder=encoder, progress=progress)


#: The α/β values of Gatys et al.'s Figure 3 (columns), the paper's VGG-19 on 0–255 inputs; their one home here.
PAPER_FIGURE3_ALPHA_OVER_BETA = (1e-5, 1e-4, 1e-3, 1e-2)


def pixel_distance(image: torch.Tensor, reference: torch.Tensor) -> float:
    """RMS difference of two images' pixels (0–1 scale): 0 = identical; two unrelated photos ≈ 0.3–0.4."""
    return float((image - reference).square().mean().sqrt())


def reconstruction_rows(original: torch.Tensor, reconstructions: Sequence[torch.Tensor],
                        layers: Sequence[str]) -> list[dict]:
    """Per layer: the RMS pixel distance of its content reconstruction to the photo."""
    return [{"layer": layer, "RMS distance to the photo": pixel_distance(x, original)}
            for layer, x in zip(layers, reconstructions)]


def wavelength_rows(titles: Sequence[str], images: Sequence[torch.Tensor]) -> list[dict]:
    """Per panel: the mean wavelength of its luminance (:func:`mean_wavelength`, pixels)."""
    return [{"panel": t, "mean wavelength (px)": round(mean_wavelength(x), 1)} for t, x in zip(titles, images)]


def grid_photo_distances(images: Sequence[torch.Tensor], rows: Sequence[dict], content: torch.Tensor) -> list[dict]:
    """The trade-off grid's rows with each cell's RMS pixel distance to the content photo added."""
    return [{**r, "RMS distance to the photo": pixel_distance(x, content)} for x, r in zip(images, rows)]


def crossover(lbfgs: Sequence[float], adam: Sequence[float]) -> int | None:
    """The first iteration (1-based) from which L-BFGS' loss stays below Adam's; None if it never does."""
    below = [a < b for a, b in zip(lbfgs, adam)]
    for i in range(len(below)):
        if all(below[i:]):
            return i + 1
    return None


def timed_stylize(content: torch.Tensor, style: torch.Tensor, encoder: MultiLayerEncoder,
                  config: gatys.GatysConfig, *, progress: bool = False):
    """:func:`gatys.stylize` timed end to end (style encoding and every iteration, synchronised):
    (result, seconds)."""
    device = content.device
    timing.synchronize(device)
    started = time.perf_counter()
    result = gatys.stylize(content, style, encoder, config, progress=progress)
    timing.synchronize(device)
    return result, time.perf_counter() - started


def check_iterations(bench_iterations: int) -> int:
    """Iterations of the end-to-end check run: three times the benchmark's sample, at most 30."""
    return max(1, min(3 * bench_iterations, 30))


def timed_check_run(encoder: MultiLayerEncoder, size: int, iterations: int, *, device) -> float:
    """Seconds for one plain Gatys run of ``iterations`` L-BFGS iterations at ``size`` px, end to end, on the
    benchmark's noise pair (style encoding included): what the benchmark's per-iteration time predicts."""
    content, style = timing.bench_pair(size, device, bench.BenchSettings(sizes=(size,), images="noise"))
    return timed_stylize(content, style, encoder, gatys.GatysConfig(iterations=iterations))[1]


def per_iteration_rows(report: bench.BenchReport) -> list[dict]:
    """Per size: what was timed and seconds per iteration (the number that compares across runs), the
    500-iteration total it multiplies out to, and the paper's Titan X seconds (``bench.paper_seconds``)."""
    timed = min(report.settings.gatys_iterations, bench.PAPER_ITERATIONS)
    rows = []
    for r in report.rows:
        per_iteration = r.seconds / bench.PAPER_ITERATIONS
        paper = bench.paper_seconds("gatys", r.size)
        rows.append({"size (px)": f"{r.size}×{r.size}", "iterations timed": timed,
                     "s / iteration": per_iteration, "style encoding (s)": r.with_style_encoding - r.seconds,
                     f"× {bench.PAPER_ITERATIONS} (s)": r.seconds,
                     "paper, Titan X (s)": "N/A" if paper is None else paper,
                     "ours / paper": "N/A" if paper is None else r.seconds / paper})
    return rows


def is_positive_finite(x: float) -> bool:
    return math.isfinite(x) and x > 0


def speed_rows(report: bench.BenchReport) -> list[dict]:
    """The paper's Gatys row beside ours, per size: seconds for 500 iterations, without and with style
    encoding, and whether they were extrapolated from fewer."""
    iterations = min(report.settings.gatys_iterations, bench.PAPER_ITERATIONS)
    return [{"method": report.label(r.method), "size (px)": r.size, "iterations run": iterations,
             f"seconds for {bench.PAPER_ITERATIONS} iterations": round(r.seconds, 2),
             "with style encoding": round(r.with_style_encoding, 2), "extrapolated": r.extrapolated,
             "paper (Titan X)": r.paper_seconds, "paper with style encoding": r.paper_with_style_encoding}
            for r in report.rows]
