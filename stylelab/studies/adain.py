"""Notebook 04's studies (AdaIN, Huang & Belongie 2017) as functions and figures.

    trained = adain_study.pretrained("adain-decoder-craft")            # the committed decoder
    outputs, ratios = adain_study.style_grid(trained.model, encoder, contents, styles, names, style_names)

The method is :mod:`stylelab.methods.adain` (the layer, the decoder, training, test-time controls);
Chen & Schmidt's style swap is :mod:`stylelab.methods.style_swap`. Grids and strips that notebook 03
already draws are reused from :mod:`stylelab.studies.cin`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .. import assets, bench, images
from ..encoders import MultiLayerEncoder
from ..methods import adain
from ..methods.cin import bilinear_weights
from ..perceptual import statistics_distance, style_statistics
from ..weights import pretrained_path
from .cin import blend_figure, grid_figure, span, style_images  # noqa: F401  (re-exported for the notebook)
from ..plots import smoothed_curves
from .feedforward import ratio_grid


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
    series = {"L_c (content)": history["content"], f"λ·L_s (style, λ = {style_weight:g})":
              [style_weight * v for v in history["style"]], "L (total)": history["total"]}
    return smoothed_curves(series, window=window, every=every,
                           title="the committed decoder's training (from its recipe)")


def decoder_rows(decoder: torch.nn.Module) -> list[dict]:
    """g layer by layer: the mirror of VGG-19 up to relu4_1 (reflection padding, nearest upsampling)."""
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


# --- issue #19: the notebook's claims measured (Figure 4's columns, the α strip, the decoder's layout) ---------

def separation(encoder: MultiLayerEncoder, contents: Sequence[torch.Tensor], styles: Sequence[torch.Tensor],
               outputs: Sequence[Sequence[torch.Tensor]], style_names: Sequence[str]) -> dict:
    """How different Figure 4's columns are, two ways, averaged over the content images:

    * ``pixels[j][k]``: mean |output_j − output_k| (pixels in [0, 1]) between the columns of styles j and k;
      ``photo``: mean |output − content| over all panels, the scale to read them against;
    * ``rows``: per style k, ``own`` = mean ratio d(out_k, s_k) / d(c, s_k) and ``best other`` = mean over
      contents of the lowest ratio to s_k of an output made with another style; ``gain`` = best other − own
      (> 0: the output made with s_k is closer to s_k than any other column; ≈ 0: the column is
      interchangeable with another one as far as s_k's statistics go)."""
    short = [n.split("/")[-1] for n in style_names]
    n = len(styles)
    s_stats = [style_statistics(encoder, s) for s in styles]
    pixels = torch.zeros(n, n)
    own, other, photo = torch.zeros(n), torch.zeros(n), 0.0
    for content, row in zip(contents, outputs):
        c_stats = style_statistics(encoder, content)
        o_stats = [style_statistics(encoder, o) for o in row]
        for k in range(n):
            base = float(statistics_distance(c_stats, s_stats[k]))
            ratios = [float(statistics_distance(o_stats[j], s_stats[k])) / base for j in range(n)]
            own[k] += ratios[k]
            other[k] += min(r for j, r in enumerate(ratios) if j != k)
            for j in range(n):
                pixels[j, k] += (row[j] - row[k]).abs().mean().item()
        photo += sum((o - content).abs().mean().item() for o in row) / n
    m = len(contents)
    pixels, own, other, photo = pixels / m, own / m, other / m, photo / m
    rows = []
    for k, name in enumerate(short):
        nearest = min((j for j in range(n) if j != k), key=lambda j: pixels[j, k].item())
        rows.append({"style": name, "own ratio": round(own[k].item(), 3),
                     "best other column's ratio": round(other[k].item(), 3),
                     "gain": round((other[k] - own[k]).item(), 3),
                     "nearest column (pixels)": short[nearest],
                     "mean abs Δ to it": round(pixels[nearest, k].item(), 3)})
    return {"names": short, "pixels": pixels, "photo": photo, "rows": rows}


def colour_cast(image: torch.Tensor) -> float:
    """Mean red minus mean blue of an image in [0, 1]: > 0 warm (ochre, orange), < 0 cool (blue)."""
    return (image[:, 0].mean() - image[:, 2].mean()).item()


def palette_rows(styles: Sequence[torch.Tensor], outputs: Sequence[Sequence[torch.Tensor]],
                 style_names: Sequence[str]) -> list[dict]:
    """Per style: the painting's colour cast (red − blue) beside the mean cast of its outputs."""
    rows = []
    for k, (style, name) in enumerate(zip(styles, style_names)):
        casts = [colour_cast(row[k]) for row in outputs]
        rows.append({"style": name.split("/")[-1], "painting red − blue": round(colour_cast(style), 3) + 0.0,
                     "outputs red − blue": round(sum(casts) / len(casts), 3)})
    return rows


def alpha_rows(encoder: MultiLayerEncoder, content: torch.Tensor, style: torch.Tensor,
               strip: Sequence[torch.Tensor], alphas: Sequence[float]) -> list[dict]:
    """Along the α strip: the style ratio, and mean |Δ| in pixels from the α = 0 panel and from the photo."""
    c_stats, s_stats = style_statistics(encoder, content), style_statistics(encoder, style)
    base = float(statistics_distance(c_stats, s_stats))
    return [{"α": a, "ratio": round(float(statistics_distance(style_statistics(encoder, out), s_stats)) / base, 3),
             "mean abs Δ from α = 0": round((out - strip[0]).abs().mean().item(), 3),
             "mean abs Δ from the photo": round((out - content).abs().mean().item(), 3)}
            for a, out in zip(alphas, strip)]


def conv_counts(decoder: torch.nn.Module, encoder: MultiLayerEncoder) -> list[dict]:
    """3×3 convolutions per resolution block: VGG-19 up to relu4_1 (torchvision's configuration "E"), the
    encoder in use (up to relu4_1) and the decoder g read backwards (block 1 = full resolution)."""
    from torchvision.models.vgg import cfgs

    def blocks(modules, down) -> list[int]:
        counts = [0]
        for module in modules:
            if isinstance(module, down):
                counts.append(0)
            elif isinstance(module, torch.nn.Conv2d):
                counts[-1] += 1
        return counts

    vgg19 = []
    for v in cfgs["E"]:
        vgg19.append(torch.nn.MaxPool2d(2) if v == "M" else torch.nn.Conv2d(1, 1, 1))
    vgg19 = blocks(vgg19, torch.nn.MaxPool2d)[:3] + [1]  # up to conv4_1
    names = encoder.layer_names[: encoder.layer_names.index("relu4_1") + 1]
    ours = blocks([encoder.layers[n] for n in names], torch.nn.MaxPool2d)
    dec = blocks(decoder, torch.nn.Upsample)[::-1]
    return [{"block": f"{b + 1}", "VGG-19": vgg19[b], f"encoder ({encoder.name})": ours[b], "decoder g": dec[b]}
            for b in range(4)]


def recipe_rows(recipe: dict) -> list[dict]:
    """The committed decoder's recipe as a table (no machine paths: the checkpoint path is left out)."""
    args = recipe["command"].split(" --note")[0].split()
    keep = " ".join(a for i, a in enumerate(args) if a != "--checkpoint" and args[i - 1] != "--checkpoint")
    return [{"key": k, "value": v} for k, v in
            [("command", keep), ("steps", recipe["steps"]), ("wall time (s)", round(recipe["wall_time_s"])),
             ("device", recipe["device"]), ("threads", recipe["threads"]), ("encoder", recipe["encoder"])]]


def loss_phases(history: dict[str, list[float]], every: int, window: int = 10) -> dict[str, float]:
    """Mean losses over ``window`` logged points at the start, before step 3,000 and at the end."""
    def mean(key, i):
        values = history[key][i: i + window]
        return sum(values) / len(values)
    before = 3000 // every - window
    return {"style_start": mean("style", 0), "style_2900": mean("style", before), "style_end":
            mean("style", len(history["style"]) - window), "content_start": mean("content", 0),
            "content_2900": mean("content", before), "content_end": mean("content", len(history["content"]) - window)}
