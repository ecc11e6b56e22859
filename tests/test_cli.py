"""``python -m stylelab``: train end to end (tiny), resume, one-line errors with exit status 2."""

import subprocess
import sys

import pytest

from stylelab import cli
from stylelab.datasets import photo_entries
from stylelab.methods import feedforward


def _photos_installed():
    try:
        from stylelab.datasets import training_photos

        training_photos([photo_entries()[0].name, photo_entries()[1].name])
        return True
    except Exception:
        return False


@pytest.mark.skipif(not _photos_installed(), reason="training photos not installed (bash scripts/setup.sh)")
def test_train_writes_a_model_with_its_recipe_and_resumes(tmp_path, mirror, monkeypatch, one_torch_thread):
    names = [photo_entries()[0].name, photo_entries()[1].name]
    out = tmp_path / "net.pt"
    args = ["train", "--method", "johnson", "--style", "style/sketch", "--steps", "3", "--image-size", "16",
            "--style-size", "32", "--encoder", "random", "--out", str(out), "--checkpoint-every", "2",
            "--photos", *names]
    assert cli.main(args) == 0
    trained = feedforward.load_net(out)
    assert trained.config.steps == 3 and trained.config.photos == tuple(names)
    assert trained.recipe["data"]["count"] == 2 and trained.recipe["steps"] == 3
    assert "python -m stylelab train" in trained.recipe["command"]
    # run again with more steps: resumes from the checkpoint at step 3
    from stylelab import training

    resumed_at = []
    load = training.load_checkpoint
    monkeypatch.setattr(training, "load_checkpoint", lambda *a, **k: resumed_at.append(load(*a, **k)[0]) or load(*a, **k))
    assert cli.main(args[:5] + ["--steps", "4"] + args[7:]) == 0
    assert resumed_at == [3]
    resumed = feedforward.load_net(out)
    assert resumed.config.steps == 4 and len(resumed.recipe["history_every_10"]["total"]) == 1


def test_user_errors_are_one_line_with_status_2(tmp_path, mirror):
    result = subprocess.run([sys.executable, "-m", "stylelab", "train", "--style", str(tmp_path / "missing.jpg"),
                             "--encoder", "random", "--steps", "1", "--out", str(tmp_path / "x.pt")],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    result = subprocess.run([sys.executable, "-m", "stylelab", "train", "--style", "style/sketch", "--method", "cin",
                             "--encoder", "random", "--out", str(tmp_path / "x.pt"), "--image-size", "30"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "multiple of 4" in result.stderr


def test_register_needs_the_pretrained_folder(tmp_path, mirror):
    assert cli.main(["train", "--style", "style/sketch", "--encoder", "random", "--steps", "1", "--out",
                     str(tmp_path / "x.pt"), "--register", "x"]) == 2
    assert not (tmp_path / "x.pt").exists()  # refused before any training


@pytest.mark.skipif(not _photos_installed(), reason="training photos not installed (bash scripts/setup.sh)")
def test_train_adain_decoder_writes_a_reloadable_model_with_its_recipe(tmp_path, mirror, one_torch_thread):
    from stylelab.methods import adain

    names = [photo_entries()[0].name, photo_entries()[1].name]
    out = tmp_path / "decoder.pt"
    assert cli.main(["train", "--method", "adain", "--style", "style/sketch", "--style", "style/la_muse",
                     "--steps", "2", "--image-size", "16", "--batch-size", "2", "--max-side", "64",
                     "--encoder", "random", "--out", str(out), "--photos", *names]) == 0
    trained = adain.load_decoder(out)
    assert trained.config.styles == ("style/sketch", "style/la_muse") and trained.config.steps == 2
    assert trained.config.style_weight == adain.STYLE_WEIGHTS["random"] and trained.config.lr == 1e-4
    assert trained.recipe["data"]["styles"] == ["style/sketch", "style/la_muse"]
    assert "--method adain" in trained.recipe["command"]
    assert len(trained.recipe["history_every_10"]["content"]) == 1


@pytest.mark.skipif(not _photos_installed(), reason="training photos not installed (bash scripts/setup.sh)")
def test_train_adain_init_from_starts_at_the_parent_and_keeps_its_recipe(tmp_path, mirror, capsys, one_torch_thread):
    from stylelab.methods import adain
    from stylelab.weights import sha256_of

    names = [photo_entries()[0].name, photo_entries()[1].name]
    common = ["train", "--method", "adain", "--style", "style/sketch", "--image-size", "16", "--batch-size", "2",
              "--max-side", "64", "--encoder", "random", "--photos", *names]
    parent_path, child_path = tmp_path / "parent.pt", tmp_path / "child.pt"
    assert cli.main(common + ["--steps", "3", "--out", str(parent_path)]) == 0
    assert cli.main(common + ["--steps", "1", "--seed", "5", "--init-from", str(parent_path), "--out", str(child_path)]) == 0
    parent, child = adain.load_decoder(parent_path), adain.load_decoder(child_path)
    assert child.recipe["init_from"]["sha256"] == sha256_of(parent_path)
    assert (child.recipe["init_from"]["name"], child.recipe["init_from"]["file"]) == ("parent.pt", "parent.pt")
    assert child.recipe["init_from"]["recipe"]["command"] == parent.recipe["command"]
    assert child.recipe["init_from"]["config"]["steps"] == 3
    # The child's first loss is the parent decoder's loss on the child's first batch: it started from the parent.
    content, style = (d.batch(0, 2) for d in adain.training_data(child.config))
    expected = adain.losses(parent.model.encoder, parent.decoder.float(), content, style, child.config.style_weight)
    assert child.recipe["history_every_10"]["total"][0] == pytest.approx(expected["total"].item(), rel=1e-3)

    capsys.readouterr()
    assert cli.main(common + ["--steps", "1", "--init-from", str(child_path), "--out", str(child_path)]) == 2
    assert "are the same file" in capsys.readouterr().err
    assert cli.main(common + ["--steps", "1", "--init-from", str(tmp_path / "nope.pt"), "--out", str(tmp_path / "x.pt")]) == 2
    assert "is neither a registered model" in capsys.readouterr().err


def test_a_flag_that_does_not_apply_to_the_method_is_a_one_line_error(tmp_path, capsys):
    for method, flag in (("cin", ["--norm", "batch"]), ("adain", ["--tv-weight", "1"]), ("johnson", ["--lr-decay", "0.1"])):
        assert cli.main(["train", "--method", method, *flag, "--encoder", "random", "--out", str(tmp_path / "x.pt")]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: {flag[0]} does not apply to --method {method}") and err.count("\n") == 1
    assert not (tmp_path / "x.pt").exists()
    assert cli.main(["train", "--method", "dumoulin", "--norm", "batch", "--out", str(tmp_path / "x.pt")]) == 2
    assert "--norm does not apply to --method cin" in capsys.readouterr().err  # an alias is the same method
    assert cli.main(["train", "--method", "gatys", "--out", str(tmp_path / "x.pt")]) == 2
    assert "does not train" in capsys.readouterr().err


def test_train_defaults_and_help_come_from_the_configs(capsys):
    from stylelab.methods import base

    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for name in base.trainable():
        method = base.get(name)
        config = method.default_config()
        assert f"{config.steps} (" in text and f"{name}" in text
        for field in method.train_fixed:
            assert getattr(config, field) == method.train_fixed[field]
    feedforward_steps = base.get("johnson").default_config().steps
    adain_steps = base.get("adain").default_config().steps
    assert f"--steps STEPS (default {feedforward_steps} (johnson, ulyanov, cin); {adain_steps} (adain))" in text
    assert cli.main(["train", "--list"]) == 0
    assert [line.split(":")[0].split(" ")[0] for line in capsys.readouterr().out.splitlines()] == base.trainable()
