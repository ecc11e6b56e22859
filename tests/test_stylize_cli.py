"""``python -m stylelab stylize``: files and folders, a corrupt image skipped on one line, resumable,
the port's files, johnson/cin/gatys, and usage errors with status 2."""

import pytest
import torch
import torch.nn as nn
from PIL import Image

from stylelab import cli
from stylelab.encoders import build_encoder
from stylelab.methods import adain, feedforward
from stylelab.methods.adain import AdaINConfig, TrainedAdaIN
from stylelab.methods.feedforward import FeedForwardConfig, TrainedNet


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    yield


def _png(path, seed, size=(36, 44)):
    g = torch.Generator().manual_seed(seed)
    Image.fromarray((torch.rand(*size, 3, generator=g) * 255).to(torch.uint8).numpy()).save(path)
    return path


@pytest.fixture
def inputs(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    _png(photos / "a.png", 0)
    _png(photos / "b.png", 1)
    (photos / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really an image" * 10)
    style = _png(tmp_path / "style.png", 2, (40, 40))
    return photos, style


@pytest.fixture
def decoder_file(tmp_path):
    encoder = build_encoder("random", seed=0, last_layer="relu4_1")
    torch.manual_seed(0)
    config = AdaINConfig(styles=("x",), image_size=16).resolved(encoder)
    trained = TrainedAdaIN(adain.AdaINModel(encoder, adain.build_decoder()), config)
    return adain.save_decoder(tmp_path / "decoder.pt", trained, {"note": "test"})


def _args(*extra, out):
    return ["stylize", *extra, "--out", str(out), "--content-size", "32", "--style-size", "32", "--quiet"]


def test_corrupt_image_is_skipped_with_one_line_and_the_rest_are_written(inputs, decoder_file, tmp_path, capsys):
    photos, style = inputs
    out = tmp_path / "out"
    args = _args("--method", "adain", "--weights", str(decoder_file), "--content", str(photos), "--style", str(style),
                 out=out)
    assert cli.main(args) == 1  # some inputs failed, the others were written
    err = capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["a_stylized_style.png", "b_stylized_style.png"]
    lines = [line for line in err.splitlines() if "broken.png" in line]
    assert len(lines) == 1 and lines[0].startswith("skipped broken.png")
    # resumable: the outputs already there are kept, not recomputed
    stamp = (out / "a_stylized_style.png").stat().st_mtime_ns
    assert cli.main(args) == 1
    assert "0 written, 2 already there, 1 failed" in capsys.readouterr().out
    assert (out / "a_stylized_style.png").stat().st_mtime_ns == stamp
    (photos / "broken.png").unlink()
    assert cli.main(args) == 0


def test_a_folder_says_which_files_it_ignored_and_reads_gif_and_bmp(inputs, decoder_file, tmp_path, capsys):
    photos, style = inputs
    (photos / "broken.png").unlink()
    Image.open(photos / "a.png").convert("P").save(photos / "c.gif")
    Image.open(photos / "b.png").save(photos / "d.bmp")
    (photos / "notes.txt").write_text("not an image")
    (photos / "scan.heic").write_bytes(b"\0" * 10)
    out = tmp_path / "out"
    assert cli.main(_args("--method", "adain", "--weights", str(decoder_file), "--content", str(photos),
                          "--style", str(style), out=out)) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if "ignored" in line]
    assert len(lines) == 1 and "ignored 2 file(s) that are not images" in lines[0]
    assert lines[0].endswith(": notes.txt, scan.heic")
    assert sorted(p.name for p in out.iterdir()) == ["a_stylized_style.png", "b_stylized_style.png",
                                                     "c_stylized_style.png", "d_stylized_style.png"]


def test_adain_controls_on_the_command_line(inputs, decoder_file, tmp_path, mirror):
    photos, style = inputs
    other = _png(tmp_path / "other.png", 5, (40, 40))
    base = ["--method", "adain", "--weights", str(decoder_file), "--content", str(photos / "a.png")]
    out = tmp_path / "out"
    assert cli.main(_args(*base, "--style", str(style), "--style", str(other), "--style-weights", "0.3", "0.7",
                          "--alpha", "0.5", "--preserve-color", out=out)) == 0
    assert cli.main(_args(*base, "--style", str(style), "--style", str(other), "--mask", "mask/mask", out=out)) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["a_interpolation_style+other.png", "a_mask_style+other.png"]
    assert cli.main(_args(*base, "--style", str(style), "--style-weights", "0.5", "0.6", out=out)) == 2


def test_port_files_on_the_command_line(inputs, tmp_path):
    photos, style = inputs
    torch.manual_seed(0)
    torch.save(adain.PortVGG().state_dict(), tmp_path / "vgg_normalised.pth")
    torch.save(nn.Sequential(*adain.decoder_layers()).state_dict(), tmp_path / "decoder.pth")
    out = tmp_path / "out"
    # the port's decoder.pth is recognised by its keys (a bare state dict), with the port's VGG beside it
    assert cli.main(_args("--method", "adain", "--port-vgg", str(tmp_path / "vgg_normalised.pth"), "--weights",
                          str(tmp_path / "decoder.pth"), "--content", str(photos / "a.png"), "--style", str(style),
                          out=out)) == 0
    assert Image.open(out / "a_stylized_style.png").size == (39, 32)  # 44×36 scaled to a short side of 32


def test_johnson_cin_and_gatys(inputs, tmp_path):
    photos, style = inputs
    torch.manual_seed(0)
    single = FeedForwardConfig(styles=("style/la_muse",), image_size=16)
    johnson = feedforward.save_net(tmp_path / "johnson.pt", TrainedNet(single.build_net(), single), {})
    double = FeedForwardConfig(styles=("style/la_muse", str(style)), norm="conditional_instance", image_size=16)
    cin = feedforward.save_net(tmp_path / "cin.pt", TrainedNet(double.build_net(), double), {})
    out = tmp_path / "out"
    content = ["--content", str(photos / "a.png")]
    assert cli.main(_args("--method", "johnson", "--weights", str(johnson), *content, out=out / "j")) == 0
    assert cli.main(_args("--method", "cin", "--weights", str(cin), *content, "--style", "style", out=out / "c")) == 0
    assert cli.main(_args("--method", "gatys", "--encoder", "random", "--iterations", "2", *content,
                          "--style", str(style), out=out / "g")) == 0
    assert [p.name for p in (out / "j").iterdir()] == ["a_stylized_la_muse.png"]  # the net's one style
    assert [p.name for p in (out / "c").iterdir()] == [p.name for p in (out / "g").iterdir()] == ["a_stylized_style.png"]
    assert cli.main(_args("--method", "johnson", "--weights", str(cin), *content, out=out)) == 2  # a CIN net
    assert cli.main(_args("--method", "cin", "--weights", str(cin), *content, "--style", "mondrian", out=out)) == 2


def test_usage_errors_are_one_line_with_status_2(inputs, tmp_path, capsys):
    photos, style = inputs
    assert cli.main(_args("--method", "adain", "--port-vgg", "weights/adain_vgg_normalised", "--content", str(photos),
                          "--style", str(style), out=tmp_path / "o")) == 2  # the port's VGG with our decoder
    err = capsys.readouterr().err
    assert err.startswith("error: --port-vgg goes with the port's decoder.pth") and err.count("\n") == 1
    assert cli.main(_args("--method", "johnson", "--mask", "mask/mask", "--content", str(photos),
                          out=tmp_path / "o")) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --mask does not apply to --method johnson") and err.count("\n") == 1
    assert cli.main(_args("--method", "gatys", "--content", str(tmp_path / "nowhere"), "--style", str(style),
                          out=tmp_path / "o")) == 2
    assert cli.main(_args("--method", "johnson", "--weights", "x.pt", "--alpha", "0.5", "--content", str(photos),
                          out=tmp_path / "o")) == 2


def test_adain_defaults_to_the_committed_decoder(inputs, tmp_path):
    from stylelab.methods.adain import DEFAULT_DECODER
    from stylelab.weights import registry

    assert DEFAULT_DECODER in registry()
    photos, style = inputs
    out = tmp_path / "out"
    # exit status 1: the corrupt photo of the fixture is reported and skipped, the other two are written
    assert cli.main(_args("--method", "adain", "--content", str(photos), "--style", str(style), out=out)) == 1
    assert len(list(out.glob("*.png"))) == 2


def test_every_registered_method_is_listed_and_runs_through_one_loop(capsys):
    from stylelab.methods import base

    assert cli.main(["stylize", "--list"]) == 0
    listed = [line.split(" ")[0].rstrip(":") for line in capsys.readouterr().out.splitlines()]
    assert listed == list(base.methods()) == ["gatys", "style_swap", "johnson", "ulyanov", "cin", "adain"]
    assert base.get("dumoulin") is base.get("cin") and base.get("chen-schmidt") is base.get("style_swap")
    with pytest.raises(Exception, match="unknown method 'wct'"):
        base.get("wct")
