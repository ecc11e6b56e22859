"""Notebook 02's studies (feed-forward transfer: Johnson et al., Ulyanov et al., IN vs BN) as functions.

    run = experiment.start("feedforward", profile=profile, ...)
    trained = feedforward_study.pretrained(run.cfg.pretrained)          # the committed Johnson net
    rows, outputs = feedforward_study.unseen_ratios(trained, encoder, contents, style)
    curves = feedforward_study.in_vs_bn(encoder, FeedForwardConfig(...), normaliser=trained.net)

The methods live in :mod:`stylelab.methods.feedforward` (typed :class:`FeedForwardConfig`); this module
only runs the notebook's experiments and draws their figures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import matplotlib.pyplot as plt
import numpy as np
import torch

from .. import assets, images
from ..encoders import MultiLayerEncoder
from ..methods import feedforward, gatys
from ..methods.feedforward import FeedForwardConfig, TrainedNet
from ..perceptual import PerceptualLoss, statistics_ratio, style_statistics
from ..timing import BenchSettings
from ..weights import pretrained_path
from ..weights import recipe_command as command_of_recipe
from ..plots import smooth, smoothed_curves
from .normalization import span  # noqa: F401  (re-exported for the notebooks' sentences)

#: AdaIN paper, Figure 1: the three training conditions of the IN-vs-BN comparison.
CONDITIONS = ("original", "contrast-normalised", "style-normalised")


def pretrained(name: str, device="cpu") -> TrainedNet:
    """A committed net (``stylelab/data/weights.tsv``), verified by its sha256."""
    return feedforward.load_net(pretrained_path(name), device=device)


def content_images(names: Sequence[str], short_side: int, device="cpu") -> list[torch.Tensor]:
    """AdaIN test photographs (never in the training set), cropped to multiples of 16 (Ulyanov's 4 scales)."""
    out = []
    for name in names:
        image = images.load_image(assets.fetch(f"content/{name}"), short_side=short_side, device=device)
        out.append(image[..., : image.shape[-2] // 16 * 16, : image.shape[-1] // 16 * 16])
    return out


def unseen_ratios(net: torch.nn.Module, encoder: MultiLayerEncoder, contents: Sequence[torch.Tensor],
                  style: torch.Tensor, names: Sequence[str], label: str = "Johnson net"
                  ) -> tuple[list[dict], list[torch.Tensor]]:
    """Stylise each content image in one forward pass; ratio d(output, s) / d(content, s) per image."""
    rows, outputs = [], []
    style_stats = style_statistics(encoder, style)
    for name, content in zip(names, contents):
        output = feedforward.stylize(net, content)
        ratio = round(statistics_ratio(style_statistics(encoder, output), style_statistics(encoder, content),
                                       style_stats).item(), 3)
        rows.append({"content": name, f"ratio ({label})": ratio})
        outputs.append(output)
    return rows, outputs


def recipe_rows(nets: dict[str, TrainedNet]) -> list[dict]:
    """How each committed net was trained, from its model file's config and recipe (one row per net)."""
    rows = []
    for name, trained in nets.items():
        c, r = trained.config, trained.recipe
        rows.append({"net": name, "architecture": c.architecture, "parameters": f"{count(trained.net):,}",
                     "starts from": r["init_from"]["name"] if "init_from" in r else "—",
                     "steps": r.get("steps", c.steps), "crop (px)": c.image_size, "batch": c.batch_size,
                     "style weight": c.style_weight, "normalize": c.normalize,
                     "training (min)": round(r.get("wall_time_s", float("nan")) / 60, 1),
                     "device": f"{r.get('device', '?')}, {r.get('threads', '?')} thread(s)"})
    return rows


def training_stages(trained: TrainedNet) -> list[dict]:
    """The stages that made a committed net, oldest first: a fine-tuned net's recipe keeps its parent's config
    and recipe (``init_from``), so the whole lineage is read from the one model file."""
    stages, config, recipe = [], trained.config.to_dict(), trained.recipe
    while True:
        parent = recipe.get("init_from")
        stages.append({"stage": "fine-tune" if parent else "training", "from": parent["name"] if parent else "—",
                       "steps": recipe.get("steps", config["steps"]), "crop (px)": config["image_size"],
                       "photos' short side ≤ (px)": config["max_side"],
                       "crop / short side": "–".join(f"{v:g}" for v in config["crop_range"]),
                       "lr": config["lr"], "style weight": config["style_weight"], "TV weight": config["tv_weight"],
                       # issue #23's terms and norms (absent from older files: off); the tried-and-dropped ones
                       # (peak penalty, leaky CIN, tone term) made no shipped net and are left out of this table
                       "flat weight (τ)": (f"{config['flat_weight']:g} (τ {config['flat_threshold']:g}"
                                           + ("" if config.get("flat_window", 9) == 9  # the first fine-tunes' box
                                              else f", {config['flat_window']} px window") + ")"
                                           if config.get("flat_weight") else "—"),
                       "spot weight (m)": (f"{config['spot_weight']:g} (m {config['spot_margin']:g})"
                                           if config.get("spot_weight") else "—"),
                       "CIN statistics": (f"clipped to μ ± {config['norm_clip']:g}σ" if config.get("norm_clip")
                                          else "plain μ, σ") if config["norm"] == "conditional_instance" else "—",
                       "minutes": round(recipe.get("wall_time_s", float("nan")) / 60, 1)})
        if not parent:
            return stages[::-1]
        config, recipe = parent["config"], parent["recipe"]


def count(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def style_layer_terms(encoder: MultiLayerEncoder, config: FeedForwardConfig, style: torch.Tensor,
                      output: torch.Tensor, normalize: str) -> list[dict]:
    """Each style layer's part of the normalised style term of ``output`` under ``normalize``
    (``"total"``, ``"per_layer"``), and its all-zero E_l relative to the deepest layer's: which layer
    the loss listens to. The net's own layers and weights; only the normalisation is changed."""
    loss = PerceptualLoss(encoder, replace(config, normalize=normalize).perceptual(), [style])
    targets = loss._targets_for(torch.tensor([0]))
    weights = torch.tensor([loss.layer_weights[k] for k in targets])
    with torch.no_grad():
        features = encoder(output, list(targets))
        terms = (loss._layer_losses(features, targets) / loss.style_scales[:1] * weights)[0]
        zeros = {k: t.new_zeros(1, t.shape[-1], 4, 4) for k, t in targets.items()}
        at_zero = loss._layer_losses(zeros, targets)[0]
    shares = terms / terms.sum()
    return [{"layer": k, "E_l(0) / E_last(0)": float(at_zero[i] / at_zero[-1]),
             "share of the style term": round(float(shares[i]), 3)} for i, k in enumerate(targets)]


def gap_fractions(gaps: list[dict]) -> dict[str, float]:
    """How much of the original BN-IN gap (BN / IN − 1) each normalisation of the inputs closes:
    1 − (r_condition − 1) / (r_original − 1), per condition other than the original."""
    ratio = {row["condition"]: row["BN / IN"] for row in gaps}
    base = ratio[CONDITIONS[0]] - 1
    return {c: 1 - (ratio[c] - 1) / base for c in CONDITIONS[1:]}


def gatys_seconds(encoder: MultiLayerEncoder, sizes: Sequence[int], iterations: int, device,
                  progress: bool = False) -> dict[int, dict]:
    """Gatys et al. timed as notebook 06 does (``bench.run_bench``): ``iterations`` L-BFGS iterations per
    size on a fixed-noise pair, fp32 eager, style encoding excluded, extrapolated to 500 when fewer.
    Per size: seconds for 500 iterations, seconds per iteration, iterations run, extrapolated or not."""
    from .. import bench  # imported here: bench imports the methods, which import this package's users

    settings = BenchSettings(sizes=tuple(sizes), gatys_iterations=iterations, fast_paths=False, images="noise")
    report = bench.run_bench(["gatys"], settings, device=device, encoder=encoder, progress=progress)
    total = bench.PAPER_ITERATIONS
    return {r.size: {"seconds": r.seconds, "per_iteration": r.seconds / total, "iterations": min(iterations, total),
                     "extrapolated": r.extrapolated} for r in report.rows}


def ratio_grid(stylise: Callable[[torch.Tensor, int, torch.Tensor], torch.Tensor], encoder: MultiLayerEncoder,
               contents: Sequence[torch.Tensor], styles: Sequence[torch.Tensor], content_names: Sequence[str],
               style_names: Sequence[str]) -> tuple[list[list[torch.Tensor]], list[dict]]:
    """Every content through every style, ``stylise(content, style_index, style_image)``; one row of ratios
    d(output, s) / d(content, s) per content image (the grids of notebooks 03 and 04)."""
    outputs, rows = [], []
    style_stats = [style_statistics(encoder, style) for style in styles]  # each painting encoded once
    for content, cname in zip(contents, content_names):
        row_out, row = [], {"content": cname}
        content_stats = style_statistics(encoder, content)
        for s, (style, sname) in enumerate(zip(styles, style_names)):
            out = stylise(content, s, style)
            row_out.append(out)
            ratio = statistics_ratio(style_statistics(encoder, out), content_stats, style_stats[s])
            row[sname.split("/")[-1]] = round(ratio.item(), 3)
        outputs.append(row_out)
        rows.append(row)
    return outputs, rows


def gatys_ratios(encoder: MultiLayerEncoder, contents: Sequence[torch.Tensor], style: torch.Tensor,
                 iterations: int, progress: bool = True) -> tuple[list[float], list[torch.Tensor]]:
    """Gatys et al. on the same pairs and at the same size, with the same measure."""
    config = gatys.GatysConfig(iterations=iterations)
    ratios, outputs = [], []
    style_stats = style_statistics(encoder, style)
    for content in contents:
        result = gatys.stylize(content, style, encoder, config, progress=progress)
        ratio = statistics_ratio(style_statistics(encoder, result.image), style_statistics(encoder, content),
                                 style_stats)
        ratios.append(round(ratio.item(), 3))
        outputs.append(result.image)
    return ratios, outputs


def contrast_normalise(batch: torch.Tensor) -> torch.Tensor:
    """Each image's channels to mean 0.5 and standard deviation 0.2 (clipped to [0, 1]): the contrast
    normalisation of the AdaIN paper's Figure 1 (b), kept in the [0, 1] range the nets expect."""
    mean = batch.mean(dim=(2, 3), keepdim=True)
    std = batch.std(dim=(2, 3), keepdim=True).clamp_min(1e-3)
    return (0.5 + 0.2 * (batch - mean) / std).clamp(0, 1)


def style_normaliser(net: torch.nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """Figure 1 (c): every training image first stylised into one *other* style by a trained net."""
    def normalise(batch: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return net(batch)
    return normalise


def in_vs_bn(encoder: MultiLayerEncoder, config: FeedForwardConfig, normaliser: torch.nn.Module, *,
             dataset=None, progress: bool = True) -> dict[tuple[str, str], list[float]]:
    """Style-loss curves of the same net trained with BN and with IN under the three conditions."""
    preprocess = {"original": None, "contrast-normalised": contrast_normalise,
                  "style-normalised": style_normaliser(normaliser)}
    curves = {}
    for condition in CONDITIONS:
        for norm in ("batch", "instance"):
            trained = feedforward.train_net(replace(config, norm=norm), encoder, dataset=dataset,
                                            preprocess=preprocess[condition], progress=progress)
            curves[(condition, norm)] = trained.history["style"]
    return curves


def in_vs_bn_figure(curves: dict[tuple[str, str], list[float]], window: int = 10):
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), sharey=True)
    for ax, condition, letter in zip(axes, CONDITIONS, "abc"):
        for norm, colour in (("batch", "tab:blue"), ("instance", "tab:orange")):
            values = curves[(condition, norm)]
            y = smooth(values, window)
            ax.plot(np.arange(len(y)) + window // 2, y, color=colour, label=f"{norm} norm")
        ax.set_title(f"({letter}) trained on {condition} images", fontsize=10)
        ax.set_xlabel("step")
        ax.set_yscale("log")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"style loss (normalised, {window}-step mean)")
    axes[0].legend()
    fig.tight_layout()
    return fig


def final_gaps(curves: dict[tuple[str, str], list[float]], tail: int = 10) -> list[dict]:
    """Mean style loss over the last ``tail`` steps, BN / IN, per condition: the figure's numbers."""
    rows = []
    for condition in CONDITIONS:
        bn = float(np.mean(curves[(condition, "batch")][-tail:]))
        inn = float(np.mean(curves[(condition, "instance")][-tail:]))
        rows.append({"condition": condition, "BN style loss": round(bn, 4), "IN style loss": round(inn, 4),
                     "BN / IN": round(bn / inn, 2)})
    return rows


def results_figure(contents: Sequence[torch.Tensor], rows: Sequence[torch.Tensor], row_labels: Sequence[str],
                   names: Sequence[str], style: torch.Tensor, ratios: Sequence[Sequence[float | None]]):
    """Content images on top, one row per method below, the style image at the left."""
    n = len(contents)
    fig, axes = plt.subplots(1 + len(rows), n + 1, figsize=(2.6 * (n + 1), 2.4 * (1 + len(rows))))
    axes[0, 0].imshow(images.to_pil(style[0]))
    axes[0, 0].set_title("style", fontsize=9)
    for j, (content, name) in enumerate(zip(contents, names)):
        axes[0, j + 1].imshow(images.to_pil(content[0]))
        axes[0, j + 1].set_title(f"{name} (never seen)", fontsize=9)
    for i, (outputs, label, rrow) in enumerate(zip(rows, row_labels, ratios)):
        axes[i + 1, 0].text(0.5, 0.5, label, ha="center", va="center", fontsize=10, wrap=True)
        for j, output in enumerate(outputs):
            if output is None:
                continue
            axes[i + 1, j + 1].imshow(images.to_pil(output[0]))
            if rrow[j] is not None:
                axes[i + 1, j + 1].set_title(f"ratio {rrow[j]:.2f}", fontsize=9)
    for ax in axes.flat:
        ax.axis("off")
    fig.tight_layout()
    return fig


def curve_figure(history: dict[str, list[float]], title: str, window: int = 20, every: int = 1):
    """Loss curves (moving mean over ``window`` points); ``every``: the history keeps every n-th step."""
    series = {key: history[key] for key in ("content", "style", "total") if key in history}
    return smoothed_curves(series, window=window, every=every, title=title)


def architecture_rows(net: torch.nn.Module) -> list[dict]:
    """One row per top-level block: type, output channels, parameters."""
    rows = []
    for i, block in enumerate(net.body):
        conv = getattr(block, "conv", None) or block.first.conv
        kind = type(block).__name__
        if kind == "ConvBlock":
            kind += f" {conv.kernel_size[0]}×{conv.kernel_size[0]}" + (f" /{conv.stride[0]}" if conv.stride[0] > 1 else "") \
                    + (" ×2 up" if block.upsample > 1 else "")
        rows.append({"#": i, "block": kind, "out channels": conv.out_channels,
                     "parameters": sum(p.numel() for p in block.parameters())})
    return rows


def recipe_command(trained: TrainedNet) -> str:
    """The command that trained a committed net (:func:`stylelab.weights.recipe_command`)."""
    return command_of_recipe(trained.recipe)


def recipe_curves_figure(nets: dict[str, TrainedNet], window: int = 10):
    """The style-loss curves of the committed nets, from their recipes (every 10th step kept)."""
    series = {f"{name} ({trained.recipe['steps']} steps)": trained.recipe["history_every_10"]["style"]
              for name, trained in nets.items() if "style" in trained.recipe.get("history_every_10", {})}
    return smoothed_curves(series, window=window, every=10, xlabel="training step",
                           ylabel=f"style loss ({window * 10}-step mean)",
                           title="committed nets: style loss during training (from their recipes)")


def noise_difference(net: torch.nn.Module, content: torch.Tensor, seeds: Sequence[int] = (0, 1)
                     ) -> tuple[float, list[torch.Tensor]]:
    """The texture net draws noise at every scale: two forward passes with different noise, their mean
    absolute pixel difference (0 = the noise changes nothing) and the two outputs."""
    outputs = []
    with torch.random.fork_rng(devices=[]):  # leaves the notebook's random stream as it was
        for s in seeds:
            torch.manual_seed(s)
            outputs.append(feedforward.stylize(net, content))
    return float((outputs[0] - outputs[1]).abs().mean()), outputs
