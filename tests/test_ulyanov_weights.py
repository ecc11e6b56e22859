"""The committed Ulyanov texture net (notebook 02): registered, its file matches its sha256, it loads as the
texture net its recipe describes, and it stylises a photo-sized input to a finite image of the same size."""

import hashlib
import json

import torch

from stylelab.methods import feedforward
from stylelab.nets import TextureNet
from stylelab.weights import PRETRAINED_DIR, pretrained_path, registry

NAME = "ulyanov-instance-la_muse"


def test_the_ulyanov_net_is_registered_and_its_file_matches_its_hash():
    entry = registry()[NAME]
    path = PRETRAINED_DIR / entry.file
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry.sha256
    assert len(data) == entry.bytes
    assert pretrained_path(NAME) == path  # the loader's own check passes too


def test_the_ulyanov_net_has_its_recipe_and_config():
    entry = registry()[NAME]
    meta = json.loads((PRETRAINED_DIR / f"{entry.file}.json").read_text(encoding="utf-8"))
    assert meta["config"]["architecture"] == "ulyanov"
    assert meta["config"]["norm"] == "instance"
    assert meta["config"]["styles"] == ["style/la_muse"]
    assert meta["recipe"]["command"].startswith("python -m stylelab train --method ulyanov")
    assert meta["recipe"]["steps"] == meta["config"]["steps"] >= 300


def test_the_ulyanov_net_stylises_a_photo_to_a_finite_image_of_its_size(one_torch_thread):
    trained = feedforward.load_net(pretrained_path(NAME))
    assert isinstance(trained.net, TextureNet)
    assert all(p.dtype == torch.float32 for p in trained.net.parameters())  # fp16 on disk, fp32 to run
    torch.manual_seed(0)
    content = torch.rand(1, 3, 72, 100)  # not a multiple of 16: stylize pads and crops back
    out = feedforward.stylize(trained.net, content)
    assert out.shape == content.shape
    assert torch.isfinite(out).all()
    assert out.min() >= 0 and out.max() <= 1
    assert float((out - content).abs().mean()) > 0.02  # it changes the picture (not an identity)
