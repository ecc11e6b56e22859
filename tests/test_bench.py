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
    assert bench.main(["gatys", "--sizes", "32", "--iterations", "1", "--device", "cpu", "--encoder", "random"]) == 0
    assert "Gatys et al." in capsys.readouterr().out
    assert bench.main(["gatys", "--sizes", "32", "--iterations", "1", "--device", "tpu9", "--encoder", "random"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: unknown device") and "\n" not in err
