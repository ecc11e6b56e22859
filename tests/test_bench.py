"""The speed-table harness: what it measures and how it reports it (no timing assertions)."""

import pytest

from stylelab import bench


def test_time_gatys_reports_measured_and_extrapolated_seconds():
    timing = bench.time_gatys(32, iterations=2, device="cpu", encoder="random", warmup=0)
    assert (timing.size, timing.iterations, timing.method) == (32, 2, "Gatys et al.")
    assert timing.seconds > 0
    assert timing.seconds_per_iteration == pytest.approx(timing.seconds / 2)
    assert timing.seconds_at_500 == pytest.approx(timing.seconds_per_iteration * 500)
    assert timing.extrapolated and timing.encoder.startswith("random") and timing.device == "cpu"


def test_time_gatys_uses_a_given_encoder():
    from stylelab import encoders

    model = encoders.build_encoder("random", seed=3)
    timing = bench.time_gatys(32, iterations=1, device="cpu", encoder=model, warmup=0)
    assert timing.encoder == model.name


def test_format_table_marks_extrapolated_rows():
    rows = [bench.Timing("Gatys et al.", 256, 500, 14.0, 0.028, 14.0, False, "cuda (X)", "vgg19"),
            bench.Timing("Gatys et al.", 512, 5, 1.0, 0.2, 100.0, True, "cpu", "vgg16_bn_craft")]
    lines = bench.format_table(rows).splitlines()
    assert "14.0 " in lines[1] and "*" not in lines[1]
    assert "100.0*" in lines[2]
    assert lines[-1].startswith("* extrapolated")


def test_cli_prints_table_and_reports_bad_device_in_one_line(capsys):
    assert bench.main(["gatys", "--sizes", "32", "--iterations", "1", "--device", "cpu", "--encoder", "random",
                       "--images", "noise"]) == 0
    assert "Gatys et al." in capsys.readouterr().out
    assert bench.main(["gatys", "--sizes", "32", "--iterations", "1", "--device", "tpu9", "--encoder", "random"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: unknown device") and "\n" not in err


# --- the registry, the table, the fast paths (issue #11) -----------------------------------------

import torch  # noqa: E402
from torch import nn  # noqa: E402

from stylelab import fastpath, provenance  # noqa: E402
from stylelab.errors import StylelabError  # noqa: E402


def tiny_settings(**kwargs):
    values = dict(sizes=(32,), repeats=1, warmup=0, gatys_iterations=1, inverse_iterations=1, more_threads=False,
                  images="noise")
    return bench.BenchSettings(**{**values, **kwargs})


def test_registry_has_the_papers_five_rows_in_its_order_and_one_home_for_their_numbers():
    assert list(bench.METHODS) == ["gatys", "chen_schmidt", "ulyanov", "dumoulin", "adain"] == list(bench.PAPER_SPEED)
    assert {m.kind for m in bench.METHODS.values()} == {"optimisation", "feed-forward"}
    assert bench.paper_seconds("adain", 512) == bench.paper_seconds("AdaIN (ours)", 512) == 0.065
    assert bench.paper_seconds("gatys", 256, with_style_encoding=True) == 14.19
    assert bench.paper_seconds("Ulyanov et al.", 256, with_style_encoding=True) is None
    assert [r.styles_label for r in bench.PAPER_SPEED.values()] == ["∞", "∞", "1", "32", "∞"]
    assert "| Dumoulin et al. | 0.011 (N/A) | 0.038 (N/A) | 32 |" in bench.paper_table_markdown().splitlines()
    with pytest.raises(StylelabError, match="no row"):
        bench.paper_seconds("Johnson et al.", 256)


def _row(key, size, seconds, extrapolated=False, with_encoding=None):
    return bench.SpeedRow(key, size, seconds, with_encoding, fast_seconds=seconds, measured="test",
                          extrapolated=extrapolated)


def fabricated_report(device_type="cpu"):
    rows = []
    for key in bench.METHODS:
        for size in (256, 512):
            encoding = 2.0 if bench.PAPER_SPEED[key].with_style_encoding else None
            rows.append(_row(key, size, 1.0, extrapolated=key == "gatys", with_encoding=encoding))
    return bench.BenchReport(rows, "cpu (test)", device_type, "random", "torch x", bench.BenchSettings())


def test_every_row_of_the_table_has_both_sizes_the_papers_seconds_and_the_ratio():
    table = fabricated_report().table()
    assert [r["method"] for r in table] == [r.method for r in bench.PAPER_SPEED.values()]
    for entry, paper in zip(table, bench.PAPER_SPEED.values()):
        for size in (256, 512):
            assert entry[f"paper {size} (s)"] == paper.seconds[size]
            assert entry[f"ratio {size}"] == pytest.approx(1.0 / paper.seconds[size], rel=1e-3)
            assert entry[f"ours {size} (s)"] == 1.0
        assert entry["styles (paper)"] == paper.styles_label
    ulyanov = table[2]
    assert ulyanov["paper 256 with style encoding (s)"] == ulyanov["ours 256 with style encoding (s)"] == "N/A"
    assert table[4]["ratio 512 with style encoding"] == pytest.approx(2.0 / 0.098, rel=1e-3)
    assert [r["extrapolated"] for r in table] == [True, False, False, False, False]


def test_targets_on_a_cpu_compare_fast_paths_with_eager_and_on_a_gpu_the_issue_limits():
    cpu = fabricated_report("cpu").targets()
    assert len(cpu) == 6 and all(passed for *_, passed in cpu)  # 3 feed-forward methods × 2 sizes
    gpu = fabricated_report("cuda").targets()
    assert [(limit, passed) for _, _, limit, passed in gpu] == [(0.001, False), (3.0, True)]
    assert "AdaIN (ours) at 512 px excluding style encoding" in gpu[0][0]


def test_a_tiny_run_times_every_method_and_marks_what_it_extrapolated():
    report = bench.run_bench(None, tiny_settings(), device="cpu", encoder="random", progress=False)
    assert [r.method for r in report.rows] == list(bench.METHODS)
    by_key = {r.method: r for r in report.rows}
    assert by_key["gatys"].extrapolated and "1 of 500" in by_key["gatys"].measured
    assert by_key["chen_schmidt"].extrapolated and "1 of 30" in by_key["chen_schmidt"].measured
    assert not any(by_key[k].extrapolated for k in ("ulyanov", "dumoulin", "adain"))
    assert by_key["adain"].with_style_encoding is not None and by_key["ulyanov"].with_style_encoding is None
    for key in ("ulyanov", "dumoulin", "adain"):  # the fast path is no slower than eager by construction
        row = by_key[key]
        assert row.paths[0].path == fastpath.EAGER.name and row.fast_seconds <= row.seconds
    text = report.format()
    assert "Gatys et al." in text and "* extrapolated" in text and "targets:" in text
    from stylelab.studies import speed

    compact = speed.compact_rows(report)
    assert compact[0]["ours 32px"].endswith("*)") and "*" not in compact[4]["ours 32px"]
    assert any(line.startswith("extrapolated: Gatys et al. 32 px") for line in speed.findings(report))


def test_fast_paths_keep_the_output_of_fp32_eager():
    from stylelab.nets import TextureNet, TransformNet

    torch.manual_seed(0)
    nets = [fastpath.Network("cin", TransformNet(norm="conditional_instance", num_styles=3).eval(),
                             lambda s, d: (torch.rand(1, 3, s, s),), lambda m, x: m(x, 1)),
            fastpath.Network("texture", TextureNet().eval(), lambda s, d: (torch.rand(1, 3, s, s),),
                             lambda m, x: m(x), random=True)]
    paths = [p for p in fastpath.candidates(torch.device("cpu")) if p.autocast is None and p.threads is None]
    for network in nets:
        results = fastpath.compare(network, 32, torch.device("cpu"), paths, repeats=1, warmup=0)
        assert [r.path for r in results] == [p.name for p in paths]
        assert all(r.keeps_output and r.max_error < 1e-4 for r in results), results


def test_native_norms_match_the_slide_layers_including_style_mixtures_and_folded_batch_norm():
    from stylelab import encoders
    from stylelab.nets import TransformNet
    from stylelab.norms import ConditionalInstanceNorm

    torch.manual_seed(0)
    net = TransformNet(norm="conditional_instance", num_styles=3).eval()
    for layer in net.modules():
        if isinstance(layer, ConditionalInstanceNorm):  # distinct γˢ per style, so that mixing matters
            nn.init.normal_(layer.weight, 1.0, 0.3)
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


def test_fast_paths_function_for_a_notebook_and_its_errors():
    results = bench.fast_paths("adain", size=32, device="cpu", encoder="random", repeats=1, warmup=0, more_threads=False,
                               images="noise")
    assert results[0].path == "fp32 eager" and all(r.network == "adain" and r.size == 32 for r in results)
    with pytest.raises(StylelabError, match="optimisation method"):
        bench.fast_paths("gatys", size=32, device="cpu", encoder="random")
    with pytest.raises(ValueError, match="CUDA"):
        fastpath.prepare(fastpath.FastPath("graph", cuda_graph=True), fastpath.Network(
            "n", nn.Identity(), lambda s, d: (torch.rand(1, 3, s, s),), lambda m, x: m(x)), (), torch.device("cpu"))


def test_settings_are_checked_in_one_line():
    with pytest.raises(StylelabError, match="multiples of 16"):
        bench.run_bench(["adain"], bench.BenchSettings(sizes=(40,)), device="cpu", encoder="random")
    with pytest.raises(StylelabError, match="repeats must be at least 1"):
        bench.BenchSettings(repeats=0).validate()
    with pytest.raises(StylelabError, match="images must be"):
        bench.BenchSettings(images="cats").validate()


def test_the_photo_pair_is_square_at_the_asked_size(mirror):
    content, style = bench.bench_pair(48, torch.device("cpu"), bench.BenchSettings())
    assert content.shape == style.shape == (1, 3, 48, 48) and 0 <= float(content.min()) <= float(content.max()) <= 1


def test_cli_lists_the_methods_and_rejects_an_unknown_one_in_one_line(capsys):
    from stylelab import cli

    assert cli.main(["bench", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(bench.METHODS)
    assert cli.main(["bench", "adain", "johnson"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: unknown method 'johnson'") and "\n" not in err
    assert bench.main(["chen-schmidt", "--list"]) == 0  # '-' for '_'


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
    rows = speed.compact_rows(report)
    assert rows[0]["paper 512px"] == "46.75 (46.79)" and rows[2]["paper 256px"] == "0.011 (N/A)"
    assert rows[3]["# Styles (ours / paper)"] == "32 / 32"
    assert speed.markdown(rows).count("\n") == 6


def test_the_adain_row_uses_a_registered_decoder_for_its_encoder_or_says_random_weights():
    assert bench.registered_adain_decoder("random") is None
    found = bench.registered_adain_decoder("vgg16_bn_craft")
    from stylelab.weights import registry

    assert found is None or found in registry()
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
