"""``python -m stylelab stylize``: stylise image files or folders with any registered method.

    python -m stylelab stylize --list
    python -m stylelab stylize --method adain --content photos/ --style style/la_muse --out out/
    python -m stylelab stylize --method adain --weights weights/adain_decoder --content content/cornell \\
        --style style/sketch --alpha 0.5 --out out/          # the port's published decoder.pth (and its VGG)
    python -m stylelab stylize --method adain ... --style a.jpg --style b.jpg --style-weights 0.5 0.5   # interpolation
    python -m stylelab stylize --method adain ... --style a.jpg --style b.jpg --mask mask/mask         # spatial control
    python -m stylelab stylize --method johnson --weights johnson-instance-la_muse --content photos/ --out out/
    python -m stylelab stylize --method cin --weights cin.pt --content photos/ --style style/la_muse --out out/
    python -m stylelab stylize --method gatys --encoder auto --iterations 300 --content c.jpg --style s.jpg --out out/
    python -m stylelab stylize --method johnson --backend auto --content photos/ --out out/   # torch or onnxruntime

``--content`` takes files, folders (their images, sorted) or asset names, and repeats. ``--style`` is read
as the method says (:attr:`stylelab.methods.base.Method.style_source`): style images (files, folders, asset
names) paired with every content image, or the names of a trained net's own styles (all of them when
none is given). When the controls put all styles into one picture (AdaIN's ``--style-weights`` or
``--mask``), each content image gets one output.

Resumable: an output that already exists is kept, not recomputed; outputs are written under a temporary
name and renamed, so an interrupted run never leaves half a file. A content or style image that cannot
be read is reported on one line to stderr and its pairs are skipped; the others are still written.
Exit status: 0 when every output exists at the end, 1 when some inputs failed (the rest were written),
2 for a usage error (bad options, missing model or folder), through the CLI's one error handler.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from tqdm import tqdm

from . import images
from .datasets import IMAGE_SUFFIXES, image_folder
from .device import resolve_device
from .errors import StylelabError
from .export import OnnxStylizer
from .methods import base
from .methods.base import StyleChoice
from .registry import resolve


def add_parser(subparsers, add_dataclass_flags) -> None:
    """The ``stylize`` subcommand: general flags, then each method's ``Options`` fields as flags."""
    p = subparsers.add_parser("stylize", help="stylise image files or folders (python -m stylelab stylize --list)",
                              description=__doc__.split("\n")[0])
    p.add_argument("--method", default=None, help=f"one of {', '.join(base.methods())} (aliases too)")
    p.add_argument("--list", action="store_true", help="list the methods, and exit")
    p.add_argument("--content", action="append", default=[], help="image file, folder or asset name; repeatable")
    p.add_argument("--style", action="append", default=[],
                   help="image file, folder or asset name; for a net trained on fixed styles, their names; repeatable")
    p.add_argument("--out", default=None, help="output folder")
    p.add_argument("--weights", default=None, help="what the method loads: a registered name or a file "
                                                   "(python -m stylelab stylize --list says which methods load any)")
    p.add_argument("--encoder", default="auto", help="optimisation methods: auto, vgg19, vgg16_bn_craft or random")
    p.add_argument("--content-size", type=int, default=512, help="short side of the content images (0: keep)")
    p.add_argument("--style-size", type=int, default=512, help="short side of the style images (0: keep)")
    p.add_argument("--ext", default=".png", choices=(".png", ".jpg"), help="output format")
    p.add_argument("--device", default="auto")
    p.add_argument("--backend", default="torch", choices=("torch", "onnxruntime", "auto"),
                   help="torch (default); onnxruntime: the method's exported ONNX graph on onnxruntime's CPU provider "
                        "(exported once into the user cache; methods that export: python -m stylelab export --list); "
                        "auto: whichever of the two was measured faster for this method, weights and image size on "
                        "this machine (timed on first use like the speed table's paths, cached; torch where the "
                        "method or its controls do not export, onnxruntime is missing, or on a GPU)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_dataclass_flags(p, [(name, cls.Options(), ()) for name, cls in base.methods().items()])


@dataclass(frozen=True)
class Job:
    out: Path
    content: Path
    styles: tuple[StyleChoice, ...]
    label: str


# --- inputs ----------------------------------------------------------------------------------

def expand_inputs(values: Sequence[str], what: str) -> list[Path]:
    """Files as they are, folders as their images (sorted), asset names as their verified files."""

    paths: list[Path] = []
    for value in values:
        path = Path(value).expanduser()
        if path.is_dir():
            found = image_folder(path)
            others = sorted(p.name for p in path.iterdir() if p.is_file() and p.suffix.lower() not in IMAGE_SUFFIXES
                            and not p.name.startswith("."))
            if others:  # say so: a user who dropped a .heic or .psd in the folder should not wonder where it went
                shown = ", ".join(others[:5]) + (f", … ({len(others) - 5} more)" if len(others) > 5 else "")
                print(f"{what} folder {path}: ignored {len(others)} file(s) that are not images "
                      f"({'/'.join(s.lstrip('.') for s in IMAGE_SUFFIXES)}): {shown}", file=sys.stderr)
            paths += found
        else:
            paths.append(resolve(value, "asset"))  # a file or an asset name; else the registry's one error
    return paths




def style_choices(method: base.Method, values: Sequence[str]) -> list[StyleChoice]:
    """The styles ``--style`` names, read as the method says: images, or the net's own styles (all: none given)."""
    if method.style_source == "images":
        if not values:
            raise StylelabError(f"--method {method.name} needs --style (a file, folder or asset name)")
        return [StyleChoice(path.stem, path=path) for path in expand_inputs(values, "style")]
    own = method.net_styles()
    if not values:
        return [StyleChoice(Path(name).stem, index=i) for i, name in enumerate(own)]
    chosen = []
    for value in values:
        index = next((i for i, name in enumerate(own) if value == name or Path(value).stem == Path(name).stem), None)
        if index is None:
            raise StylelabError(f"style {value!r} is not one of this {method.name} net's styles: {', '.join(own)}")
        chosen.append(StyleChoice(Path(own[index]).stem, index=index))
    return chosen


def plan(method: base.Method, contents: list[Path], styles: list[StyleChoice], out: Path, ext: str) -> list[Job]:
    """The outputs to make: <content>_stylized_<style><ext> (the port's naming), or, when the controls put
    every style into one picture, <content>_<interpolation|mask>_<style+style><ext>."""
    kind = method.combined()
    if kind:
        method.check_styles(len(styles))
        names = "+".join(s.label for s in styles)
        return [Job(out / f"{c.stem}_{kind}_{names}{ext}", c, tuple(styles), f"{c.name} × {names}") for c in contents]
    for _ in styles[:1]:
        method.check_styles(1)
    return [Job(out / f"{c.stem}_stylized_{s.label}{ext}", c, (s,), f"{c.name} × {s.label}")
            for c in contents for s in styles]


def _write(image: torch.Tensor, path: Path) -> None:
    tmp = path.with_name(f".{path.stem}.part{path.suffix}")
    images.save_image(image.cpu(), tmp)
    os.replace(tmp, path)


def _check_sizes(args) -> None:
    if args.content_size < 0 or args.style_size < 0:
        raise StylelabError("--content-size and --style-size must be 0 (keep) or positive")


def run(args: argparse.Namespace, given: dict) -> int:
    """``python -m stylelab stylize`` for any registered method (see the module doc)."""
    if args.list:
        print(base.listing("stylize"))
        return 0
    missing = [flag for flag, value in (("--method", args.method), ("--content", args.content), ("--out", args.out))
               if not value]
    if missing:
        raise StylelabError(f"stylize needs {', '.join(missing)} (python -m stylelab stylize -h)")
    cls = base.get(args.method)
    options = base.build(cls.Options, given, method=cls.name)
    if args.encoder != "auto" and not cls.uses_encoder:
        raise StylelabError(f"--encoder does not apply to --method {cls.name} (its model carries its encoder)")
    _check_sizes(args)
    device = resolve_device(args.device)
    contents = expand_inputs(args.content, "content")
    method = cls.load(args.weights, options, device=device, encoder=args.encoder)
    jobs = plan(method, contents, style_choices(method, args.style), Path(args.out), args.ext)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    controls = method.controls()
    stylizer = OnnxStylizer(method, args.backend, say=lambda line: tqdm.write(line, file=sys.stderr))

    style_cache: dict[Path, torch.Tensor | StylelabError] = {}

    def load_style(choice: StyleChoice):
        if choice.path is None:
            return choice.index
        if choice.path not in style_cache:
            try:
                style_cache[choice.path] = images.load_image(choice.path, short_side=args.style_size or None, device=device)
            except StylelabError as exc:
                style_cache[choice.path] = exc
        if isinstance(style_cache[choice.path], StylelabError):
            raise style_cache[choice.path]
        return style_cache[choice.path]

    written = kept = failed = 0
    bar = tqdm(jobs, desc=f"stylize ({method.name})", disable=args.quiet, file=sys.stderr, dynamic_ncols=True)
    for job in bar:
        if job.out.exists():
            kept += 1
            continue
        try:
            content = images.load_image(job.content, short_side=args.content_size or None, device=device)
            image = stylizer(content, [load_style(s) for s in job.styles], **controls)
            _write(image, job.out)
            written += 1
        except StylelabError as exc:
            failed += 1
            tqdm.write(f"skipped {job.label}: {exc}", file=sys.stderr)
    bar.close()
    print(f"stylize: {written} written, {kept} already there, {failed} failed -> {args.out}")
    return 1 if failed else 0
