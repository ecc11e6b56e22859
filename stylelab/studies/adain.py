"""Notebook 04's studies (AdaIN, Huang & Belongie 2017) as functions and figures.

    trained = adain_study.pretrained("adain-decoder-craft")            # the committed decoder
    outputs, ratios = adain_study.style_grid(trained.model, encoder, contents, styles, names, style_names)

The method is :mod:`stylelab.methods.adain` (the layer, the decoder, training, test-time controls);
Chen & Schmidt's style swap is :mod:`stylelab.methods.style_swap`. Grids and strips that notebook 03
already draws are reused from :mod:`stylelab.studies.cin`.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch

from .. import assets, bench, images
from ..encoders import MultiLayerEncoder
from ..methods import adain
from ..methods.cin import bilinear_weights
from ..weights import pretrained_path
from .cin import blend_figure, grid_figure, style_images  # noqa: F401  (re-exported for the notebook)
from .feedforward import ratio_grid, smooth


def pretrained(name: str, device="cpu") -> adain.TrainedAdaIN:
    """A committed decoder (``stylelab/data/weights.tsv``, sha256-checked) with the encoder it was trained against."""
    return adain.load_decoder(pretrained_path(name), device=device)


def style_grid(model: adain.AdaINModel, encoder: MultiLayerEncoder, contents: Sequence[torch.Tensor],
               styles: Sequence[torch.Tensor], content_names: Sequence[str], style_names: Sequence[str]):
    """The paper's Figure 4 on images the decoder never saw: every content in every style, one forward
    pass each; ratio d(output, s) / d(content, s) per pair (``perceptual.style_ratio``)."""
    return ratio_grid(lambda content, _s, style: adain.stylize(model, content, style), encoder, contents, styles,
                      content_names, style_names)


def ratio_range(rows: Sequence[dict]) -> tuple[float, float]:
    values = [v for row in rows for k, v in row.items() if k != "content"]
    return min(values), max(values)


def alpha_strip(model: adain.AdaINModel, content: torch.Tensor, style: torch.Tensor,
                alphas: Sequence[float]) -> list[torch.Tensor]:
    return [adain.stylize(model, content, style, alpha=a) for a in alphas]


def alpha_figure(content: torch.Tensor, style: torch.Tensor, strip: Sequence[torch.Tensor], alphas: Sequence[float]):
    """The paper's Figure 9: content, then α from 0 (the content's own features decoded) to 1, then the style."""
    panels = [content, *strip, style]
    titles = ["content", *(f"α = {a:g}" for a in alphas), "style"]
    return images.show_images(panels, titles, size=2.2)


def interpolation_grid(model: adain.AdaINModel, content: torch.Tensor, styles: Sequence[torch.Tensor],
                       n: int) -> list[list[torch.Tensor]]:
    """The paper's Figure 8: four styles at the corners, bilinear interpolation weights in between."""
    weights = bilinear_weights([0, 1, 2, 3], n, len(styles))
    return [[adain.stylize(model, content, list(styles), weights=weights[i, j].tolist()) for j in range(n)]
            for i in range(n)]


def controls_figure(content: torch.Tensor, style: torch.Tensor, plain: torch.Tensor, luminance: torch.Tensor,
                    histogram: torch.Tensor, mask: torch.Tensor, second_style: torch.Tensor, masked: torch.Tensor):
    """Colour preservation (paper's Figure 7, both variants) and spatial control (Figure 10) side by side."""
    panels = [content, style, plain, luminance, histogram, mask.expand(-1, 3, -1, -1), second_style, masked]
    titles = ["content", "style", "AdaIN", "colour kept: luminance", "colour kept: histogram",
              "mask (white: style)", "second style (black)", "spatial control"]
    return images.show_images(panels, titles, ncols=4, size=2.4)


def load_mask(size: tuple[int, int], device="cpu") -> torch.Tensor:
    """The AdaIN authors' test mask (asset ``mask/mask``) as a (1, 1, H, W) grey image resized to ``size``."""
    image = images.load_image(assets.fetch("mask/mask"), device=device)
    grey = image.mean(1, keepdim=True)
    return torch.nn.functional.interpolate(grey, size=size, mode="nearest")


def swap_figure(content: torch.Tensor, style: torch.Tensor, swapped: torch.Tensor, adain_out: torch.Tensor,
                swap_ratio: float, adain_ratio: float, iterations: int):
    return images.show_images([content, style, swapped, adain_out],
                              ["content", "style", f"style swap + {iterations}-step inverse\nratio {swap_ratio:.2f}",
                               f"AdaIN decoder\nratio {adain_ratio:.2f}"], size=2.6)


def curves_figure(history: dict[str, list[float]], every: int, style_weight: float, window: int = 10):
    """The committed decoder's training curves (its recipe keeps every ``every``-th step): L_c and λ·L_s."""
    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    series = {"L_c (content)": history["content"], f"λ·L_s (style, λ = {style_weight:g})":
              [style_weight * v for v in history["style"]], "L (total)": history["total"]}
    for label, values in series.items():
        y = smooth(values, window)
        ax.plot([(k + window // 2) * every for k in range(len(y))], y, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel(f"loss ({window * every}-step mean)")
    ax.set_title("the committed decoder's training (from its recipe)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def decoder_rows(decoder: torch.nn.Module) -> list[dict]:
    """g layer by layer: the mirror of the encoder up to relu4_1 (reflection padding, nearest upsampling)."""
    rows, channels = [], None
    for i, module in enumerate(decoder):
        if isinstance(module, torch.nn.Conv2d):
            channels = module.out_channels
            rows.append({"#": i, "layer": f"conv {module.kernel_size[0]}×{module.kernel_size[0]}",
                         "in → out": f"{module.in_channels} → {module.out_channels}",
                         "parameters": sum(p.numel() for p in module.parameters())})
        elif isinstance(module, torch.nn.Upsample):
            rows.append({"#": i, "layer": "upsample ×2 (nearest)", "in → out": f"{channels} → {channels}",
                         "parameters": 0})
    return rows


def speed_report(decoder: str | None, encoder: MultiLayerEncoder, sizes: Sequence[int], *, device,
                 repeats: int) -> "bench.BenchReport":
    """AdaIN's row of the speed table (``stylelab.bench``), timed once per size: fp32 eager with and without
    style encoding, and every fast path against it (``report.rows[i].paths``)."""
    settings = bench.BenchSettings(sizes=tuple(sizes), repeats=repeats, more_threads=False, adain_decoder=decoder)
    return bench.run_bench(["adain"], settings, device=device, encoder=encoder, progress=False)


def speed_rows(report: "bench.BenchReport") -> list[dict]:
    """The paper's AdaIN row beside ours: content and style both ``size``², batch 1, fp32 eager."""
    return [{"size": r.size, "ours (s)": round(r.seconds, 4),
             "ours with style encoding (s)": round(r.with_style_encoding, 4),
             "paper, Titan X (s)": r.paper_seconds, "paper with style encoding (s)": r.paper_with_style_encoding}
            for r in report.rows]
