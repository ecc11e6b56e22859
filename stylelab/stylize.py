"""``python -m stylelab stylize``: stylise image files or folders with a trained or published model.

    python -m stylelab stylize --method adain --decoder adain-decoder-craft --content photos/ --style style/la_muse --out out/
    python -m stylelab stylize --method adain --port-vgg weights/adain_vgg_normalised \\
        --port-decoder weights/adain_decoder --content content/cornell --style style/sketch --alpha 0.5 --out out/
    python -m stylelab stylize --method adain ... --style a.jpg --style b.jpg --style-weights 0.5 0.5   # interpolation
    python -m stylelab stylize --method adain ... --style a.jpg --style b.jpg --mask mask/mask         # spatial control
    python -m stylelab stylize --method johnson --weights johnson-instance-la_muse --content photos/ --out out/
    python -m stylelab stylize --method cin --weights cin.pt --content photos/ --style style/la_muse --out out/
    python -m stylelab stylize --method gatys --encoder auto --iterations 300 --content c.jpg --style s.jpg --out out/

``--content`` and ``--style`` take files, folders (their images, sorted) or asset names, and repeat.
Every content image is paired with every style (adain, gatys), with every style of a CIN net (cin, or
the ones named by ``--style``), or with the net's one style (johnson: ``--style`` is ignored); with
``--style-weights`` or ``--mask`` (adain) all styles go into one output per content image.

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from tqdm import tqdm

from . import assets, images
from .errors import StylelabError

METHODS = ("adain", "johnson", "cin", "gatys")


#: The decoder trained on this project's CPU and committed (stylelab/data/weights.tsv).
DEFAULT_DECODER = "adain-decoder-craft"


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("stylize", help="stylise image files or folders (adain, johnson, cin, gatys)",
                              description=__doc__.split("\n")[0])
    p.add_argument("--method", choices=METHODS, required=True)
    p.add_argument("--content", action="append", required=True, help="image file, folder or asset name; repeatable")
    p.add_argument("--style", action="append", default=[], help="image file, folder or asset name; repeatable "
                                                                "(cin: names among the net's styles; johnson: ignored)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--alpha", type=float, default=1.0, help="adain: content–style trade-off in [0, 1]")
    p.add_argument("--style-weights", type=float, nargs="+", default=None,
                   help="adain: interpolate all --style images with these weights (≥ 0, summing to one)")
    p.add_argument("--mask", default=None, help="adain: mask image (or mask/mask): first style where white, "
                                                "second elsewhere; needs exactly two styles")
    p.add_argument("--preserve-color", nargs="?", const="auto", default=None, choices=("auto", "luminance", "histogram"),
                   help="keep the content's colours: adain 'histogram' (default) or 'luminance'; gatys 'luminance'")
    p.add_argument("--decoder", default=None, help="adain: a trained stylelab decoder (registered name or model file); "
                                                   f"default {DEFAULT_DECODER!r}, the committed one, unless --port-* are given")
    p.add_argument("--port-vgg", default=None, help="adain: the port's vgg_normalised.pth (path or weights/adain_vgg_normalised)")
    p.add_argument("--port-decoder", default=None, help="adain: the port's decoder.pth (path or weights/adain_decoder)")
    p.add_argument("--weights", default=None, help="johnson/cin: a registered model name or a model file")
    p.add_argument("--encoder", default="auto", help="gatys: encoder (auto, vgg19, vgg16_bn_craft, random)")
    p.add_argument("--iterations", type=int, default=500, help="gatys: L-BFGS iterations")
    p.add_argument("--content-size", type=int, default=512, help="short side of the content images (0: keep)")
    p.add_argument("--style-size", type=int, default=512, help="short side of the style images (0: keep)")
    p.add_argument("--ext", default=".png", choices=(".png", ".jpg"), help="output format")
    p.add_argument("--device", default="auto")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


@dataclass(frozen=True)
class Job:
    out: Path
    content: Path
    styles: tuple  # paths (or CIN style ids)
    label: str


# --- inputs ----------------------------------------------------------------------------------

def expand_inputs(values: Sequence[str], what: str) -> list[Path]:
    """Files as they are, folders as their images (sorted), asset names as their verified files."""
    from .datasets import IMAGE_SUFFIXES, image_folder

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
        elif path.is_file():
            paths.append(path)
        elif value in assets.registry():
            paths.append(assets.fetch(value))
        else:
            raise StylelabError(f"{what} {value!r} is neither a file, a folder nor an asset name")
    return paths


def model_file(name_or_path: str) -> Path:
    """A registered model name (stylelab/data/weights.tsv) or a model file."""
    from .weights import pretrained_path, registry

    if name_or_path in registry():
        return pretrained_path(name_or_path)
    path = Path(name_or_path).expanduser()
    if not path.is_file():
        raise StylelabError(f"{name_or_path!r} is neither a registered model ({', '.join(sorted(registry())) or 'none'}) "
                            f"nor a model file")
    return path


def _stem(path) -> str:
    return Path(str(path)).stem


# --- one stylising function per method -------------------------------------------------------

Stylizer = Callable[[torch.Tensor, list[torch.Tensor], tuple], torch.Tensor]


def _adain(args, device) -> tuple[Stylizer, bool]:
    from .methods import adain

    if args.decoder and (args.port_vgg or args.port_decoder):
        raise StylelabError("give either --decoder or --port-vgg/--port-decoder, not both")
    if not (args.decoder or args.port_vgg or args.port_decoder):
        args.decoder = DEFAULT_DECODER
    if args.decoder:
        model = adain.load_decoder(model_file(args.decoder), device=device).model
    elif args.port_vgg and args.port_decoder:
        model = adain.load_pretrained(adain.port_file(args.port_vgg), adain.port_file(args.port_decoder), device)
    else:
        raise StylelabError("adain needs a decoder: --decoder NAME_OR_PATH (trained with stylelab) or "
                            f"--port-vgg and --port-decoder (the port's files, e.g. {adain.PORT_VGG_ASSET} "
                            f"and {adain.PORT_DECODER_ASSET})")
    adain.check_alpha(args.alpha)
    color = "histogram" if args.preserve_color == "auto" else args.preserve_color
    mask = None
    if args.mask:
        mask_path = expand_inputs([args.mask], "mask")[0]
        mask = images.load_image(mask_path, device=device).mean(1, keepdim=True)

    def run(content, styles, _ids):
        return adain.stylize(model, content, styles, alpha=args.alpha, weights=args.style_weights, mask=mask,
                             preserve_color=color)

    return run, args.style_weights is not None or mask is not None


def _feedforward(args, device, conditional: bool) -> tuple[Stylizer, list[str]]:
    from .methods import feedforward

    if not args.weights:
        raise StylelabError(f"{args.method} needs --weights NAME_OR_PATH (a registered model or a model file)")
    trained = feedforward.load_net(model_file(args.weights), device=device)
    is_cin = trained.config.norm == "conditional_instance"
    if is_cin != conditional:
        raise StylelabError(f"{args.weights} is a {'CIN' if is_cin else 'single-style'} net; use --method "
                            f"{'cin' if is_cin else 'johnson'}")

    def run(content, _styles, ids):
        return feedforward.stylize(trained.net, content, ids[0] if ids else 0).clamp(0, 1)

    return run, list(trained.config.styles)


def _gatys(args, device) -> Stylizer:
    from .encoders import build_encoder
    from .methods.gatys import GatysConfig, stylize

    if args.preserve_color == "histogram":
        raise StylelabError("gatys preserves colour by luminance only: use --preserve-color luminance")
    encoder = build_encoder(args.encoder, device=device)
    config = GatysConfig(iterations=args.iterations, preserve_color=args.preserve_color is not None)
    config.validate(encoder)
    return lambda content, styles, _ids: stylize(content, styles[0], encoder, config, progress=False).image


def _check_options(args) -> None:
    if args.method != "adain":
        given = [name for name, value in (("--mask", args.mask), ("--style-weights", args.style_weights),
                                          ("--decoder", args.decoder), ("--port-vgg", args.port_vgg),
                                          ("--port-decoder", args.port_decoder)) if value]
        if args.alpha != 1.0:
            given.append("--alpha")
        if given:
            raise StylelabError(f"{', '.join(given)} only apply to --method adain")
    if args.method in ("johnson", "cin") and args.preserve_color:
        raise StylelabError(f"--preserve-color does not apply to --method {args.method}")
    if args.content_size < 0 or args.style_size < 0:
        raise StylelabError("--content-size and --style-size must be 0 (keep) or positive")


def plan(args, contents: list[Path], styles: list[Path], combined: bool, net_styles: list[str] | None) -> list[Job]:
    """The outputs to make, named <content>_stylized_<style><ext> (port's naming)."""
    out, ext = Path(args.out), args.ext
    jobs = []
    for content in contents:
        c = _stem(content)
        if args.method == "johnson":
            jobs.append(Job(out / f"{c}_{_stem(args.weights)}{ext}", content, (), f"{content.name}"))
        elif args.method == "cin":
            for i in _cin_ids(args.style, net_styles):
                jobs.append(Job(out / f"{c}_stylized_{_stem(net_styles[i])}{ext}", content, (i,),
                                f"{content.name} × {net_styles[i]}"))
        elif combined:
            kind = "mask" if args.mask else "interpolation"
            names = "+".join(_stem(s) for s in styles)
            jobs.append(Job(out / f"{c}_{kind}_{names}{ext}", content, tuple(styles), f"{content.name} × {names}"))
        else:
            for style in styles:
                jobs.append(Job(out / f"{c}_stylized_{_stem(style)}{ext}", content, (style,),
                                f"{content.name} × {style.name}"))
    return jobs


def _cin_ids(wanted: Sequence[str], net_styles: list[str]) -> list[int]:
    if not wanted:
        return list(range(len(net_styles)))
    ids = []
    for value in wanted:
        matches = [i for i, s in enumerate(net_styles) if value == s or _stem(value) == _stem(s)]
        if not matches:
            raise StylelabError(f"style {value!r} is not one of this CIN net's styles: {', '.join(net_styles)}")
        ids.append(matches[0])
    return ids


def _write(image: torch.Tensor, path: Path) -> None:
    tmp = path.with_name(f".{path.stem}.part{path.suffix}")
    images.save_image(image.cpu(), tmp)
    os.replace(tmp, path)


def run(args: argparse.Namespace) -> int:
    from .device import resolve_device

    _check_options(args)
    device = resolve_device(args.device)
    contents = expand_inputs(args.content, "content")
    styles: list[Path] = []
    combined, net_styles = False, None
    if args.method in ("adain", "gatys"):
        if not args.style:
            raise StylelabError(f"{args.method} needs --style (a file, folder or asset name)")
        styles = expand_inputs(args.style, "style")
        if args.mask and len(styles) != 2:
            raise StylelabError(f"--mask needs exactly two styles (mask and 1 − mask), got {len(styles)}")
        if args.style_weights is not None:
            from .methods.adain import check_weights

            check_weights(args.style_weights, len(styles))
    if args.method == "adain":
        stylizer, combined = _adain(args, device)
    elif args.method == "gatys":
        stylizer = _gatys(args, device)
    else:
        stylizer, net_styles = _feedforward(args, device, conditional=args.method == "cin")
    jobs = plan(args, contents, styles, combined, net_styles)
    Path(args.out).mkdir(parents=True, exist_ok=True)

    style_cache: dict[Path, torch.Tensor | StylelabError] = {}

    def load_style(path: Path) -> torch.Tensor:
        if path not in style_cache:
            try:
                style_cache[path] = images.load_image(path, short_side=args.style_size or None, device=device)
            except StylelabError as exc:
                style_cache[path] = exc
        if isinstance(style_cache[path], StylelabError):
            raise style_cache[path]
        return style_cache[path]

    written = kept = failed = 0
    bar = tqdm(jobs, desc=f"stylize ({args.method})", disable=args.quiet, file=sys.stderr, dynamic_ncols=True)
    for job in bar:
        if job.out.exists():
            kept += 1
            continue
        try:
            content = images.load_image(job.content, short_side=args.content_size or None, device=device)
            style_images = [load_style(s) for s in job.styles] if args.method in ("adain", "gatys") else []
            ids = job.styles if args.method == "cin" else ()
            with torch.no_grad() if args.method != "gatys" else torch.enable_grad():
                image = stylizer(content, style_images, ids)
            _write(image, job.out)
            written += 1
        except StylelabError as exc:
            failed += 1
            tqdm.write(f"skipped {job.label}: {exc}", file=sys.stderr)
    bar.close()
    print(f"stylize: {written} written, {kept} already there, {failed} failed -> {args.out}")
    return 1 if failed else 0
