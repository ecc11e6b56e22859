"""The method registry: every front end loops over it, so adding a method is one module under
``stylelab/methods/`` (here ``tests/example_method/colour_map.py``, dropped into the package for the test)."""

import shutil
import sys
from pathlib import Path

import pytest
import torch
from PIL import Image

import stylelab.methods as methods_package
from stylelab import cli
from stylelab.datasets import photo_entries
from stylelab.methods import base

EXAMPLE = Path(__file__).parent / "example_method" / "colour_map.py"


@pytest.fixture
def colour_map_module(tmp_path, monkeypatch, one_torch_thread):
    """``colour_map.py`` as a module of stylelab.methods (an extra folder on the package's path), found by
    the registry's discovery as a file under stylelab/methods/ would be; removed afterwards."""
    base.methods()  # the package's own methods first, so that teardown leaves the registry as it found it
    folder = tmp_path / "more_methods"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "colour_map.py")
    monkeypatch.setattr(methods_package, "__path__", [*methods_package.__path__, str(folder)])
    monkeypatch.setattr(base, "_DISCOVERED", False)
    yield
    base.unregister("colour_map")
    sys.modules.pop("stylelab.methods.colour_map", None)


def _listed(capsys, *argv) -> list[str]:
    assert cli.main(list(argv)) == 0
    return [line.split(" ")[0].rstrip(":") for line in capsys.readouterr().out.splitlines()]


def test_a_new_module_is_listed_by_stylize_train_and_bench(colour_map_module, capsys):
    before = set(base.methods())  # discovery runs here, with the extra module on the path
    assert "colour_map" in before
    assert "colour_map" in _listed(capsys, "stylize", "--list")
    assert "colour_map" in _listed(capsys, "train", "--list")
    assert "colour_map" in _listed(capsys, "bench", "--list")


def _photos_installed() -> bool:
    try:
        from stylelab.datasets import training_photos

        training_photos([photo_entries()[0].name])
        return True
    except Exception:
        return False


@pytest.mark.skipif(not _photos_installed(), reason="training photos not installed (bash scripts/setup.sh)")
def test_the_new_method_trains_stylizes_and_is_timed_through_the_same_commands(colour_map_module, tmp_path, mirror):
    out = tmp_path / "palette.pt"
    assert cli.main(["train", "--method", "colour_map", "--style", "style/sketch", "--steps", "30", "--image-size", "32",
                     "--photos", photo_entries()[0].name, "--encoder", "random", "--out", str(out)]) == 0
    assert cli.main(["train", "--method", "colour_map", "--norm", "batch", "--out", str(tmp_path / "x.pt")]) == 2
    photo = tmp_path / "photo.png"
    Image.fromarray((torch.rand(40, 48, 3) * 255).to(torch.uint8).numpy()).save(photo)
    assert cli.main(["stylize", "--method", "colour_map", "--weights", str(out), "--content", str(photo),
                     "--out", str(tmp_path / "o"), "--quiet"]) == 0
    assert [p.name for p in (tmp_path / "o").iterdir()] == ["photo_stylized_sketch.png"]
    from stylelab import bench

    report = bench.run_bench(["colour_map"], bench.BenchSettings(sizes=(32,), repeats=1, warmup=0, fast_paths=False,
                                                                 images="noise"), device="cpu")
    assert [(row.method, row.size) for row in report.rows] == [("colour_map", 32)] and report.rows[0].seconds > 0
    assert "colour_map" in report.format()


def test_no_front_end_branches_on_a_method_name():
    """The CLI, stylize and bench name no method: a method's name appears only in its own module (and the
    registry's display order); the paper's table (bench/paper.py) is data keyed by the paper's row names."""
    root = Path(base.__file__).parents[1]
    fronts = [root / "cli.py", root / "stylize.py",
              *sorted(p for p in (root / "bench").glob("*.py") if p.name != "paper.py")]
    names = [name for name in base.methods()]
    for path in fronts:
        text = path.read_text(encoding="utf-8")
        for name in names:
            for pattern in (f'== "{name}"', f"== '{name}'", f'"{name}":', f'in ("{name}"'):
                assert pattern not in text, f"{path.name} branches on {name!r} ({pattern})"


def test_register_rejects_a_taken_name_and_an_unknown_style_source():
    class Twin(base.Method):
        name = "adain_twin"
        aliases = ("adain",)

    base.methods()
    with pytest.raises(Exception, match="method name 'adain' is taken"):
        base.register(Twin)

    class Odd(base.Method):
        name = "odd"
        style_source = "telepathy"

    with pytest.raises(Exception, match="style_source"):
        base.register(Odd)
