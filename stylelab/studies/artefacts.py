"""Issue #23's survey: the shipped nets' dark blobs, crosshatch and style ratio on the 11 AdaIN content photos.

    rows = survey("cin-instance-4styles", sizes=(256, 512, 0), encoder=enc)   # 0: the photo's own size (≤ 1024)
    rows, outputs = before_after(old, new, contents, names, styles, encoder)   # notebooks 02 and 03, at 512 px
    floor = photo_rows()   # each photo's own crosshatch reading: what a net that changed nothing would score

``python -m stylelab.studies.artefacts --weights cin-instance-4styles-128crops cin-instance-4styles --out
figures/artefacts --summary summary_cin`` writes, per net, its stamped table (``<net>.md``/``.csv``) and one
contact sheet per size (``<net>_contact_<size>.png``, every blob ringed), ``summary_cin.md``: the nets side
by side per size, and ``photos.md``: the photos' own crosshatch (also written with no ``--weights``).
``--photos`` (files or folders) surveys a user's own photos instead, each named by its file's stem.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Sequence

import torch

from .. import artefacts, assets, images, provenance
from ..device import describe
from ..errors import StylelabError, command
from ..methods import feedforward
from ..perceptual import statistics_ratio, style_ratio, style_statistics

PHOTOS = ("avril", "blonde_girl", "brad_pitt", "chicago", "cornell", "flowers", "golden_gate", "lenna",
          "modern", "newyork", "sailboat")
NATIVE_LIMIT = 1024
RATIO_SIZES = (256, 512)   # the style ratio's encoder pass is the slow part at 1024 px: measured up to 512
STYLE_SIZE = 256           # styles at the scale the nets were trained with (perceptual.style_ratio's advice)


def photo(name: str, size: int) -> torch.Tensor:
    """A content photo at short side ``size`` (0: its own size, long side at most 1024): one of the AdaIN photos
    (``PHOTOS``) by name, or an image file by its path."""
    path = Path(name) if Path(name).is_file() else assets.fetch(f"content/{name}")
    if size:
        return images.load_image(path, short_side=size)
    return images.load_image(path, max_side=NATIVE_LIMIT)


def label(name: str) -> str:
    """How a photo or a net is named in tables and figures: a registered name as it is, a file by its stem (no
    machine paths in outputs)."""
    return Path(name).stem if Path(name).is_file() else name


def labels(photos: Sequence[str]) -> list[str]:
    """:func:`label` of each photo; two files of the same stem would share a row, so that is an error."""
    names = [label(name) for name in photos]
    twins = sorted({n for n in names if names.count(n) > 1})
    if twins:
        raise StylelabError(f"photos {', '.join(twins)} are named twice (tables name a file by its stem); "
                            f"rename one or survey the folders one at a time")
    return names


def measures(output: torch.Tensor, content: torch.Tensor, encoder=None, style: torch.Tensor | None = None) -> dict:
    """Dark blobs and spots of any colour (the lists), the count of dark regions of any shape (issue #23's first
    count, thick dark strokes included), crosshatch amplitude, peak share and period, and the style ratio when an
    encoder is given."""
    hatch = artefacts.crosshatch(output, content)
    out = {"blobs": artefacts.dark_blobs(output, content), "spots": artefacts.spots(output, content),
           "dark regions": len(artefacts.dark_blobs(output, content, max_aspect=None)),
           "crosshatch": hatch.amplitude,
           "peak_share": hatch.peak_share, "period": hatch.period}
    if encoder is not None and style is not None:
        out["style ratio"] = round(style_ratio(encoder, output, content, style).item(), 3)
    return out


def survey(weights: str, *, photos: Sequence[str] = PHOTOS, sizes: Sequence[int] = (256, 512, 0),
           keep_outputs: bool = False, device="cpu", encoder=None, ratio_sizes: Sequence[int] = RATIO_SIZES):
    """One row per photo × style × size: dark blob and spot counts (:func:`stylelab.artefacts.spots`: any
    colour), crosshatch amplitude and, with ``encoder``, at ``ratio_sizes`` the style ratio d(output, s) /
    d(content, s); with ``keep_outputs`` also ``outputs[(size, photo, style)] = (output, blobs, spots)``."""
    trained = feedforward.load_net(_path(weights), device=device)
    net = trained.net.eval()
    styles = list(trained.config.styles)
    style_images = feedforward.load_style_images(styles, STYLE_SIZE, device) if encoder is not None else []
    rows, outputs = [], {}
    for size in sizes:
        for name, shown in zip(photos, labels(photos)):
            content = photo(name, size).to(device)
            for index, style in enumerate(styles):
                out = feedforward.stylize(net, content, index).clamp(0, 1)
                scored = size in ratio_sizes and encoder is not None
                m = measures(out, content, encoder if scored else None, style_images[index] if scored else None)
                rows.append({"size": size or "native", "photo": shown, "style": style.split("/")[-1],
                             "pixels": f"{out.shape[-1]}x{out.shape[-2]}", "blobs": len(m["blobs"]),
                             "dark regions": m["dark regions"], "spots": len(m["spots"]),
                             "crosshatch": m["crosshatch"], "peak_share": m["peak_share"], "period": m["period"],
                             "style ratio": m.get("style ratio", "")})
                if keep_outputs:
                    outputs[(size, shown, style)] = (out.cpu(), m["blobs"], m["spots"])
    return (rows, outputs) if keep_outputs else rows


def photo_rows(photos: Sequence[str] = PHOTOS, sizes: Sequence[int] = (256, 512, 0)) -> list[dict]:
    """Per size and photo, the crosshatch measure read on the photo itself (its tiles, its flat mask): the fine
    periodic texture the photo already has where it is flat (ripples on water, film grain). A net that changed
    nothing would score this; on a photo with few flat tiles a net can read below it only by smoothing the photo
    (cornell at 512 px: the photo 0.435, the Johnson net before the flat term 0.417)."""
    rows = []
    for size in sizes:
        for name, shown in zip(photos, labels(photos)):
            content = photo(name, size)
            hatch = artefacts.crosshatch(content, content)
            rows.append({"size": size or "native", "photo": shown,
                         "pixels": f"{content.shape[-1]}x{content.shape[-2]}", "flat tiles": hatch.flat_tiles,
                         "crosshatch": hatch.amplitude, "peak_share": hatch.peak_share, "period": hatch.period})
    return rows


def before_after(before: torch.nn.Module, after: torch.nn.Module, contents: Sequence[torch.Tensor],
                 content_names: Sequence[str], styles: Sequence[torch.Tensor], style_names: Sequence[str],
                 encoder) -> tuple[list[dict], dict]:
    """Two nets of the same styles on the same photos: per photo × style, each net's dark blobs, spots, crosshatch
    (and its period in pixels) and style ratio side by side, with the photo's own crosshatch (:func:`photo_rows`);
    ``outputs[(photo, style)] = ((before output, blobs, spots), (after output, blobs, spots))``."""
    rows, outputs = [], {}
    # each painting and each photo is encoded once; both outputs of a pair go through the encoder in one batch
    style_stats = [style_statistics(encoder, style) for style in styles]
    for content, cname in zip(contents, content_names):
        own = artefacts.crosshatch(content, content).amplitude
        content_stats = style_statistics(encoder, content)
        for index, (stats, sname) in enumerate(zip(style_stats, style_names)):
            pair = [feedforward.stylize(net, content, index).clamp(0, 1) for net in (before, after)]
            m = [measures(out, content) for out in pair]
            ratios = statistics_ratio(style_statistics(encoder, torch.cat(pair)), content_stats, stats)
            for measured, ratio in zip(m, ratios.tolist()):
                measured["style ratio"] = round(ratio, 3)
            short = sname.split("/")[-1]
            rows.append({"photo": cname, "style": short,
                         "blobs before": len(m[0]["blobs"]), "blobs after": len(m[1]["blobs"]),
                         "spots before": len(m[0]["spots"]), "spots after": len(m[1]["spots"]),
                         "crosshatch before": m[0]["crosshatch"], "crosshatch after": m[1]["crosshatch"],
                         "crosshatch photo": own, "period before": m[0]["period"], "period after": m[1]["period"],
                         "ratio before": m[0]["style ratio"], "ratio after": m[1]["style ratio"]})
            outputs[(cname, short)] = tuple((out.cpu(), mm["blobs"], mm["spots"]) for out, mm in zip(pair, m))
    return rows, outputs


def before_after_figure(outputs: dict, rows: Sequence[dict], *, labels: tuple[str, str] = ("before", "after")):
    """One row per photo × style: before and after, blobs and spots ringed (:func:`ring`), the measures in the
    titles."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(rows), 2, figsize=(5.2, 2.3 * len(rows)), squeeze=False)
    for ax_row, row in zip(axes, rows):
        for ax, (out, blobs, found), label, key in zip(ax_row, outputs[(row["photo"], row["style"])], labels,
                                                       ("before", "after")):
            ax.imshow(out[0].permute(1, 2, 0).clamp(0, 1).numpy())
            ring(ax, blobs, found)
            ax.set_title(f"{row['photo']} · {row['style']} · {label}\nblobs {row['blobs ' + key]} · spots "
                         f"{row['spots ' + key]} · hatch {row['crosshatch ' + key]:.1f} · ratio "
                         f"{row['ratio ' + key]:.2f}", fontsize=7)
            ax.set_xticks([])
            ax.set_yticks([])
    fig.tight_layout(pad=0.4)
    return fig


def ring(ax, blobs, found, scale: float = 1.0) -> None:
    """Ring each dark blob in red and each spot (any colour) in a dashed cyan ring a little wider (a dark blob is
    usually a spot too), on an image drawn ``scale`` times the measured one's size."""
    from matplotlib.patches import Circle

    for blob in blobs:
        radius = max(4.0, (blob.area ** 0.5) * scale)
        ax.add_patch(Circle((blob.x * scale, blob.y * scale), radius, fill=False, color="red", lw=1.2))
    for spot in found:
        radius = max(4.0, (spot.area ** 0.5) * scale) + 3
        ax.add_patch(Circle((spot.x * scale, spot.y * scale), radius, fill=False, color="cyan", lw=1.0, ls="--"))


def blob_table(outputs, contents, content_names: Sequence[str], style_names: Sequence[str]) -> list[dict]:
    """Dark blobs and spots per photo and style of a grid already computed (``outputs[i][j]``: photo i, style j):
    columns ``"<style> blobs"`` and ``"<style> spots"``."""
    rows = []
    for i, name in enumerate(content_names):
        row = {"content": name}
        for j, style in enumerate(style_names):
            output, short = outputs[i][j].clamp(0, 1), style.split("/")[-1]
            row[f"{short} blobs"] = len(artefacts.dark_blobs(output, contents[i]))
            row[f"{short} spots"] = len(artefacts.spots(output, contents[i]))
        rows.append(row)
    return rows


def _path(weights: str) -> Path:
    from ..registry import resolve
    return resolve(weights, "model")


def contact_sheet(outputs: dict, size: int, styles: Sequence[str], photos: Sequence[str] = PHOTOS,
                  thumb: int = 320):
    """Outputs at one size as a photos × styles grid (thumbnails), blobs and spots ringed (:func:`ring`)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(photos), len(styles), figsize=(2.4 * len(styles), 1.9 * len(photos)),
                             squeeze=False)
    for row, name in enumerate(photos):
        for col, style in enumerate(styles):
            out, blobs, found = outputs[(size, name, style)]
            ax = axes[row][col]
            scale = thumb / max(out.shape[-2:])
            small = torch.nn.functional.interpolate(out, scale_factor=scale, mode="bilinear", antialias=True)
            ax.imshow(small[0].permute(1, 2, 0).clamp(0, 1).numpy())
            ring(ax, blobs, found, scale)
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(style.split("/")[-1], fontsize=8)
            if col == 0:
                ax.set_ylabel(name, fontsize=7)
    fig.tight_layout(pad=0.3)
    return fig


def summarise(rows: list[dict]) -> list[dict]:
    """Per size: photos × styles, total dark blobs (and dark regions of any shape) and spots, outputs with any,
    median and max crosshatch, style ratio range."""
    out = []
    for size in dict.fromkeys(r["size"] for r in rows):
        sel = [r for r in rows if r["size"] == size]
        hatch = sorted(r["crosshatch"] for r in sel)
        ratios = [r["style ratio"] for r in sel if r.get("style ratio", "") != ""]
        out.append({"size": size, "outputs": len(sel), "blobs": sum(r["blobs"] for r in sel),
                    "outputs with a blob": sum(r["blobs"] > 0 for r in sel),
                    "dark regions (any shape)": sum(r.get("dark regions", 0) for r in sel),
                    "spots": sum(r.get("spots", 0) for r in sel),
                    "outputs with a spot": sum(r.get("spots", 0) > 0 for r in sel),
                    "crosshatch median": hatch[len(hatch) // 2], "crosshatch max": hatch[-1],
                    "style ratio": f"{min(ratios):.2f}–{max(ratios):.2f}" if ratios else "—",
                    "style ratio mean": round(sum(ratios) / len(ratios), 3) if ratios else "—"})
    return out


@command
def main(argv=None) -> int:
    from ..encoders import build_encoder
    from ..stylize import expand_inputs

    parser = argparse.ArgumentParser(prog="python -m stylelab.studies.artefacts", description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", nargs="*", default=[],
                        help="registered feed-forward nets or model files (none: only the photos' own table)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 0], help="short sides; 0 = native (≤ 1024)")
    parser.add_argument("--encoder", default="auto", help="the style ratio's encoder (auto, vgg19, vgg16_bn_craft)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the tables and the contact sheets")
    parser.add_argument("--summary", default="summary", help="name of the side-by-side table (default: summary)")
    parser.add_argument("--photos", nargs="+", default=None, metavar="PATH",
                        help="image files or folders to survey instead of the 11 AdaIN content photos")
    args = parser.parse_args(argv)
    photos = tuple(str(p) for p in expand_inputs(args.photos, "photo")) if args.photos else PHOTOS
    which = f"{len(photos)} photos" if args.photos else "11 AdaIN photos"
    shown = labels(photos)
    if args.out.resolve() in {Path(p).resolve().parent for p in photos if Path(p).is_file()}:
        # its tables and contact sheets would sit among the photos (and be surveyed as photos next time)
        raise StylelabError(f"--out {args.out} holds photos being surveyed; write the survey to a folder of its own")
    device = torch.device("cpu")
    encoder = build_encoder(args.encoder, device=device)
    stamp = provenance.Stamp(encoder=encoder.name, device=describe(device), profile="survey")
    args.out.mkdir(parents=True, exist_ok=True)
    provenance.save_table(photo_rows(photos, sizes=args.sizes), "photos", stamp, args.out,
                          f"the {which}' own crosshatch: what a net that changed nothing would read")
    if not args.weights:
        return 0
    summary = []
    for weights in args.weights:
        name = label(weights)
        rows, outputs = survey(weights, photos=photos, sizes=args.sizes, keep_outputs=True, encoder=encoder)
        provenance.save_table(rows, name, stamp, args.out, f"{name}: {which} × its styles")
        styles = list(dict.fromkeys(style for (_, _, style) in outputs))
        for size in args.sizes:
            fig = contact_sheet(outputs, size, styles, shown)
            provenance.save_figure(fig, f"{name}_contact_{size or 'native'}", stamp, args.out)
            import matplotlib.pyplot as plt
            plt.close(fig)
        for row in summarise(rows):
            summary.append({"net": name, **row})
            print(summary[-1])
    provenance.save_table(summary, args.summary, stamp, args.out,
                          "dark blobs, spots, crosshatch and style ratio per net and size")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
