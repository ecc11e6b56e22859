"""Issue #23's survey: the shipped nets' dark blobs and crosshatch on the 11 AdaIN content photos.

    rows = survey("cin-instance-4styles", sizes=(256, 512, 0))   # 0: the photo's own size (≤ 1024)
    sheet = contact_sheet(...)                                      # a figure of the outputs, blobs ringed

``python -m stylelab.studies.artefacts --weights cin-instance-4styles --out build/artefacts`` writes the
table (``artefacts.csv``) and one contact sheet per size.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path
from typing import Sequence

import torch

from .. import artefacts, assets, images
from ..errors import command
from ..methods import feedforward

PHOTOS = ("avril", "blonde_girl", "brad_pitt", "chicago", "cornell", "flowers", "golden_gate", "lenna",
          "modern", "newyork", "sailboat")
NATIVE_LIMIT = 1024


def photo(name: str, size: int) -> torch.Tensor:
    """A content photo at short side ``size`` (0: its own size, long side at most 1024)."""
    path = assets.fetch(f"content/{name}")
    if size:
        return images.load_image(path, short_side=size)
    return images.load_image(path, max_side=NATIVE_LIMIT)


def survey(weights: str, *, photos: Sequence[str] = PHOTOS, sizes: Sequence[int] = (256, 512, 0),
           keep_outputs: bool = False, device="cpu"):
    """One row per photo × style × size: blob count and crosshatch amplitude (and the outputs if asked)."""
    trained = feedforward.load_net(_path(weights), device=device)
    net = trained.net.eval()
    styles = list(trained.config.styles)
    rows, outputs = [], {}
    for size in sizes:
        for name in photos:
            content = photo(name, size).to(device)
            for index, style in enumerate(styles):
                with torch.no_grad():
                    out = feedforward.stylize(net, content, index).clamp(0, 1).cpu()
                blobs = artefacts.dark_blobs(out, content.cpu())
                hatch = artefacts.crosshatch(out, content.cpu())
                rows.append({"size": size or "native", "photo": name, "style": style.split("/")[-1],
                             "pixels": f"{out.shape[-1]}x{out.shape[-2]}", "blobs": len(blobs),
                             "crosshatch": hatch.amplitude, "peak_share": hatch.peak_share})
                if keep_outputs:
                    outputs[(size, name, style)] = (out, blobs)
    return (rows, outputs) if keep_outputs else rows


def blob_table(outputs, contents, content_names: Sequence[str], style_names: Sequence[str]) -> list[dict]:
    """Dark blobs per photo and style of a grid already computed (``outputs[i][j]``: photo i, style j)."""
    rows = []
    for i, name in enumerate(content_names):
        row = {"content": name}
        for j, style in enumerate(style_names):
            row[style.split("/")[-1]] = len(artefacts.dark_blobs(outputs[i][j], contents[i]))
        rows.append(row)
    return rows


def _path(weights: str) -> Path:
    from ..registry import resolve
    return resolve(weights, "model")


def contact_sheet(outputs: dict, size: int, styles: Sequence[str], photos: Sequence[str] = PHOTOS,
                  thumb: int = 160):
    """Outputs at one size as a photos × styles grid (thumbnails), each blob ringed in red."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle

    fig, axes = plt.subplots(len(photos), len(styles), figsize=(1.6 * len(styles), 1.25 * len(photos)),
                             squeeze=False)
    for row, name in enumerate(photos):
        for col, style in enumerate(styles):
            out, blobs = outputs[(size, name, style)]
            ax = axes[row][col]
            scale = thumb / max(out.shape[-2:])
            small = torch.nn.functional.interpolate(out, scale_factor=scale, mode="bilinear", antialias=True)
            ax.imshow(small[0].permute(1, 2, 0).clamp(0, 1).numpy())
            for blob in blobs:
                radius = max(4.0, (blob.area ** 0.5) * scale)
                ax.add_patch(Circle((blob.x * scale, blob.y * scale), radius, fill=False, color="red", lw=1.2))
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(style.split("/")[-1], fontsize=8)
            if col == 0:
                ax.set_ylabel(name, fontsize=7)
    fig.tight_layout(pad=0.3)
    return fig


def summarise(rows: list[dict]) -> list[dict]:
    """Per size: photos × styles, total blobs, outputs with any blob, median and max crosshatch."""
    out = []
    for size in dict.fromkeys(r["size"] for r in rows):
        sel = [r for r in rows if r["size"] == size]
        hatch = sorted(r["crosshatch"] for r in sel)
        out.append({"size": size, "outputs": len(sel), "blobs": sum(r["blobs"] for r in sel),
                    "outputs with a blob": sum(r["blobs"] > 0 for r in sel),
                    "crosshatch median": hatch[len(hatch) // 2], "crosshatch max": hatch[-1]})
    return out


@command
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stylelab.studies.artefacts", description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", required=True, help="a registered feed-forward net or a model file")
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 0], help="short sides; 0 = native (≤ 1024)")
    parser.add_argument("--out", type=Path, required=True, help="folder for artefacts.csv and the contact sheets")
    args = parser.parse_args(argv)
    rows, outputs = survey(args.weights, sizes=args.sizes, keep_outputs=True)
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "artefacts.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    styles = list(dict.fromkeys(style for (_, _, style) in outputs))
    for size in args.sizes:
        fig = contact_sheet(outputs, size, styles)
        fig.savefig(args.out / f"contact_{size or 'native'}.png", dpi=110)
    for row in summarise(rows):
        print(row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
