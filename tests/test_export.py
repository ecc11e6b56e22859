"""ONNX export (stylelab.export, ``python -m stylelab export``), onnxruntime as ``stylize``'s backend and as a
fast path of the speed table: every exported file, run by onnxruntime at two image sizes, matches torch."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from stylelab import cli, export, fastpath
from stylelab.errors import StylelabError
from stylelab.methods import base, feedforward
from stylelab.nets import TextureNet

onnx = pytest.importorskip("onnx", reason="ONNX export needs pip install 'stylelab[onnx]'")
pytest.importorskip("onnxruntime", reason="onnxruntime needs pip install 'stylelab[onnx]'")
pytest.importorskip("onnxscript", reason="torch's ONNX exporter needs onnxscript (pip install 'stylelab[onnx]')")

#: two sizes from the same file, neither a multiple of the nets' 4, 8 or 16 (the padding inside the graph)
SIZES = ((37, 53), (64, 47))
TOLERANCE = 1e-4


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("STYLELAB_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def ulyanov_file(tmp_path_factory):
    """A texture net with random weights as a model file (no trained Ulyanov net is committed)."""
    torch.manual_seed(0)
    config = feedforward.FeedForwardConfig(architecture="ulyanov", styles=("style/la_muse",), image_size=64)
    trained = feedforward.TrainedNet(TextureNet().eval(), config)
    return feedforward.save_net(tmp_path_factory.mktemp("ulyanov") / "ulyanov_random.pt", trained, {"note": "test"})


@pytest.fixture(scope="module")
def clipped_cin_file(tmp_path_factory):
    """A 2-style CIN net with clipped statistics (issue #23) and random weights as a model file."""
    from stylelab.norms import ConditionalInstanceNorm

    torch.manual_seed(0)
    config = feedforward.FeedForwardConfig(norm="conditional_instance", styles=("style/la_muse", "style/sketch"),
                                           image_size=64, norm_clip=1.5)  # 1.5σ: many values clipped
    net = config.build_net().eval()
    for layer in net.modules():
        if isinstance(layer, ConditionalInstanceNorm):
            torch.nn.init.normal_(layer.weight, 1.0, 0.3)
    trained = feedforward.TrainedNet(net, config)
    return feedforward.save_net(tmp_path_factory.mktemp("cin") / "cin_clipped.pt", trained, {"note": "test"})


@pytest.mark.slow
def test_clipped_cin_exports_its_clipped_statistics(tmp_path, clipped_cin_file):
    path = export.export_onnx("cin", str(clipped_cin_file), tmp_path / "clipped.onnx")
    method = export.load("cin", str(clipped_cin_file))
    graph = method.onnx_graph()
    _, ops = _check_file(path, "cin", list(graph.inputs))
    assert {"Max", "Min"} <= ops  # the clip travels with the graph (max and min against per-channel bounds)
    runner = export.OnnxRunner(path, threads=1)
    generator = torch.Generator().manual_seed(1)
    for size in SIZES:
        content = torch.rand(1, 3, *size, generator=generator)
        for styles in ([1], [0.3, 0.7]):
            reference = method.stylize(content, styles)
            assert float((runner(*graph.feeds(content, styles)) - reference).abs().max()) <= TOLERANCE


def test_clipped_cin_runs_as_the_speed_tables_onnxruntime_path_with_a_constant_style_id(clipped_cin_file):
    # the speed table exports the net at the timed size with the style id as a constant; a range check written
    # as a tensor test was a data-dependent branch torch.export refused ("GuardOnDataDependentSymNode")
    net = feedforward.load_net(clipped_cin_file).net.eval()
    network = fastpath.Network("cin clipped", net, lambda size, device: (torch.rand(1, 3, size, size),),
                               lambda m, x: m(x, 1))
    results = fastpath.compare(network, 32, torch.device("cpu"), [fastpath.EAGER, fastpath.ONNXRUNTIME], repeats=1)
    assert results[-1].note == "" and results[-1].keeps_output and results[-1].max_error < 1e-4, results[-1]


def _inputs(name: str, size: tuple[int, int], generator: torch.Generator):
    content = torch.rand(1, 3, *size, generator=generator)
    if name == "adain":
        return content, [torch.rand(1, 3, 41, 59, generator=generator)], {"alpha": 0.7}
    return content, [0], {}


def _check_file(path, method: str, inputs: list[str]):
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    assert [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")] == [export.OPSET]
    assert [i.name for i in model.graph.input] == inputs
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["stylelab.method"] == method and set(json.loads(meta["stylelab.inputs"])) == set(inputs)
    ops = {n.op_type for n in model.graph.node}
    assert "Pad" in ops  # the reflection padding is inside the graph
    return model, ops


@pytest.mark.slow
@pytest.mark.parametrize("name", ["johnson", "ulyanov", "cin", "adain"])
def test_export_matches_torch_at_two_sizes(name, tmp_path, ulyanov_file):
    weights = str(ulyanov_file) if name == "ulyanov" else None
    path = export.export_onnx(name, weights, tmp_path / f"{name}.onnx")
    method = export.load(name, weights)
    graph = method.onnx_graph()
    model, ops = _check_file(path, name, list(graph.inputs))
    # the default CIN net clips its statistics (issue #23): its norms are written out, max and min included
    norm_ops = {"Max", "Min", "ReduceMean"} if name == "cin" else {"InstanceNormalization"}
    assert name == "adain" or ({"Conv"} | norm_ops) <= ops, sorted(ops)
    if name != "adain":
        assert "Resize" in ops  # nearest upsampling
    runner = export.OnnxRunner(path, threads=1)
    generator = torch.Generator().manual_seed(1)
    for size in SIZES:
        content, styles, controls = _inputs(name, size, generator)
        feeds = graph.feeds(content, styles, **controls)
        with torch.random.fork_rng(devices=[]), torch.no_grad():
            torch.manual_seed(2)
            if name == "ulyanov":  # the torch reference draws its noise; the graph takes the same numbers
                reference = graph.module(*feeds)
            else:
                reference = method.stylize(content, styles, **controls)
        out = runner(*feeds)
        assert out.shape == (1, 3, *size)
        assert float((out - reference).abs().max()) <= TOLERANCE
        if name in ("johnson", "cin", "adain"):  # the graph's module is the method's own stylize
            with torch.no_grad():
                assert float((graph.module(*feeds) - reference).abs().max()) <= 1e-6


@pytest.mark.slow
def test_cin_style_id_and_mixing_weights(tmp_path):
    path = export.export_onnx("dumoulin", None, tmp_path / "cin.onnx")
    method = export.load("cin")
    graph = method.onnx_graph()
    meta = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert json.loads(meta["stylelab.styles"]) == [n.split("/")[-1] for n in method.net_styles()]
    runner = export.OnnxRunner(path, threads=1)
    content = torch.rand(1, 3, 45, 62, generator=torch.Generator().manual_seed(3))
    for styles in ([2], [0.25, 0.25, 0.5, 0.0]):
        reference = method.stylize(content, styles)
        assert float((runner(*graph.feeds(content, styles)) - reference).abs().max()) <= TOLERANCE
    with pytest.raises(StylelabError, match="style id must be an integer in 0..3"):
        graph.feeds(content, [7])
    with pytest.raises(StylelabError, match="sum to 1"):
        graph.feeds(content, [0.5, 0.6, 0.0, 0.0])


def test_one_line_errors(tmp_path, monkeypatch):
    with pytest.raises(StylelabError, match="unknown method 'nope'"):
        export.export_onnx("nope", None, tmp_path / "a.onnx")
    with pytest.raises(StylelabError, match="--method gatys does not export to ONNX .exportable: johnson, ulyanov, cin, adain"):
        export.export_onnx("gatys", None, tmp_path / "a.onnx")
    with pytest.raises(StylelabError, match="neither a registered model"):
        export.export_onnx("johnson", str(tmp_path / "missing.pt"), tmp_path / "a.onnx")
    with pytest.raises(StylelabError, match="the folder .*no_such_folder does not exist"):
        export.export_onnx("johnson", None, tmp_path / "no_such_folder" / "a.onnx")
    with pytest.raises(StylelabError, match="is a folder"):
        export.export_onnx("johnson", None, tmp_path)
    monkeypatch.setattr(export.os, "access", lambda path, mode: False)
    with pytest.raises(StylelabError, match="is not writable"):
        export.export_onnx("johnson", None, tmp_path / "a.onnx")
    assert not list(tmp_path.glob("*.onnx*"))


def test_missing_packages_are_one_line_errors(tmp_path, monkeypatch):
    monkeypatch.setattr(export, "missing_packages", lambda: ["onnxruntime"])
    with pytest.raises(StylelabError, match=r"needs onnxruntime, which are not installed: pip install 'stylelab\[onnx\]'"):
        export.export_onnx("johnson", None, tmp_path / "a.onnx")
    method = base.get("johnson").load()
    with pytest.raises(StylelabError, match="onnxruntime"):
        export.OnnxStylizer(method, "onnxruntime")
    auto = export.OnnxStylizer(method, "auto", say=lambda line: None)
    assert auto.why_torch.startswith("onnxruntime not installed")
    # the speed table lists the path as skipped, with the reason
    net = Net()
    network = fastpath.Network("tiny", net, lambda size, device: (torch.rand(1, 3, size, size),), lambda m, x: m(x))
    results = fastpath.compare(network, 16, torch.device("cpu"), [fastpath.EAGER, fastpath.ONNXRUNTIME], repeats=1)
    skipped = results[-1]
    assert skipped.path == fastpath.ONNXRUNTIME.name and math.isnan(skipped.seconds) and not skipped.keeps_output
    assert skipped.note.startswith("skipped: the onnxruntime fast path needs onnxruntime")
    assert fastpath.fastest(results).path == fastpath.EAGER_NAME


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 3, 3, padding=1, padding_mode="reflect")

    def forward(self, x):
        return torch.sigmoid(self.conv(x))


def test_fast_path_runs_onnxruntime_and_checks_its_output():
    assert fastpath.ONNXRUNTIME in fastpath.candidates(torch.device("cpu"))
    torch.manual_seed(0)
    network = fastpath.Network("tiny", Net(), lambda size, device: (torch.rand(1, 3, size, size),), lambda m, x: m(x))
    results = fastpath.compare(network, 32, torch.device("cpu"), [fastpath.EAGER, fastpath.ONNXRUNTIME], repeats=2)
    ort = results[-1]
    assert ort.path == "onnxruntime (CPU)" and ort.keeps_output and ort.max_error < 1e-5 and ort.seconds > 0
    assert fastpath.as_rows(results)[-1]["path"] == "onnxruntime (CPU)"


def test_cli_export_and_list(tmp_path, capsys):
    assert cli.main(["export", "--list"]) == 0
    listed = capsys.readouterr().out
    assert [line.split(":")[0].split(" ")[0] for line in listed.splitlines()] == base.exportable()
    out = tmp_path / "johnson.onnx"
    assert cli.main(["export", "--method", "johnson", "--onnx", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}" in printed and "content (1, 3, height, width)" in printed and "image (1, 3, height, width)" in printed
    assert cli.main(["export", "--method", "gatys", "--onnx", str(tmp_path / "g.onnx")]) == 2
    assert cli.main(["export", "--method", "johnson"]) == 2
    err = capsys.readouterr().err
    assert "error: --method gatys does not export" in err and "error: export needs --onnx" in err


# --- stylize's backends -----------------------------------------------------------------------------

def test_auto_picks_the_faster_measured_backend_and_caches_it(tmp_path):
    method = base.get("johnson").load()
    content = torch.rand(1, 3, 40, 44)
    calls, said = [], []

    def fake(speeds):
        def measure(method, graph, runner, inputs):
            calls.append(tuple(inputs[0].shape))
            return dict(speeds)
        return measure

    auto = export.OnnxStylizer(method, "auto", measure=fake({"torch": 1.0, "onnxruntime": 0.8}), say=said.append)
    out = auto(content, [0])
    assert auto.chosen and list(auto.chosen.values()) == ["onnxruntime"]
    assert float((out - method.stylize(content, [0])).abs().max()) <= TOLERANCE
    auto(content, [0])
    assert len(calls) == 1 and "auto: onnxruntime for johnson at 40×44" in said[0]
    # a new run reads the cached measurement instead of measuring again
    again = export.OnnxStylizer(method, "auto", measure=fake({"torch": 0.1, "onnxruntime": 9.0}), say=said.append)
    again(content, [0])
    assert len(calls) == 1 and list(again.chosen.values()) == ["onnxruntime"]
    # the same pixel count in another aspect ratio reuses it; twice the pixels is measured on its own
    again(torch.rand(1, 3, 44, 40), [0])
    assert len(calls) == 1
    again(torch.rand(1, 3, 64, 56), [0])
    assert len(calls) == 2 and list(again.chosen.values())[-1] == "torch"
    assert export.choose({"torch": 1.0, "onnxruntime": 1.0}) == "torch"
    assert export.choose({"torch": 1.0, "onnxruntime": math.inf}) == "torch"
    assert export.choose({"torch": 0.5, "onnxruntime": 0.4}) == "onnxruntime"


def test_auto_measures_with_the_speed_table_helper():
    method = base.get("johnson").load()
    graph, runner = export.method_runner(method, threads=1)
    seconds = export.measure_backends(method, graph, runner, graph.feeds(torch.rand(1, 3, 36, 36), [0]), repeats=1)
    assert set(seconds) == {"torch", "onnxruntime"} and all(0 < s < math.inf for s in seconds.values())


def test_backend_stays_on_torch_where_the_graph_cannot_go(tmp_path):
    said = []
    gatys = base.get("gatys").load(encoder="random")
    auto = export.OnnxStylizer(gatys, "auto", say=said.append)
    assert "does not export" in auto.why_torch
    with pytest.raises(StylelabError, match="--method gatys does not export to ONNX"):
        export.OnnxStylizer(gatys, "onnxruntime")
    with pytest.raises(StylelabError, match="--backend takes one of torch, onnxruntime, auto"):
        export.OnnxStylizer(gatys, "tensorrt")
    adain = base.get("adain").load()
    graph = adain.onnx_graph()
    style = torch.rand(1, 3, 32, 32)
    with pytest.raises(StylelabError, match="--mask is not in the exported AdaIN graph"):
        graph.feeds(torch.rand(1, 3, 32, 32), [style], mask=torch.ones(1, 1, 32, 32))
    with pytest.raises(StylelabError, match="alpha"):
        graph.feeds(torch.rand(1, 3, 32, 32), [style], alpha=1.5)


@pytest.mark.slow
def test_stylize_cli_backends_agree(tmp_path):
    from PIL import Image

    photo = tmp_path / "photo.png"
    Image.fromarray((torch.rand(45, 61, 3) * 255).byte().numpy()).save(photo)
    outputs = {}
    for backend in ("torch", "onnxruntime"):
        out = tmp_path / backend
        assert cli.main(["stylize", "--method", "johnson", "--content", str(photo), "--out", str(out), "--quiet",
                         "--content-size", "0", "--backend", backend]) == 0
        (image,) = out.glob("*.png")
        outputs[backend] = torch.from_numpy(np.asarray(Image.open(image), dtype=np.float32))
    assert float((outputs["torch"] - outputs["onnxruntime"]).abs().max()) <= 1  # 8-bit rounding
    assert cli.main(["stylize", "--method", "gatys", "--content", str(photo), "--style", str(photo), "--out",
                     str(tmp_path / "g"), "--backend", "onnxruntime"]) == 2
