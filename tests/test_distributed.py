"""Training on several processes (stylelab.distributed): ``torchrun -m stylelab train`` with 2 CPU processes
(gloo) takes the steps one process takes with the same global batch, resumes exactly, names its world in
the recipe; ``--workers`` makes the same batches as the training process does. Tiny: 16 px crops, the
random encoder, one torch thread per process, 3 steps.

About "the same weights": Adam's first steps are lr · g / (|g| + eps), about lr · sign(g), so a weight whose
true gradient is zero or nearly so (a conv bias before instance norm, whose shift the norm removes; a few
single conv weights on these tiny crops) moves by ±lr on rounding noise, and in the Johnson net those
flips feed the next steps' gradients: after 3 steps its weights drift apart by ~1 % on one machine and
~0.1 % on another (the summation order of the BLAS decides which signs flip). The checks are therefore: the
first step's losses (which see every weight that matters) to 1e-5; the Johnson net's first gradient (Adam's
first moment after 1 step) per tensor outside instance norm's null space to 1e-5, the one place where the
two worlds must agree to rounding; AdaIN's decoder (no instance norm, so no null space): every weight
tensor to 1e-4 after 3 steps. The losses after the first step see that drift too: on 2026-12-03's AVX2 machine
the Johnson net's step-3 total differed by 3.7e-4 and AdaIN's 3-step Adam moments by 1.2e-3, so those are
checked to 2e-3 and 1e-2 (a world that did not average the global batch's gradients is off by whole percents
in the first step already, which the first-step checks hold to 1e-5).
"""

import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
import torch

from stylelab import cli, distributed
from stylelab.datasets import RandomCropDataset, photo_entries, training_photos
from stylelab.errors import StylelabError
from stylelab.training import safe_load

ROOT = Path(__file__).resolve().parents[1]
TORCHRUN = Path(sys.executable).with_name("torchrun")


def _photos():
    try:
        names = [photo_entries()[0].name, photo_entries()[1].name]
        training_photos(names)
        return names
    except Exception:
        return None


PHOTOS = _photos()
pytestmark = pytest.mark.skipif(PHOTOS is None, reason="training photos not installed (bash scripts/setup.sh)")

JOHNSON = ["train", "--method", "johnson", "--style", "style/sketch", "--image-size", "16", "--style-size", "32",
           "--batch-size", "4", "--max-side", "64", "--encoder", "random", "--threads", "1"]
ADAIN = ["train", "--method", "adain", "--style", "style/sketch", "--style", "style/la_muse", "--image-size", "16",
         "--batch-size", "4", "--max-side", "64", "--encoder", "random", "--threads", "1"]


def _mirror() -> str | None:
    path = os.environ.get("STYLELAB_ASSET_MIRROR") or str(ROOT.parent / "shared" / "assets")
    return path if Path(path).is_dir() else None


def _torchrun(args: list[str], nproc: int = 2) -> None:
    env = {**os.environ, "STYLELAB_ASSET_MIRROR": _mirror(), "STYLELAB_OFFLINE": "1", "OMP_NUM_THREADS": "1",
           "OMP_WAIT_POLICY": "PASSIVE"}
    result = subprocess.run([str(TORCHRUN), "--standalone", f"--nproc_per_node={nproc}", "-m", "stylelab", *args],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]


def _single(args: list[str]) -> None:
    threads = torch.get_num_threads()
    try:
        assert cli.main(args) == 0
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Each run once: (method) → {"one": 1 process, "two": 2 processes, "resumed": 2 processes stopped after
    1 step and run again to 3, "one-1" / "two-1": 1 step in each world}: the checkpoint payloads and model
    files."""
    if _mirror() is None:
        pytest.skip("no offline asset mirror (set STYLELAB_ASSET_MIRROR)")
    os.environ.setdefault("STYLELAB_ASSET_MIRROR", _mirror())
    root = tmp_path_factory.mktemp("distributed")
    out = {}
    for name, args in (("johnson", JOHNSON), ("adain", ADAIN)):
        args = [*args, "--photos", *PHOTOS]
        files = {k: root / f"{name}-{k}.pt" for k in ("one", "two", "resumed", "one-1", "two-1")}
        _single([*args, "--steps", "3", "--out", str(files["one"])])
        _torchrun([*args, "--steps", "3", "--out", str(files["two"])])
        _single([*args, "--steps", "1", "--out", str(files["one-1"])])
        _torchrun([*args, "--steps", "1", "--out", str(files["two-1"])])
        _torchrun([*args, "--steps", "1", "--out", str(files["resumed"])])  # interrupted after step 1
        _torchrun([*args, "--steps", "3", "--out", str(files["resumed"])])  # the same command, resumed
        out[name] = {k: (safe_load(Path(f"{f}.ckpt")), f) for k, f in files.items()}
    return out


def _relative(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm().clamp_min(1e-12))


def _in_null_space(name: str) -> bool:
    """Johnson net weights the loss cannot see: conv biases before an instance norm and the biases of a residual
    block's last norm (a constant shift of the residual stream, removed by the next norm)."""
    return name.endswith("conv.bias") or (name.startswith("body.") and name.endswith(".norm.layer.bias")
                                          and "first" not in name)


def test_two_processes_train_a_johnson_net_as_one_process(runs):
    (one, _), (two, _) = runs["johnson"]["one"], runs["johnson"]["two"]
    assert two["step"] == one["step"] == 3 and two["world_size"] == 2
    _same_losses(one, two)
    # the first step's gradient, read from Adam's first moment (0.1 · g after one step)
    (one, _), (two, _) = runs["johnson"]["one-1"], runs["johnson"]["two-1"]
    names = list(one["state"]["net"])
    moments = [(name, one["state"]["optimizer"]["state"][i]["exp_avg"], two["state"]["optimizer"]["state"][i]["exp_avg"])
               for i, name in enumerate(names) if not _in_null_space(name)]
    assert len(moments) > len(names) // 3 and all(m1.norm() > 0 for _, m1, _ in moments)
    worst = max((_relative(m2, m1), name) for name, m1, m2 in moments)
    assert worst[0] < 1e-5, worst


def test_two_processes_train_the_adain_decoder_as_one_process(runs):
    (one, _), (two, _) = runs["adain"]["one"], runs["adain"]["two"]
    _same_losses(one, two)
    for name, weight in one["state"]["decoder"].items():
        assert _relative(two["state"]["decoder"][name], weight) < 1e-4, name
    # the optimiser's moments too: the gradients were the global batch's (exactly so after the first step)
    for slot, state in one["state"]["optimizer"]["state"].items():
        assert _relative(two["state"]["optimizer"]["state"][slot]["exp_avg"], state["exp_avg"]) < 1e-2
    (one, _), (two, _) = runs["adain"]["one-1"], runs["adain"]["two-1"]
    for slot, state in one["state"]["optimizer"]["state"].items():
        assert _relative(two["state"]["optimizer"]["state"][slot]["exp_avg"], state["exp_avg"]) < 1e-5, slot


def _same_losses(one: dict, two: dict) -> None:
    """The first step's losses to rounding (same weights, same global batch); later ones to 2e-3 (Adam's drift)."""
    for key in one["history"]:
        if key != "step_s":
            assert two["history"][key][0] == pytest.approx(one["history"][key][0], rel=1e-5), key
            assert two["history"][key] == pytest.approx(one["history"][key], rel=2e-3), key


@pytest.mark.parametrize("method", ["johnson", "adain"])
def test_an_interrupted_two_process_run_resumes_to_the_uninterrupted_weights(runs, method):
    (two, _), (resumed, _) = runs[method]["two"], runs[method]["resumed"]
    key = "net" if method == "johnson" else "decoder"
    assert resumed["step"] == 3 and resumed["history"] == two["history"] | {"step_s": resumed["history"]["step_s"]}
    for name, weight in two["state"][key].items():
        torch.testing.assert_close(resumed["state"][key][name], weight, rtol=1e-6, atol=0)


def test_the_recipe_of_a_distributed_run_names_its_world(runs):
    from stylelab.weights import read_model

    _, _, recipe = read_model(runs["johnson"]["two"][1])
    assert recipe["distributed"]["world_size"] == 2 and recipe["distributed"]["backend"] == "gloo"
    assert len(recipe["distributed"]["devices"]) == 2 and recipe["distributed"]["devices"][0].endswith("cpu")
    assert recipe["command"].startswith("torchrun --standalone --nproc_per_node=2 -m stylelab train")
    _, _, single = read_model(runs["johnson"]["one"][1])
    assert "distributed" not in single and single["command"].startswith("python -m stylelab train")


# --- data: shares, workers, world sizes (in this process) ---------------------------------------------

def _adain_data():
    from stylelab.methods.adain import AdaINConfig
    from stylelab.methods.adain.train import _batches, training_data

    config = AdaINConfig(styles=("style/sketch", "style/la_muse"), image_size=16, batch_size=4, max_side=64,
                         photos=tuple(PHOTOS), style_recolour=0.5, style_colour_jitter=0.5)
    return partial(_batches, *training_data(config), config)


def test_workers_make_the_same_batches_as_the_training_process(mirror, one_torch_thread):
    make = _adain_data()
    inline = list(distributed.batches(distributed.Batches(make, 4, workers=0), 3, 7))
    workers = list(distributed.batches(distributed.Batches(make, 4, workers=2), 3, 7))
    assert len(inline) == len(workers) == 4
    for (c0, s0), (c1, s1) in zip(inline, workers):
        assert torch.equal(c0, c1) and torch.equal(s0, s1)
    # started at step 3 (a resumed run): the batches of steps 3.. of a run from 0
    assert torch.equal(inline[0][0], make(3, slice(0, 4))[0])


def test_train_with_workers_gives_the_weights_of_workers_0(tmp_path, mirror, one_torch_thread):
    args = [*JOHNSON, "--steps", "2", "--photos", *PHOTOS]
    _single([*args, "--out", str(tmp_path / "w0.pt")])
    _single([*args, "--workers", "2", "--out", str(tmp_path / "w2.pt")])
    a, b = safe_load(tmp_path / "w0.pt.ckpt"), safe_load(tmp_path / "w2.pt.ckpt")
    for name, weight in a["state"]["net"].items():
        assert torch.equal(b["state"]["net"][name], weight), name


def test_rank_shares_of_any_world_size_make_the_global_batch(mirror, monkeypatch):
    make = _adain_data()
    whole = make(5, slice(0, 4))
    for world in (2, 4):
        parts = []
        for rank in range(world):
            monkeypatch.setattr(distributed, "group", lambda rank=rank: distributed.Group(rank, world))
            parts.append(next(distributed.batches(distributed.Batches(make, 4), 5, 6)))
        assert torch.equal(torch.cat([p[0] for p in parts]), whole[0])
        assert torch.equal(torch.cat([p[1] for p in parts]), whole[1])
    dataset = RandomCropDataset(training_photos(PHOTOS), 16, max_side=64)
    assert torch.equal(dataset.batch(2, 4, slice(2, 4)), dataset.batch(2, 4)[2:])


def test_a_batch_that_does_not_divide_and_amp_on_the_cpu_are_one_line_errors():
    with pytest.raises(StylelabError, match="batch size 3 does not divide by the world size 2") as info:
        distributed.Group(1, 2).rows(3)
    assert "\n" not in str(info.value)
    assert distributed.Group(1, 2).rows(4) == slice(2, 4)
    with pytest.raises(StylelabError, match="--amp bf16 is for training on CUDA GPUs"):
        distributed.check_amp("bf16", "cpu")
    assert distributed.check_amp("off", "cpu") is None and not distributed.group().distributed


def test_a_method_without_workers_refuses_the_flag(tmp_path, mirror, capsys):
    from stylelab.methods import base

    class NoScale(base.Method):
        name = "no_scale_test"
        train_config = base.get("johnson").train_config
        train_fixed = {"architecture": "johnson"}

        @classmethod
        def train(cls, config, encoder, *, checkpoint=None, checkpoint_every=200, progress=True, init_from=None):
            raise AssertionError("not reached")

    base.register(NoScale)
    try:
        assert cli.main(["train", "--method", "no_scale_test", "--workers", "2", "--encoder", "random",
                         "--out", str(tmp_path / "x.pt")]) == 2
        assert "--workers does not apply to --method no_scale_test" in capsys.readouterr().err
    finally:
        base.unregister("no_scale_test")
