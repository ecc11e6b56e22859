"""Stamps, profiles, the notebook entry point and the papermill driver."""

import importlib
import os
import pkgutil

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pytest  # noqa: E402
from nbformat.v4 import new_code_cell, new_notebook  # noqa: E402
from PIL import Image  # noqa: E402

import stylelab  # noqa: E402
from stylelab import experiment, profiles, provenance, reproduce  # noqa: E402
from stylelab.errors import StylelabError  # noqa: E402


def test_every_module_imports():
    names = [m.name for m in pkgutil.walk_packages(stylelab.__path__, "stylelab.")]
    assert {"stylelab.methods.gatys", "stylelab.fonts.emd", "stylelab.reproduce", "stylelab.bench"} <= set(names)
    for name in names:
        if name.endswith(".__main__"):  # runs the command line on import, by design
            continue
        importlib.import_module(name)


def test_stamp_names_encoder_device_profile_and_revision():
    stamp = provenance.Stamp("vgg16_bn_craft", "cpu", "quick", "abc123")
    assert stamp.line() == "stylelab · encoder=vgg16_bn_craft · device=cpu · profile=quick · rev=abc123"
    assert provenance.Stamp("vgg19", "cpu", "full").revision == provenance.git_revision() != ""


def test_figures_dir_prefers_explicit_then_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(provenance.FIGURES_ENV, str(tmp_path / "env"))
    assert provenance.figures_dir(tmp_path / "explicit", "quick") == tmp_path / "explicit"
    assert provenance.figures_dir(None, "full") == tmp_path / "env" / "full"
    assert (tmp_path / "env" / "full").is_dir()
    monkeypatch.delenv(provenance.FIGURES_ENV)
    assert provenance.figures_dir(None, "quick") == provenance.REPO_ROOT / "figures" / "quick"


def test_saved_figure_carries_the_stamp_as_footer_and_metadata(tmp_path):
    stamp = provenance.Stamp("random(seed=0)", "cpu", "quick", "r1")
    fig = plt.figure()
    path = provenance.save_figure(fig, "probe", stamp, tmp_path)
    assert any(t.get_text() == stamp.line() for t in fig.texts)
    info = Image.open(path).info
    assert (info["Encoder"], info["Device"], info["Profile"], info["Revision"]) == ("random(seed=0)", "cpu", "quick", "r1")
    plt.close(fig)


def test_saved_table_is_stamped_markdown_and_csv(tmp_path):
    stamp = provenance.Stamp("vgg19", "cpu", "quick", "r2")
    rows = [{"method": "Gatys", "seconds": 14.1734}, {"method": "AdaIN", "seconds": 0.018}]
    md = provenance.save_table(rows, "speed", stamp, tmp_path, title="Speed").read_text().splitlines()
    assert md[0] == "# Speed" and md[2] == f"_{stamp.line()}_"
    assert md[4:] == ["| method | seconds |", "|---|---|", "| Gatys | 14.17 |", "| AdaIN | 0.018 |"]
    csv_lines = (tmp_path / "speed.csv").read_text().splitlines()
    assert csv_lines == [f"# {stamp.line()}", "method,seconds", "Gatys,14.1734", "AdaIN,0.018"]
    with pytest.raises(ValueError):
        provenance.save_table([], "empty", stamp, tmp_path)


def test_profile_settings_and_overrides():
    quick = profiles.settings("gatys", "quick")
    assert profiles.settings("gatys", "quick", image_size=None).image_size == quick.image_size
    assert profiles.settings("gatys", "quick", image_size=64).image_size == 64
    assert profiles.settings("gatys", "full").image_size == 512
    with pytest.raises(StylelabError, match="unknown profile 'medium'; choose one of quick, full"):
        profiles.settings("gatys", "medium")
    with pytest.raises(StylelabError, match="no settings for 'nope'"):
        profiles.settings("nope", "quick")


def test_a_misspelled_profile_key_is_a_one_line_error():
    with pytest.raises(StylelabError) as info:
        profiles.settings("gatys", "quick", final_iteratons=10)
    message = str(info.value)
    assert message.startswith("unknown gatys setting 'final_iteratons'; did you mean 'final_iterations'?")
    assert "\n" not in message
    with pytest.raises(StylelabError, match="unknown emd setting 'iteratons'"):
        experiment.start("emd", encoder=None, iteratons=None)  # a misspelling is caught even when None
    with pytest.raises(StylelabError, match="did you mean 'train_steps'"):  # the name before the profiles were typed
        experiment.start("emd", encoder=None, iterations=None)


def test_reproduce_without_a_checkout_says_what_to_do(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(provenance, "REPO_ROOT", tmp_path / "site-packages")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(provenance.PROJECT_ENV, raising=False)
    assert reproduce.main(["--only", "05"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: no notebooks/ folder found") and "STYLELAB_PROJECT_DIR" in err
    (tmp_path / "elsewhere" / "notebooks").mkdir(parents=True)
    monkeypatch.setenv(provenance.PROJECT_ENV, str(tmp_path / "elsewhere"))
    assert reproduce.notebooks_dir() == (tmp_path / "elsewhere" / "notebooks").resolve()


def test_run_is_quiet_under_the_driver(monkeypatch, tmp_path):
    run = experiment.start("gatys", encoder="random", device="cpu", figures_dir=tmp_path)
    monkeypatch.delenv(reproduce.QUIET_ENV, raising=False)
    assert run.progress
    monkeypatch.setenv(reproduce.QUIET_ENV, "1")
    assert not run.progress


def test_experiment_start_resolves_everything_and_seeds(tmp_path):
    run = experiment.start("gatys", encoder="random", device="cpu", image_size=48, seed=3, figures_dir=tmp_path)
    assert run.cfg.image_size == 48 and run.figures == tmp_path and run.device.type == "cpu"
    assert run.summary() == "encoder: random · device: cpu · profile: quick · seed: 3"
    assert run.encoder() is run.encoder() and run.encoder(last_layer="relu1_1") is not run.encoder()
    first = __import__("torch").rand(2)
    experiment.start("gatys", encoder="random", device="cpu", seed=3, figures_dir=tmp_path)
    assert __import__("torch").equal(first, __import__("torch").rand(2))


PROBE = '''from stylelab import experiment
import matplotlib.pyplot as plt
run = experiment.start("normalization", profile=profile, encoder=None, encoder_label="probe", figures_dir=figures_dir)
run.save_figure(plt.figure(), "99_probe")
if fail:
    raise ValueError("probe failure")'''


def _probe_notebook(folder, fail=False):
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = new_code_cell(f'profile = "quick"\ndevice = "auto"\nencoder = "auto"\nfigures_dir = None\nfail = {fail}')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, new_code_cell(PROBE)]
    nbformat.write(nb, folder / "99_probe.ipynb")


@pytest.mark.slow
def test_reproduce_runs_notebooks_into_figures_and_index(tmp_path, monkeypatch):
    monkeypatch.setattr(reproduce, "NOTEBOOKS", tmp_path / "nb")
    (tmp_path / "nb").mkdir()
    _probe_notebook(tmp_path / "nb")
    timings = reproduce.run_notebooks(only=["99"], figures=tmp_path / "figs", output=tmp_path / "out", progress=False)
    assert [p.name for p, _ in timings] == ["99_probe.ipynb"]
    assert (tmp_path / "figs" / "quick" / "99_probe.png").is_file()
    index = tmp_path / "figs" / "quick" / "INDEX.md"
    assert "| 99_probe | [99_probe.png](99_probe.png) |" in index.read_text()
    _, times = reproduce.read_index(index)
    assert list(times) == ["99_probe"] and float(times["99_probe"]["seconds"]) == pytest.approx(timings[0][1], abs=0.06)
    assert times["99_probe"]["revision"] == provenance.git_revision()
    assert f"{os.cpu_count()} cores" in times["99_probe"]["machine"] and "device cpu" in times["99_probe"]["machine"]
    executed = nbformat.read(tmp_path / "out" / "99_probe.ipynb", 4)
    assert executed.metadata["papermill"]["parameters"]["figures_dir"] == str((tmp_path / "figs" / "quick").resolve())


def test_index_records_each_notebooks_time_and_a_rerun_replaces_only_its_row(tmp_path, monkeypatch):
    for name in ("98_a.png", "99_b.png", "99_c.csv"):
        (tmp_path / name).write_text("x")
    where = reproduce.machine("cpu")
    assert f"{os.cpu_count()} cores" in where and "torch threads" in where and where.endswith("device cpu")
    monkeypatch.setattr(reproduce, "_now", lambda: "1970-01-01 00:00")
    reproduce._index(tmp_path, "98_a", ["98_a.png"], 12.34, where)
    reproduce._index(tmp_path, "99_b", ["99_b.png", "99_c.csv"], 100.0, where)
    first = (tmp_path / "INDEX.md").read_text()
    row_98 = next(line for line in first.splitlines() if line.startswith("| 98_a | 12.3 |"))
    assert row_98 == f"| 98_a | 12.3 | 1970-01-01 00:00 | {provenance.git_revision()} | {where} |"
    assert f"**Total: 112.3 s (1.9 min) for 2 notebooks · revision: {provenance.git_revision()}**" in first
    monkeypatch.setattr(reproduce, "_now", lambda: "1970-01-02 00:00")
    reproduce._index(tmp_path, "99_b", ["99_b.png"], 50.0, where)  # a rerun of 99 alone
    files, times = reproduce.read_index(tmp_path / "INDEX.md")
    assert row_98 in (tmp_path / "INDEX.md").read_text()  # untouched
    assert times["99_b"]["seconds"] == "50.0" and times["99_b"]["date"] == "1970-01-02 00:00"
    assert files == {"98_a": {"98_a.png"}, "99_b": {"99_b.png"}}
    assert reproduce.index_total(tmp_path / "INDEX.md") == pytest.approx(62.3)
    assert reproduce.index_total(tmp_path / "nothing.md") is None


@pytest.mark.slow
def test_reproduce_reports_a_failing_notebook_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(reproduce, "NOTEBOOKS", tmp_path / "nb")
    (tmp_path / "nb").mkdir()
    _probe_notebook(tmp_path / "nb", fail=True)
    assert reproduce.main(["--only", "99", "--figures", str(tmp_path / "figs"), "--output", str(tmp_path / "out")]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]  # above it: papermill's progress bar
    assert last.startswith("error: 99_probe.ipynb failed in cell ") and "ValueError: probe failure" in last
    assert last.endswith("99_probe.ipynb)")


def test_smoke_is_labelled_and_never_writes_the_full_figures(tmp_path, monkeypatch):
    monkeypatch.setenv(provenance.FIGURES_ENV, str(tmp_path))
    run = experiment.start("gatys", profile="full", smoke=True, encoder="random", device="cpu")
    assert run.profile == "full-smoke" and run.stamp.profile == "full-smoke"
    assert run.figures == tmp_path / "full-smoke" and run.cfg.final_scales == (32, 64)
    assert reproduce.main(["--profile", "quick", "--smoke"]) == 2
    assert reproduce.main(["--profile", "full", "--smoke", "--inplace"]) == 2


@pytest.mark.slow
def test_reproduce_full_smoke_runs_every_notebook(tmp_path, mirror):
    """Every notebook along the full profile's code paths (coarse-to-fine Gatys, EMD checkpoints,
    torch.compile, ...) at toy sizes on the CPU: a GPU run is never the first time a full path runs."""
    figures, output = tmp_path / "figs", tmp_path / "out"
    assert reproduce.main(["--profile", "full", "--smoke", "--device", "cpu", "--figures", str(figures),
                           "--output", str(output)]) == 0
    assert sorted(p.name for p in output.glob("*.ipynb")) == [p.name for p in reproduce.notebook_paths()]
    assert not (figures / "full").exists()
    index = (figures / "full-smoke" / "INDEX.md").read_text()
    for path in reproduce.notebook_paths():
        assert f"| {path.stem} | [" in index, path.stem
    stamp = Image.open(figures / "full-smoke" / "01_gatys_result.png").info
    assert stamp["Profile"] == "full-smoke"


def test_reproduce_unknown_notebook_is_a_one_line_error(capsys):
    assert reproduce.main(["--only", "zz_nothing"]) == 2
    assert capsys.readouterr().err.startswith("error: no notebook matches zz_nothing")
