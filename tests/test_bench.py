"""The speed-table harness: what it measures and how it reports it (no timing assertions)."""

import ast
import json
import re
from pathlib import Path

import pytest
import torch
from torch import nn

from stylelab import bench, export, fastpath, provenance, timing
from stylelab.errors import StylelabError
from stylelab.methods import base

ROOT = Path(__file__).resolve().parents[1]
#: each timed method's row of the paper's table (None: not in it)
PAPER_ROWS = {"gatys": "gatys", "style_swap": "chen_schmidt", "johnson": None, "ulyanov": "ulyanov", "cin": "dumoulin",
              "adain": "adain"}


def tiny_settings(**kwargs):
    values = dict(sizes=(32,), repeats=1, warmup=0, gatys_iterations=1, inverse_iterations=1, more_threads=False,
                  images="noise")
    return bench.BenchSettings(**{**values, **kwargs})


# --- Gatys through the registry (notebooks 01 and 02 time it as notebook 06 does) --------------------

def test_gatys_row_reports_extrapolated_seconds_for_500_iterations_and_style_encoding_apart():
    report = bench.run_bench(["gatys"], tiny_settings(gatys_iterations=2, fast_paths=False), device="cpu",
                             encoder="random", progress=False)
    (row,) = report.rows
    assert (row.method, row.size, row.extrapolated) == ("gatys", 32, True)
    assert row.measured == "2 of 500 L-BFGS iterations timed, ×250"
    assert 0 < row.seconds < row.with_style_encoding and [p.path for p in row.paths] == [fastpath.EAGER.name]
    assert report.encoder.startswith("random") and report.device.startswith("cpu (")
    assert row.paper is bench.PAPER_SPEED["gatys"] and row.paper_seconds is None  # the paper has 256 and 512 px only



@pytest.mark.parametrize("slow_warmup", [0, 1])
def test_the_optimisation_rows_run_slow_warmup_untimed_swaps_first(monkeypatch, slow_warmup):
    """The style-swap row swaps once per timed run, plus ``slow_warmup`` untimed swaps first (the quick profile's
    0 saves a 512-px swap); a negative count is refused in one line."""
    from stylelab.methods import style_swap

    calls = []
    real = style_swap.style_swap
    monkeypatch.setattr(style_swap, "style_swap", lambda *a, **k: calls.append(1) or real(*a, **k))
    bench.run_bench(["style_swap"], tiny_settings(slow_warmup=slow_warmup, slow_repeats=2, fast_paths=False),
                    device="cpu", encoder="random", progress=False)
    assert len(calls) == 2 + slow_warmup
    with pytest.raises(StylelabError, match="slow_warmup must be 0 or more"):
        tiny_settings(slow_warmup=-1).validate()

def test_the_gatys_study_times_through_the_registry_with_a_given_encoder():
    from stylelab import encoders
    from stylelab.studies import gatys as study

    model = encoders.build_encoder("random", seed=3)
    report = study.speed_report(model, [32], 1, device="cpu")
    assert report.encoder == model.name and [r.method for r in report.rows] == ["gatys"]
    (row,) = study.speed_rows(report)
    assert row["method"] == "Gatys et al." and row["iterations run"] == 1 and row["extrapolated"]
    assert row["paper (Titan X)"] is None and row["seconds for 500 iterations"] >= 0
    assert not hasattr(bench, "time_gatys") and not hasattr(bench, "Timing")


def test_cli_prints_table_and_reports_bad_device_in_one_line(capsys):
    assert bench.main(["gatys", "--sizes", "32", "--iterations", "1", "--device", "cpu", "--encoder", "random",
                       "--images", "noise"]) == 0
    assert "Gatys et al." in capsys.readouterr().out
    assert bench.main(["gatys", "--sizes", "32", "--iterations", "1", "--device", "tpu9", "--encoder", "random"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: unknown device") and "\n" not in err


# --- the registry, the paper's table, the report (issues #11, #18) ---------------------------------

def test_every_timed_method_names_its_row_of_the_paper_and_the_numbers_have_one_home():
    assert base.timed() == list(PAPER_ROWS)
    assert {name: base.get(name).speed.paper_row for name in base.timed()} == PAPER_ROWS
    assert list(bench.PAPER_SPEED) == ["gatys", "chen_schmidt", "ulyanov", "dumoulin", "adain"]
    assert {base.get(name).speed.kind for name in base.timed()} == {"optimisation", "feed-forward"}
    assert bench.paper_seconds("adain", 512) == bench.paper_seconds("AdaIN (ours)", 512) == 0.065
    assert bench.paper_seconds("chen_schmidt", 256) == bench.paper_seconds("style_swap", 256) == 0.171  # row key, method
    assert bench.paper_seconds("cin", 512) == bench.paper_seconds("dumoulin", 512) == 0.038
    assert bench.paper_seconds("gatys", 256, with_style_encoding=True) == 14.19
    assert bench.paper_seconds("Ulyanov et al.", 256, with_style_encoding=True) is None
    assert [r.styles_label for r in bench.PAPER_SPEED.values()] == ["∞", "∞", "1", "32", "∞"]
    assert "| Dumoulin et al. | 0.011 (N/A) | 0.038 (N/A) | 32 |" in bench.paper_table_markdown().splitlines()
    for name in ("Johnson et al.", "johnson", "picasso"):
        with pytest.raises(StylelabError, match="no row"):
            bench.paper_seconds(name, 256)
    from stylelab.methods import cin

    assert str(cin.BENCH_STYLES) == base.get("cin").speed.styles == bench.PAPER_SPEED["dumoulin"].styles_label
    # the paper's seconds are written once: in bench/paper.py, not in another module or a notebook's code
    sources = {p: p.read_text(encoding="utf-8") for p in (ROOT / "stylelab").rglob("*.py")}
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        sources[notebook] = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    for number in ("14.17", "46.75", "3.214", "4.144", "0.065", "0.098"):
        assert [p.relative_to(ROOT).as_posix() for p, text in sources.items() if number in text] == \
            ["stylelab/bench/paper.py"], number


def _imports(path: Path) -> set[str]:
    """Every module a file imports (relative imports resolved against its package)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            stem = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package if node.level else ""
            module = ".".join(x for x in (stem, node.module) if x)
            out |= {module} | {f"{module}.{alias.name}" for alias in node.names}
    return out


def test_layering_methods_and_timing_do_not_import_bench_and_bench_does_not_branch_on_method_names():
    lower = [ROOT / "stylelab" / "timing.py", ROOT / "stylelab" / "fastpath.py",
             *(ROOT / "stylelab" / "methods").rglob("*.py")]
    for path in lower:
        assert not any(m == "stylelab.bench" or m.startswith("stylelab.bench.") for m in _imports(path)), path
    names = {*PAPER_ROWS, "chen_schmidt", "dumoulin"}
    for module in ("__init__.py", "report.py"):  # paper.py keys the paper's rows, by the paper's names
        tree = ast.parse((ROOT / "stylelab" / "bench" / module).read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body
                      and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
        strings = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
                   and isinstance(node.value, str) and id(node) not in docstrings}
        assert not strings & names, module
    assert bench.synchronize is timing.synchronize is fastpath.synchronize
    assert bench.BenchSettings is timing.BenchSettings and bench.feedforward_row is timing.feedforward_row


def _row(key, size, seconds, extrapolated=False, with_encoding=None):
    return bench.SpeedRow(key, size, seconds, with_encoding, fast_seconds=seconds, measured="test",
                          extrapolated=extrapolated)


def fabricated_report(device_type="cpu"):
    rows = []
    for name in base.timed():
        paper = bench.method_paper_row(name)
        for size in (256, 512):
            encoding = 2.0 if paper is None or paper.with_style_encoding else None
            rows.append(_row(name, size, 1.0, extrapolated=name == "gatys", with_encoding=encoding))
    return bench.BenchReport(rows, "cpu (test)", device_type, "random", "torch x", bench.BenchSettings())


def test_every_row_of_the_table_has_both_sizes_the_papers_seconds_and_the_ratio_or_na():
    table = {entry["method"]: entry for entry in fabricated_report().table()}
    labels = [r.method for r in bench.PAPER_SPEED.values()]
    assert list(table) == ["Gatys et al.", "Chen and Schmidt", "Johnson et al.", "Ulyanov et al.", "Dumoulin et al.",
                           "AdaIN (ours)"]
    for paper in bench.PAPER_SPEED.values():
        entry = table[paper.method]
        for size in (256, 512):
            assert entry[f"paper {size} (s)"] == paper.seconds[size]
            assert entry[f"ratio {size}"] == pytest.approx(1.0 / paper.seconds[size], rel=1e-3)
            assert entry[f"ours {size} (s)"] == 1.0
        assert entry["styles (paper)"] == paper.styles_label
    ulyanov = table["Ulyanov et al."]
    assert ulyanov["paper 256 with style encoding (s)"] == ulyanov["ours 256 with style encoding (s)"] == "N/A"
    assert table["AdaIN (ours)"]["ratio 512 with style encoding"] == pytest.approx(2.0 / 0.098, rel=1e-3)
    assert [table[label]["extrapolated"] for label in labels] == [True, False, False, False, False]
    johnson = table["Johnson et al."]  # not in the paper's table: N/A in every paper column, ours as measured
    assert johnson["styles (paper)"] == "N/A" and johnson["styles (ours)"] == "1"
    for size in (256, 512):
        assert johnson[f"paper {size} (s)"] == johnson[f"ratio {size}"] == "N/A"
        assert johnson[f"paper {size} with style encoding (s)"] == johnson[f"ratio {size} with style encoding"] == "N/A"
        assert johnson[f"ours {size} (s)"] == 1.0 and johnson[f"ours {size} with style encoding (s)"] == 2.0
    assert johnson["what we time"] == base.get("johnson").speed.what


def test_the_text_table_marks_extrapolated_rows_and_renders_rows_without_a_paper_row():
    lines = fabricated_report().format().splitlines()
    gatys = [line for line in lines if line.startswith("Gatys et al.")]
    assert len(gatys) == 2 and re.search(r"256 +1\* \(2\*\) +14\.17 \(14\.19\) +0\.07057× \(0\.1409×\)", gatys[0])
    johnson = [line for line in lines if line.startswith("Johnson et al.")]  # paper and ratio: N/A
    assert len(johnson) == 2 and all(re.search(r"1 \(2\) +N/A +N/A +1 \(N/A\) fp32 eager", line) for line in johnson)
    assert "* extrapolated" in lines[4]


def test_targets_on_a_cpu_compare_fast_paths_with_eager_and_on_a_gpu_the_issue_limits():
    feedforward = [name for name in base.timed() if base.get(name).speed.kind == "feed-forward"]
    assert feedforward == ["johnson", "ulyanov", "cin", "adain"]
    cpu = fabricated_report("cpu").targets()
    assert len(cpu) == 2 * len(feedforward) and all(passed for *_, passed in cpu)
    assert cpu[0][0] == "Johnson et al. at 256 px: fp32 eager vs fp32 eager"
    gpu = fabricated_report("cuda").targets()
    assert [(limit, passed) for _, _, limit, passed in gpu] == [(0.001, False), (3.0, True)]
    assert gpu[0][0] == "AdaIN (ours) at 512 px excluding style encoding (fp32 eager)"
    assert gpu[1][0] == "Gatys et al. at 512 px, 500 iterations (fp32 eager)"


def test_a_tiny_run_times_every_method_and_marks_what_it_extrapolated():
    report = bench.run_bench(None, tiny_settings(), device="cpu", encoder="random", progress=False)
    assert [r.method for r in report.rows] == base.timed()
    by_key = {r.method: r for r in report.rows}
    assert by_key["gatys"].extrapolated and "1 of 500" in by_key["gatys"].measured
    assert by_key["style_swap"].extrapolated and "1 of 30" in by_key["style_swap"].measured
    assert not any(by_key[k].extrapolated for k in ("johnson", "ulyanov", "cin", "adain"))
    assert by_key["adain"].with_style_encoding is not None and by_key["ulyanov"].with_style_encoding is None
    for key in ("johnson", "ulyanov", "cin", "adain"):  # the fast path is no slower than eager by construction
        row = by_key[key]
        assert row.paths[0].path == fastpath.EAGER.name and row.fast_seconds <= row.seconds
        assert {p.network for p in row.paths} == {key}
    assert by_key["johnson"].weights == "johnson-instance-la_muse" and by_key["johnson"].paper is None
    assert by_key["cin"].weights == "cin-instance-4styles grown to 32 styles, style 0"
    assert by_key["style_swap"].paper is bench.PAPER_SPEED["chen_schmidt"]
    text = report.format()
    assert "Gatys et al." in text and "Johnson et al." in text and "* extrapolated" in text and "targets:" in text
    from stylelab.studies import speed

    compact = {row["Method"]: row for row in speed.compact_rows(report)}
    assert compact["Gatys et al."]["ours 32px"].endswith("*)") and "*" not in compact["AdaIN (ours)"]["ours 32px"]
    assert compact["Johnson et al."]["paper 32px"] == "N/A (N/A)" and compact["Johnson et al."]["ours/paper 32px"] == "N/A"
    assert compact["Johnson et al."]["# Styles (ours / paper)"] == "1 / N/A"
    assert any(line.startswith("extrapolated: Gatys et al. 32 px") for line in speed.findings(report))
    assert len(speed.fast_path_findings(report)) == 4


def test_a_method_registered_with_a_speed_entry_is_listed_and_timed_with_no_other_file_changed(capsys):
    def time_row(size, ctx):
        network = fastpath.Network("identity", nn.Identity(), timing.content_input(ctx), lambda m, x: m(x),
                                   weights="no weights")
        return timing.feedforward_row(size, ctx, network)

    class Identity(base.Method):
        name = "identity_for_test"
        aliases = ("copycat",)
        summary = "the content, unchanged"
        paper = "Nobody et al., 2026"
        speed = base.Speed(None, "feed-forward", "0", "the content, unchanged: one forward pass", time_row)

        def stylize(self, content, styles, **controls):
            return content

    class Untimed(base.Method):
        name = "untimed_for_test"

    base.register(Identity)
    base.register(Untimed)
    try:
        assert bench.main(["--list"]) == 0
        listed = capsys.readouterr().out.splitlines()
        assert listed[-1] == ("identity_for_test (= copycat): feed-forward, 0 styles, not in the paper's table: "
                              "the content, unchanged: one forward pass")
        assert not any(line.startswith("untimed_for_test") for line in listed)
        report = bench.run_bench(["copycat"], tiny_settings(), device="cpu", encoder="random", progress=False)
        assert bench.main(["untimed_for_test"]) == 2
        assert "untimed_for_test is not timed" in capsys.readouterr().err
    finally:
        base.unregister("identity_for_test")
        base.unregister("untimed_for_test")
    assert "identity_for_test" not in base.timed()
    (row,) = report.rows  # the report stands on its own after the method is gone
    assert (row.method, row.size, row.paper, row.weights) == ("identity_for_test", 32, None, "no weights")
    assert row.paths[0].path == fastpath.EAGER.name and row.paths[0].max_error == 0.0
    (entry,) = report.table()
    assert entry["method"] == "Nobody et al." and entry["paper 32 (s)"] == "N/A" and entry["styles (ours)"] == "0"
    assert "Nobody et al." in report.format() and len(report.targets()) == 1


def test_fast_paths_keep_the_output_of_fp32_eager():
    from stylelab.nets import TextureNet, TransformNet

    torch.manual_seed(0)
    nets = [fastpath.Network("cin", TransformNet(norm="conditional_instance", num_styles=3).eval(),
                             lambda s, d: (torch.rand(1, 3, s, s),), lambda m, x: m(x, 1)),
            fastpath.Network("texture", TextureNet().eval(), lambda s, d: (torch.rand(1, 3, s, s),),
                             lambda m, x: m(x), random=True)]
    for network in nets:  # onnxruntime (where installed) on the CIN net; a net that draws noise stays in torch
        paths = [p for p in fastpath.candidates(torch.device("cpu")) if p.autocast is None and p.threads is None
                 and (p.runtime == "torch" or (not network.random and export.available()))]
        results = fastpath.compare(network, 32, torch.device("cpu"), paths, repeats=1, warmup=0)
        assert [r.path for r in results] == [p.name for p in paths]
        assert all(r.keeps_output and r.max_error < 1e-4 for r in results), results


@pytest.mark.parametrize("leak, clip", [(False, 0.0), (True, 0.0), (False, 1.5)])
def test_native_norms_match_the_slide_layers_including_style_mixtures_and_folded_batch_norm(leak, clip):
    from stylelab import encoders
    from stylelab.nets import TransformNet
    from stylelab.norms import ConditionalInstanceNorm

    torch.manual_seed(0)
    # clip = 1.5 clips many values of a random net, so that a native path ignoring it would differ
    net = TransformNet(norm="conditional_instance", num_styles=3, leak=leak, clip=clip).eval()
    for layer in net.modules():
        if isinstance(layer, ConditionalInstanceNorm):  # distinct γˢ per style, so that mixing matters
            nn.init.normal_(layer.weight, 1.0, 0.3)
            if leak:  # the leaky form's ℓ, non-zero so that the native path must add it
                nn.init.uniform_(layer.leak, 0.05, 0.3)
    native = fastpath.with_native_norms(net)
    x = torch.rand(2, 3, 32, 32)
    mix = torch.tensor([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])
    with torch.no_grad():
        for style in (2, torch.tensor([0, 2]), mix):
            assert torch.allclose(native(x, style), net(x, style), atol=1e-5)
        with pytest.raises(StylelabError, match="out of range"):
            native(x, 7)
    encoder = encoders.build_encoder("random", seed=1)
    bn = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)).eval()
    nn.init.normal_(bn[1].running_mean), nn.init.uniform_(bn[1].running_var, 0.5, 2)
    folded = fastpath.with_native_norms(bn)
    assert isinstance(folded[1], nn.Identity) and isinstance(bn[1], nn.BatchNorm2d)  # the original is untouched
    with torch.no_grad():
        assert torch.allclose(folded(x), bn(x), atol=1e-5)
        assert fastpath.with_native_norms(encoder)(x, ["relu2_1"])["relu2_1"].shape == (2, 128, 16, 16)


def test_fastest_picks_eager_when_no_path_that_keeps_the_output_beats_it():
    def result(path, seconds, keeps=True):
        return fastpath.PathResult("net", 64, path, seconds, 0.0, keeps, 1.0)

    assert fastpath.fastest([result("fp32 eager", 1.0), result("channels_last", 1.2)]).path == "fp32 eager"
    assert fastpath.fastest([result("fp32 eager", 1.0), result("bf16", 0.5, keeps=False)]).path == "fp32 eager"
    assert fastpath.fastest([result("fp32 eager", 1.0), result("native norms", 0.7)]).path == "native norms"


def test_median_seconds_is_the_middle_of_the_timed_calls_after_the_warmup():
    calls = []
    seconds, out = timing.median_seconds(lambda: calls.append(1) or len(calls), torch.device("cpu"), repeats=3, warmup=2)
    assert len(calls) == 5 and out == 5 and seconds >= 0
    assert timing.time_forward(nn.Identity(), 32, device="cpu", repeats=1, warmup=0) >= 0


def test_fast_paths_function_for_a_notebook_and_its_errors():
    results = bench.fast_paths("adain", size=32, device="cpu", encoder="random", repeats=1, warmup=0, more_threads=False,
                               images="noise")
    assert results[0].path == "fp32 eager" and all(r.network == "adain" and r.size == 32 for r in results)
    with pytest.raises(StylelabError, match="optimisation method; .* feed-forward ones: johnson, ulyanov, cin, adain"):
        bench.fast_paths("chen_schmidt", size=32, device="cpu", encoder="random")
    with pytest.raises(StylelabError, match="CUDA"):
        fastpath.prepare(fastpath.FastPath("graph", cuda_graph=True), fastpath.Network(
            "n", nn.Identity(), lambda s, d: (torch.rand(1, 3, s, s),), lambda m, x: m(x)), (), torch.device("cpu"))


def test_settings_are_checked_in_one_line():
    with pytest.raises(StylelabError, match="multiples of 16"):
        bench.run_bench(["adain"], bench.BenchSettings(sizes=(40,)), device="cpu", encoder="random")
    with pytest.raises(StylelabError, match="repeats must be at least 1"):
        bench.BenchSettings(repeats=0).validate()
    with pytest.raises(StylelabError, match="images must be"):
        bench.BenchSettings(images="cats").validate()
    with pytest.raises(StylelabError, match=r"fast_path_sizes \[64\] must be among the sizes \[32\]"):
        bench.BenchSettings(sizes=(32,), fast_path_sizes=(64,)).validate()


def test_fast_path_sizes_time_the_fast_paths_at_those_sizes_only():
    settings = tiny_settings(sizes=(32, 48), fast_path_sizes=(32,))
    report = bench.run_bench(["johnson"], settings, device="cpu", encoder="random", progress=False)
    rows = {(r.method, r.size): r for r in report.rows}
    assert len(rows["johnson", 32].paths) > 1 and rows["johnson", 32].fast_seconds is not None
    assert [p.path for p in rows["johnson", 48].paths] == ["fp32 eager"] and rows["johnson", 48].fast_seconds is None
    assert [what for what, *_ in report.targets()] == ["Johnson et al. at 32 px: " + rows["johnson", 32].fast_path
                                                       + " vs fp32 eager"]
    from stylelab.studies import speed   # notebook 06's tables of the same report
    assert [(r["size"], r["chosen path"]) for r in speed.fast_path_choices(report)] == [(32, rows["johnson", 32].fast_path)]
    assert "fast path 48px" not in speed.compact_rows(report)[0] and "fast path 32px" in speed.compact_rows(report)[0]
    assert [line.split(":")[0] for line in speed.fast_path_findings(report)] == ["Johnson et al. 32 px"]


def test_the_photo_pair_is_square_at_the_asked_size(mirror):
    content, style = bench.bench_pair(48, torch.device("cpu"), bench.BenchSettings())
    assert content.shape == style.shape == (1, 3, 48, 48) and 0 <= float(content.min()) <= float(content.max()) <= 1


def test_cli_lists_the_methods_and_rejects_an_unknown_one_in_one_line(capsys):
    from stylelab import cli

    assert cli.main(["bench", "--list"]) == 0
    out = capsys.readouterr().out
    assert out.strip() == base.listing("bench")
    assert [line.split()[0].rstrip(":") for line in out.splitlines()] == base.timed()
    assert cli.main(["bench", "adain", "picasso"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: unknown method 'picasso'") and "\n" not in err
    assert bench.main(["chen-schmidt", "--list"]) == 0  # '-' for '_', and the paper's name for style_swap
    assert bench.resolve_methods(["dumoulin", "cin", "Chen-Schmidt"]) == ["cin", "style_swap"]


def test_timing_stamp_names_hardware_and_versions_and_old_stamps_are_unchanged():
    stamp = bench.timing_stamp(provenance.Stamp("random", "cpu", "quick", "r1"), torch.device("cpu"))
    assert stamp.device.startswith("cpu (") and "threads" in stamp.device
    assert f"torch {torch.__version__}" in stamp.line() and stamp.as_dict()["versions"] == stamp.versions
    plain = provenance.Stamp("random", "cpu", "quick", "r1")
    assert "versions" not in plain.as_dict() and plain.line().endswith("rev=r1")


def test_profiles_speed_sections_make_benchmark_settings():
    from stylelab import profiles
    from stylelab.studies import speed

    for profile in ("quick", "full"):
        settings = speed.bench_settings(profiles.settings("speed", profile))
        settings.validate()
        assert settings.sizes == (256, 512)
    assert profiles.settings("speed", "full").gatys_iterations == bench.PAPER_ITERATIONS


def test_speed_figure_and_compact_table_from_a_report():
    import matplotlib

    matplotlib.use("Agg")
    from stylelab.studies import speed

    report = fabricated_report()
    fig = speed.speed_figure(report)
    assert len(fig.axes) == 2 and all(ax.get_yscale() == "log" for ax in fig.axes)
    rows = {row["Method"]: row for row in speed.compact_rows(report)}
    assert rows["Gatys et al."]["paper 512px"] == "46.75 (46.79)" and rows["Ulyanov et al."]["paper 256px"] == "0.011 (N/A)"
    assert rows["Dumoulin et al."]["# Styles (ours / paper)"] == "32 / 32"
    assert speed.markdown(list(rows.values())).count("\n") == 1 + len(base.timed())


def test_the_adain_row_uses_the_registered_decoder_for_its_encoder_or_says_random_weights():
    from stylelab.methods.adain import speed as adain_speed

    assert base.get("adain").speed is adain_speed.SPEED
    assert adain_speed.registered_decoder("random") is None
    assert adain_speed.registered_decoder("vgg16_bn_craft") == "adain-decoder-craft"
    report = bench.run_bench(["adain"], tiny_settings(), device="cpu", encoder="random", progress=False)
    assert report.rows[0].weights == "random decoder weights" and "random decoder weights" in report.rows[0].measured


def test_a_missing_adain_decoder_file_is_a_one_line_error(tmp_path, capsys):
    missing = str(tmp_path / "no_decoder.pt")
    with pytest.raises(StylelabError, match="neither a registered model"):
        bench.run_bench(["adain"], tiny_settings(adain_decoder=missing), device="cpu", encoder="random", progress=False)
    assert bench.main(["adain", "--sizes", "32", "--device", "cpu", "--encoder", "random", "--images", "noise",
                       "--adain-decoder", missing]) == 2
    err = capsys.readouterr().err.strip()
    assert "no_decoder.pt" in err and "\n" not in err
