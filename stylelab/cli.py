"""``python -m stylelab``: the command line. Every command loops over the method registry
(:mod:`stylelab.methods.base`); a method's options come from its dataclasses, with their defaults.

    python -m stylelab train --list                   # the methods that train, and their config class
    python -m stylelab train --method johnson --style style/la_muse --steps 4000 \\
        --out stylelab/pretrained/johnson_instance_la_muse.pt --register johnson-instance-la_muse
    python -m stylelab stylize --list                 # every method (see python -m stylelab stylize -h)
    python -m stylelab bench --list                   # the methods the speed table times
    python -m stylelab export --method johnson --onnx johnson.onnx   # any image size (export --list)
    python -m stylelab reproduce --profile quick      # the same as python -m stylelab.reproduce
    python -m stylelab site                           # the executed notebooks as HTML in build/site/

``train`` is resumable: it checkpoints to ``--checkpoint`` (default ``<out>.ckpt``) and, run again
with the same arguments, continues from the last checkpoint. The model file it writes carries its
config and recipe (data, hyper-parameters, steps, wall time, device, revision); ``--register`` adds
or updates its row in ``stylelab/data/weights.tsv`` with the file's sha256. A flag that does not apply
to the chosen method is a one-line error naming both. Errors: one line ``error: …``, status 2
(:func:`stylelab.errors.command`).
"""

from __future__ import annotations

import argparse
import inspect
import os
import shlex
import sys
import time
from pathlib import Path

import torch

from . import distributed, provenance
from . import stylize as stylize_command
from .datasets import training_photos
from .device import describe
from .encoders import build_encoder
from .errors import StylelabError, command
from .methods import base
from .registry import resolve, upsert_tsv
from .weights import PRETRAINED_DIR, REGISTRY, read_model, sha256_of

#: argparse destination prefix of the flags built from a method's dataclasses
OPTION_PREFIX = "option_"


# --- flags built from dataclasses ---------------------------------------------------------------

def _shown(value) -> str:
    if isinstance(value, tuple):
        return " ".join(map(str, value)) if value else "()"
    return str(value)


def add_dataclass_flags(parser: argparse.ArgumentParser, entries: list[tuple[str, object, tuple[str, ...]]]) -> None:
    """One flag per field of the (method, defaults instance, excluded fields) entries; a flag shared by several
    methods says each one's default. Defaults are not set on the namespace: only given flags reach
    :func:`given_options`, so the method's own dataclass supplies the rest."""
    uses: dict[str, list] = {}
    for method, defaults, excluded in entries:
        for name, (field, hint) in base.option_fields(type(defaults), excluded).items():
            uses.setdefault(name, []).append((method, field, hint, getattr(defaults, name)))
    for name, rows in uses.items():
        field, hint = rows[0][1], rows[0][2]
        kwargs: dict = {"dest": OPTION_PREFIX + name, "default": argparse.SUPPRESS}
        if name == "styles":
            kwargs["action"] = "append"
        else:
            nargs = next((n for n in (base.nargs_of(f, h) for _, f, h, _ in rows) if n), None)
            if nargs:
                kwargs["nargs"] = nargs
        by_default: dict[str, list[str]] = {}
        for method, _, _, default in rows:
            by_default.setdefault(_shown(default), []).append(method)
        if len(rows) == 1:
            defaults = f"{rows[0][0]} only; default {_shown(rows[0][3])}"
        elif len(by_default) == 1:
            defaults = f"{', '.join(m for m, *_ in rows)}; default {next(iter(by_default))}"
        else:
            defaults = "default " + "; ".join(f"{d} ({', '.join(ms)})" for d, ms in by_default.items())
        text = next((base.field_help(f) for _, f, _, _ in rows if base.field_help(f)), "")
        parser.add_argument(base.flag(name), metavar=name.upper(),
                            help=(f"{text} ({defaults})" if text else f"({defaults})").replace("%", "%%"), **kwargs)


def given_options(args: argparse.Namespace) -> dict:
    """{field: raw value} of the dataclass flags given on this command line."""
    return {k[len(OPTION_PREFIX):]: v for k, v in vars(args).items() if k.startswith(OPTION_PREFIX)}


# --- train --------------------------------------------------------------------------------------

def _train_parser(sub) -> None:
    trainable = {name: base.get(name) for name in base.trainable()}
    p = sub.add_parser("train", help="train a method's network (python -m stylelab train --list)",
                       description="Train a method's network; its options and defaults come from its training config.")
    p.add_argument("--method", default="johnson", help=f"one of {', '.join(trainable)} (aliases too; default johnson)")
    p.add_argument("--list", action="store_true", help="list the methods that train, and exit")
    p.add_argument("--init-from", default=None, help="start from this model file or registered name of the same method "
                                                     "(fine-tuning); the recipe keeps its sha256, config and recipe")
    p.add_argument("--note", default=None, help="a sentence kept in the recipe (e.g. how an interrupted run was resumed)")
    p.add_argument("--encoder", default="auto", help="the loss network: auto, vgg19, vgg16_bn_craft or random")
    p.add_argument("--device", default="auto")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--out", default=None, help="model file to write (fp16 weights + config + recipe); required")
    p.add_argument("--checkpoint", default=None, help="resumable checkpoint (default: <out>.ckpt)")
    p.add_argument("--checkpoint-every", type=int, default=200)
    p.add_argument("--register", default=None, help="name under which to record the model in stylelab/data/weights.tsv")
    p.add_argument("--workers", type=int, default=0, help="DataLoader worker processes that decode and crop the "
                                                          "training images (same batches as 0; default 0: in the "
                                                          "training process)")
    p.add_argument("--amp", default="off", choices=distributed.AMP_MODES,
                   help="mixed precision: bf16 autocast on CUDA GPUs (an error on the CPU); default off")
    add_dataclass_flags(p, [(name, cls.default_config(), cls.train_options_excluded()) for name, cls in trainable.items()])


def train_command(args: argparse.Namespace) -> int:
    if args.list:
        print(base.listing("train"))
        return 0
    method = base.get(args.method)
    config = base.build(method.train_config, given_options(args), method.default_config(), method=method.name,
                        fixed=method.train_options_excluded()) if method.train_config else method.default_config()
    config.validate()
    if not args.out:
        raise StylelabError("train needs --out FILE (the model file to write)")
    out = Path(args.out)
    if args.register and out.resolve().parent != PRETRAINED_DIR.resolve():
        raise StylelabError(f"--register needs --out inside {PRETRAINED_DIR} (the package's pretrained folder)")
    parent = resolve(args.init_from, "model") if args.init_from else None
    if parent is not None and parent.resolve() == out.resolve():
        raise StylelabError(f"--init-from and --out are the same file ({out}); copy the starting model elsewhere first")
    if args.threads:
        torch.set_num_threads(args.threads)
    scale = {k: v for k, v in (("workers", args.workers), ("amp", None if args.amp == "off" else args.amp)) if v}
    accepted = inspect.signature(method.train).parameters
    for name in scale:
        if name not in accepted:
            raise StylelabError(f"--{name} does not apply to --method {method.name}: its training takes no {name}")
    # Under torchrun (RANK, WORLD_SIZE set): join the process group, one GPU per process (nccl) or gloo on CPU.
    device = distributed.setup(args.device)
    try:
        return _train_run(args, method, config, out, parent, device, scale)
    finally:
        distributed.teardown()


def _train_run(args, method, config, out: Path, parent: Path | None, device, scale: dict) -> int:
    encoder = build_encoder(args.encoder, device=device, last_layer=method.train_encoder_layer())
    checkpoint = Path(args.checkpoint) if args.checkpoint else out.with_name(out.name + ".ckpt")
    started = time.time()
    trained = method.train(config, encoder, checkpoint=checkpoint, checkpoint_every=args.checkpoint_every,
                           init_from=parent, **scale)
    run = distributed.run_description(device)  # a collective: every rank takes part
    if not distributed.group().is_main:
        return 0  # rank 0 alone writes the model file, its recipe and the report
    recipe = _recipe(args.argv, trained, started, device, encoder)
    if run is not None:
        recipe["distributed"] = run
        recipe["command"] = _torchrun_command(args.argv, run)
    if parent is not None:
        # The parent may be overwritten later (a committed model refined in place): keep what made it.
        _, parent_config, parent_recipe = read_model(parent)
        # named as given (a registered name) and by file name: no machine path in a committed recipe
        recipe["init_from"] = {"name": Path(args.init_from).name, "file": parent.name, "sha256": sha256_of(parent),
                               "config": parent_config, "recipe": parent_recipe}
    if args.note:
        recipe["note"] = args.note
    method.save(out, trained, recipe)
    _report(args, out, recipe, method.describe_trained(trained))
    return 0


def _torchrun_command(argv: list[str], run: dict) -> str:
    """The command of a torchrun launch (its rendezvous endpoint is not known here: see recipe["distributed"])."""
    per_node = int(os.environ.get("LOCAL_WORLD_SIZE", run["world_size"]))
    launch = ("torchrun --standalone" if run["nodes"] == 1 else f"torchrun --nnodes={run['nodes']}") + \
        f" --nproc_per_node={per_node} -m stylelab "
    return launch + " ".join(shlex.quote(a) for a in argv)


def _recipe(argv: list[str], trained, started: float, device, encoder) -> dict:
    """What made a model file: the command, data, steps, time, device, encoder, revision, loss curves."""
    photos = training_photos(trained.config.photos)
    history = trained.history
    return {
        "command": "python -m stylelab " + " ".join(shlex.quote(a) for a in argv),
        "data": {"photos": [p.name for p in photos], "photo_manifest": "stylelab/data/photos.tsv",
                 "count": len(photos), "styles": list(trained.config.styles)},
        "steps": trained.config.steps,
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
    digest = sha256_of(out)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB, sha256 {digest[:16]}…), "
          f"{recipe['steps']} steps, {recipe['wall_time_s']:.0f} s of training on {recipe['device']}")
    if args.register:
        upsert_tsv(REGISTRY, args.register, [out.name, digest, str(out.stat().st_size),
                                             f"{description}; recipe in {out.name}.json"])
        print(f"registered {args.register!r} in {REGISTRY}")


# --- export -------------------------------------------------------------------------------------

def _export_parser(sub) -> None:
    exportable = {name: base.get(name) for name in base.exportable()}
    p = sub.add_parser("export", help="write a method's net as an ONNX file (python -m stylelab export --list)",
                       description="Write a method's network as one ONNX file (opset 18, any image size), checked "
                                   "with onnx.checker; needs pip install 'stylelab[onnx]'.")
    p.add_argument("--method", default=None, help=f"one of {', '.join(exportable)} (aliases too)")
    p.add_argument("--list", action="store_true", help="list the methods that export and their inputs, and exit")
    p.add_argument("--weights", default=None, help="a registered name or a file (default: the method's own)")
    p.add_argument("--onnx", default=None, help="the ONNX file to write (its folder must exist)")
    add_dataclass_flags(p, [(name, cls.Options(), ()) for name, cls in exportable.items()])


def export_command(args: argparse.Namespace) -> int:
    from . import export

    if args.list:
        print(export.listing())
        return 0
    missing = [flag for flag, value in (("--method", args.method), ("--onnx", args.onnx)) if not value]
    if missing:
        raise StylelabError(f"export needs {', '.join(missing)} (python -m stylelab export -h)")
    cls = base.get(args.method)
    given = given_options(args)
    options = base.build(cls.Options, given, method=cls.name)
    path = export.export_onnx(cls.name, args.weights, args.onnx, **{k: getattr(options, k) for k in given})
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB, opset {export.OPSET}): {export.summary(path)}")
    return 0


# --- the entry point ----------------------------------------------------------------------------

DELEGATED = ("reproduce", "bench", "site")  # commands with parsers of their own


@command
def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] and argv[0] in DELEGATED:
        from importlib import import_module

        return import_module(f".{argv[0]}", __package__).main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m stylelab", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="{train,stylize,export,reproduce,bench,site}")
    _train_parser(sub)
    stylize_command.add_parser(sub, add_dataclass_flags)
    _export_parser(sub)
    sub.add_parser("reproduce", help="run the notebooks through papermill (see python -m stylelab reproduce -h)")
    sub.add_parser("bench", help="time the methods (see python -m stylelab bench -h)")
    sub.add_parser("site", help="the executed notebooks as a static HTML site (see python -m stylelab site -h)")
    args = parser.parse_args(argv)
    args.argv = argv  # recorded in a trained model's recipe
    if args.command == "train":
        return train_command(args)
    if args.command == "export":
        return export_command(args)
    return stylize_command.run(args, given_options(args))


if __name__ == "__main__":
    sys.exit(main())
