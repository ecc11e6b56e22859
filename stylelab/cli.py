"""``python -m stylelab``: the command line. One error handler: a StylelabError prints one line
``error: …`` to stderr and exits with status 2 (as ``python -m stylelab.reproduce`` does).

    python -m stylelab train --method johnson --style style/la_muse --steps 4000 \\
        --out stylelab/pretrained/johnson_instance_la_muse.pt --register johnson-instance-la_muse
    python -m stylelab reproduce --profile quick      # the same as python -m stylelab.reproduce
    python -m stylelab bench gatys --sizes 256        # the same as python -m stylelab.bench
    python -m stylelab site                           # the executed notebooks as HTML in build/site/

``train`` is resumable: it checkpoints to ``--checkpoint`` (default ``<out>.ckpt``) and, run again
with the same arguments, continues from the last checkpoint. The model file it writes carries its
config and recipe (data, hyper-parameters, steps, wall time, device, revision); ``--register`` adds
or updates its row in ``stylelab/data/weights.tsv`` with the file's sha256.
"""

from __future__ import annotations

import argparse
import csv
import shlex
import sys
import time
from pathlib import Path

import torch

from .errors import StylelabError

USER_ERROR = 2


def _train_parser(sub) -> None:
    p = sub.add_parser("train", help="train a feed-forward net (Johnson, Ulyanov, CIN) with the perceptual loss, "
                                     "or an AdaIN decoder")
    p.add_argument("--method", choices=("johnson", "ulyanov", "cin", "adain"), default="johnson",
                   help="cin: the Johnson net with conditional instance norm over all --style images; "
                        "adain: the decoder g of AdaIN (L = Lc + λ Ls), on all registered styles but the held-out ones "
                        "unless --style is given")
    p.add_argument("--style", action="append", default=None, help="style asset name (style/la_muse) or image path; "
                                                                   "repeat for CIN and AdaIN")
    p.add_argument("--norm", choices=("instance", "batch"), default="instance", help="johnson/ulyanov only")
    p.add_argument("--steps", type=int, default=4000)
    p.add_argument("--image-size", type=int, default=128, help="side of the square training crops")
    p.add_argument("--style-size", type=int, default=256, help="short side of the style images")
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--lr", type=float, default=None, help="default 1e-3 (feed-forward), 1e-4 (adain)")
    p.add_argument("--lr-decay", type=float, default=5e-5, help="adain: lr / (1 + decay · step), as the authors")
    p.add_argument("--max-side", type=int, default=512, help="adain: photos and styles downscaled to this short side")
    p.add_argument("--style-recolour", type=float, default=0.0,
                   help="adain: probability that a style crop is recoloured (grey or hue-rotated); 0: the authors' recipe")
    p.add_argument("--style-colour-jitter", type=float, default=0.0,
                   help="adain: probability that a style crop gets a random colour balance (per-channel gamma, "
                        "gain, offset), after --style-recolour; 0: the authors' recipe")
    p.add_argument("--init-from", default=None,
                   help="adain: start the decoder from this model file or registered name (fine-tuning); the new "
                        "recipe keeps its sha256, config and recipe")
    p.add_argument("--note", default=None, help="a sentence kept in the recipe (e.g. how an interrupted run was resumed)")
    p.add_argument("--content-weight", type=float, default=1.0)
    p.add_argument("--style-weight", type=float, default=None,
                   help="β (feed-forward, default 10) or λ (adain, default per encoder: adain.STYLE_WEIGHTS)")
    p.add_argument("--tv-weight", type=float, default=0.0)
    p.add_argument("--normalize", choices=("total", "per_layer", "none"), default="total",
                   help="loss scaling (stylelab.perceptual): total keeps the paper's balance between style layers")
    p.add_argument("--photos", nargs="*", default=None, help="photo names from stylelab/data/photos.tsv (default: all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--encoder", default="auto")
    p.add_argument("--device", default="auto")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--out", required=True, help="model file to write (fp16 weights + config + recipe)")
    p.add_argument("--checkpoint", default=None, help="resumable checkpoint (default: <out>.ckpt)")
    p.add_argument("--checkpoint-every", type=int, default=200)
    p.add_argument("--register", default=None, help="name under which to record the model in stylelab/data/weights.tsv")


def train_command(args: argparse.Namespace) -> int:
    from .device import resolve_device
    from .encoders import build_encoder
    from .methods.feedforward import FeedForwardConfig, save_net, train_net

    _check_register(args)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.method == "adain":
        return _train_adain(args)
    adain_only = [flag for flag, value in (("--init-from", args.init_from), ("--style-recolour", args.style_recolour),
                                           ("--style-colour-jitter", args.style_colour_jitter)) if value]
    if adain_only:
        raise StylelabError(f"{', '.join(adain_only)}: for --method adain only, not {args.method}")
    if not args.style:
        raise StylelabError(f"--method {args.method} needs at least one --style")
    architecture = "johnson" if args.method == "cin" else args.method
    norm = "conditional_instance" if args.method == "cin" else args.norm
    config = FeedForwardConfig(architecture=architecture, norm=norm, styles=tuple(args.style),
                               image_size=args.image_size, style_size=args.style_size, batch_size=args.batch_size,
                               lr=args.lr or 1e-3, steps=args.steps, content_weight=args.content_weight,
                               style_weight=10.0 if args.style_weight is None else args.style_weight, tv_weight=args.tv_weight, normalize=args.normalize,
                               photos=tuple(args.photos) if args.photos else None, seed=args.seed)
    config.validate()
    device = resolve_device(args.device)
    encoder = build_encoder(args.encoder, device=device)
    out = Path(args.out)
    checkpoint = Path(args.checkpoint) if args.checkpoint else out.with_name(out.name + ".ckpt")
    started = time.time()
    trained = train_net(config, encoder, checkpoint=checkpoint, checkpoint_every=args.checkpoint_every)
    recipe = _recipe(args.argv, config.steps, config.photos, trained.history, started, device, encoder)
    save_net(out, trained, recipe)
    _report(args, out, recipe, f"{config.architecture}/{config.norm} on {', '.join(config.styles)}")
    return 0


def _train_adain(args: argparse.Namespace) -> int:
    from .device import resolve_device
    from .encoders import build_encoder
    from .methods.adain import ADAIN_LAYER, AdaINConfig, save_decoder, train_decoder
    from .weights import sha256_of

    config = AdaINConfig(styles=tuple(args.style) if args.style else None, image_size=args.image_size,
                         batch_size=args.batch_size, lr=args.lr or 1e-4, lr_decay=args.lr_decay, steps=args.steps,
                         content_weight=args.content_weight, style_weight=args.style_weight,
                         photos=tuple(args.photos) if args.photos else None, max_side=args.max_side, seed=args.seed,
                         style_recolour=args.style_recolour, style_colour_jitter=args.style_colour_jitter)
    config.validate()
    device = resolve_device(args.device)
    encoder = build_encoder(args.encoder, device=device, last_layer=ADAIN_LAYER)
    out = Path(args.out)
    checkpoint = Path(args.checkpoint) if args.checkpoint else out.with_name(out.name + ".ckpt")
    parent = _init_decoder(args.init_from, out, encoder) if args.init_from else None
    started = time.time()
    trained = train_decoder(config, encoder, checkpoint=checkpoint, checkpoint_every=args.checkpoint_every,
                            decoder=parent[1].decoder if parent else None)
    recipe = _recipe(args.argv, config.steps, config.photos, trained.history, started, device, encoder)
    recipe["data"]["styles"] = list(trained.config.styles)
    if parent:
        path, loaded = parent
        # The parent may be overwritten later (a committed decoder refined in place): keep what made it.
        recipe["init_from"] = {"file": str(path), "sha256": sha256_of(path), "config": loaded.config.to_dict(),
                               "recipe": loaded.recipe}
    if args.note:
        recipe["note"] = args.note
    save_decoder(out, trained, recipe)
    _report(args, out, recipe, f"AdaIN decoder against {trained.config.encoder}, λ = {trained.config.style_weight:g}, "
                               f"{len(trained.config.styles)} training styles")
    return 0


def _init_decoder(init_from: str, out: Path, encoder):
    """(path, TrainedAdaIN) of the decoder a fine-tuning run starts from: a file or a registered name,
    trained against the same encoder kind, and not the file this run writes."""
    from .methods.adain import load_decoder
    from .stylize import model_file

    path = model_file(init_from)
    if path.resolve() == out.resolve():
        raise StylelabError(f"--init-from and --out are the same file ({out}); copy the starting decoder elsewhere first")
    return path, load_decoder(path, encoder=encoder, device=next(encoder.parameters()).device)


def _check_register(args: argparse.Namespace) -> None:
    from .weights import PRETRAINED_DIR

    if args.register and Path(args.out).resolve().parent != PRETRAINED_DIR.resolve():
        raise StylelabError(f"--register needs --out inside {PRETRAINED_DIR} (the package's pretrained folder)")


def _recipe(argv: list[str], steps: int, photo_names, history: dict, started: float, device, encoder) -> dict:
    """What made a model file: the command, data, steps, time, device, encoder, revision, loss curves."""
    from . import provenance
    from .datasets import training_photos
    from .device import describe

    photos = training_photos(photo_names)
    return {
        "command": "python -m stylelab " + " ".join(shlex.quote(a) for a in argv),
        "data": {"photos": [p.name for p in photos], "photo_manifest": "stylelab/data/photos.tsv",
                 "count": len(photos)},
        "steps": steps,
        "wall_time_s": round(sum(history.get("step_s", [])), 1),
        "wall_time_this_session_s": round(time.time() - started, 1),
        "device": describe(device),
        "threads": torch.get_num_threads(),
        "encoder": encoder.name,
        "revision": provenance.git_revision(),
        "torch": str(torch.__version__),
        "final_losses": {k: round(sum(v[-100:]) / len(v[-100:]), 5) for k, v in history.items() if v},
        "history_every_10": {k: [round(x, 5) for x in v[::10]] for k, v in history.items()},
    }


def _report(args: argparse.Namespace, out: Path, recipe: dict, description: str) -> None:
    from .weights import REGISTRY, sha256_of

    digest = sha256_of(out)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB, sha256 {digest[:16]}…), "
          f"{recipe['steps']} steps, {recipe['wall_time_s']:.0f} s of training on {recipe['device']}")
    if args.register:
        _register(REGISTRY, args.register, out.name, digest, out.stat().st_size, f"{description}; recipe in {out.name}.json")
        print(f"registered {args.register!r} in {REGISTRY}")


def _register(registry: Path, name: str, file: str, digest: str, size: int, description: str) -> None:
    with open(registry, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    rows = [r for r in rows if not (r and r[0] == name)] + [[name, file, digest, str(size), description]]
    with open(registry, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, delimiter="\t", lineterminator="\n").writerows(rows)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Delegated commands keep their own parsers (and the same error handling).
    if argv[:1] == ["reproduce"]:
        from .reproduce import main as reproduce_main
        return reproduce_main(argv[1:])
    if argv[:1] == ["bench"]:
        from .bench import main as bench_main
        return bench_main(argv[1:])
    if argv[:1] == ["site"]:
        from .site import main as site_main
        return site_main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m stylelab", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="{train,stylize,reproduce,bench,site}")
    _train_parser(sub)
    from . import stylize

    stylize.add_parser(sub)
    sub.add_parser("reproduce", help="run the notebooks through papermill (see python -m stylelab reproduce -h)")
    sub.add_parser("bench", help="time the methods (see python -m stylelab bench -h)")
    sub.add_parser("site", help="the executed notebooks as a static HTML site (see python -m stylelab site -h)")
    args = parser.parse_args(argv)
    args.argv = argv  # recorded in a trained model's recipe
    try:
        if args.command == "train":
            return train_command(args)
        if args.command == "stylize":
            return stylize.run(args)
    except StylelabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USER_ERROR
    except KeyboardInterrupt:
        print("interrupted: run the same command again to resume from the last checkpoint", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
