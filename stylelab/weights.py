"""Trained models as files: weights + the config that builds the network + the recipe that made them.

A model file is a plain dict read with ``torch.load(weights_only=True)`` (see ``training.safe_load``):

    {"format": "stylelab-model/1", "kind": "feedforward", "config": {...}, "recipe": {...},
     "state": {name: tensor}}

so it reloads without guessing the architecture and never executes code. The models we trained
and commit live in ``stylelab/pretrained/`` and are registered in ``stylelab/data/weights.tsv``
(name, file, sha256, bytes, what it is); the recipe of each sits beside it as ``<file>.json``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields
from pathlib import Path

import torch
from torch import nn

from .assets import sha256_of  # noqa: F401  (the one file hash; callers import it from here too)
from .errors import StylelabError
from .registry import read_tsv
from .training import safe_load

FORMAT = "stylelab-model/1"
PRETRAINED_DIR = Path(__file__).resolve().parent / "pretrained"
REGISTRY = Path(__file__).resolve().parent / "data" / "weights.tsv"


def save_model(path: str | os.PathLike, model: nn.Module, *, kind: str, config: dict, recipe: dict,
               half: bool = True) -> Path:
    """Write ``model``'s weights (fp16 when ``half``: trained nets lose nothing visible) with its config
    and recipe, plus the recipe as readable JSON beside it. Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: (v.detach().half() if half and v.is_floating_point() else v.detach()).cpu().clone()
             for k, v in model.state_dict().items()}
    # a JSON round trip keeps config and recipe plain data, which weights_only loading accepts
    config, recipe = json.loads(json.dumps(config)), json.loads(json.dumps(recipe, default=str))
    payload = {"format": FORMAT, "kind": kind, "config": config, "recipe": recipe, "state": state}
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)
    sidecar = path.with_name(path.name + ".json")
    sidecar.write_text(json.dumps({"kind": kind, "config": config, "recipe": recipe,
                                   "sha256": sha256_of(path), "bytes": path.stat().st_size},
                                  indent=2, ensure_ascii=False) + "\n")
    return path


def config_from_dict(cls, values: dict, what: str):
    """Rebuild a frozen config dataclass ``cls`` from a model file's plain-data config (JSON turned its
    tuples into lists); a key the class does not know is a one-line error naming it."""
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise StylelabError(f"unknown {what} config key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


def read_model(path: str | os.PathLike, kind: str | None = None) -> tuple[dict, dict, dict]:
    """(state, config, recipe) of a model file; a file of another kind or format is a one-line error."""
    payload = safe_load(path)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise StylelabError(f"{path} is not a stylelab model file (expected format {FORMAT!r}); "
                            f"model files are written by stylelab.weights.save_model")
    if kind is not None and payload.get("kind") != kind:
        raise StylelabError(f"{path} holds a {payload.get('kind')!r} model, not a {kind!r} one")
    return payload["state"], payload["config"], payload.get("recipe", {})


def recipe_command(recipe: dict) -> str:
    """The command a model file's recipe records, without the machine-specific ``--checkpoint PATH``."""
    words, out = recipe.get("command", "").split(), []
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word == "--checkpoint":
            skip = True
        else:
            out.append(word)
    return " ".join(out)


def load_state(model: nn.Module, state: dict, source: str | os.PathLike) -> nn.Module:
    """Load ``state`` into ``model`` strictly; a wrong key or shape is a one-line error that names it."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    if missing or unexpected:
        what = f"missing key {missing[0]!r}" if missing else f"unexpected key {unexpected[0]!r}"
        raise StylelabError(f"{source} does not fit this network: {what} "
                            f"({len(missing)} missing, {len(unexpected)} unexpected)")
    for key, value in state.items():
        if value.shape != expected[key].shape:
            raise StylelabError(f"{source} does not fit this network: {key!r} has shape {tuple(value.shape)}, "
                                f"the network expects {tuple(expected[key].shape)}")
    model.load_state_dict({k: v.to(expected[k].dtype) for k, v in state.items()})
    return model


def read_state_dict(path: str | os.PathLike, what: str) -> dict[str, torch.Tensor]:
    """A bare state dict of tensors (a published checkpoint), read with ``weights_only=True``."""
    state = safe_load(path)
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise StylelabError(f"{path} is not a state dict of tensors (expected {what})")
    return state


@dataclass(frozen=True)
class Pretrained:
    name: str
    file: str
    sha256: str
    bytes: int
    description: str


def registry() -> dict[str, Pretrained]:
    rows = read_tsv(REGISTRY.read_text(encoding="utf-8"))
    return {row["name"]: Pretrained(**{**row, "bytes": int(row["bytes"])}) for row in rows}


def pretrained_path(name: str) -> Path:
    """The committed model file ``name``, checked against its registered sha256."""
    entries = registry()
    if name not in entries:
        raise StylelabError(f"no pretrained model {name!r}; available: {', '.join(sorted(entries)) or 'none'}")
    entry = entries[name]
    path = PRETRAINED_DIR / entry.file
    if not path.is_file():
        raise StylelabError(f"pretrained model {name!r} is missing at {path}; reinstall stylelab or retrain it "
                            f"with the command in {entry.file}.json")
    if sha256_of(path) != entry.sha256:
        raise StylelabError(f"pretrained model {name!r} at {path} does not match its registered sha256; "
                            f"restore it from git or retrain it")
    return path
