"""ONNX export and onnxruntime, in one place: ``python -m stylelab export``, ``stylize --backend`` and the
onnxruntime fast path of the speed table all go through :func:`export_graph`.

    from stylelab import export
    export.export_onnx("johnson", None, "johnson.onnx")                 # the committed net, any image size
    export.export_onnx("cin", "cin-instance-4styles", "cin.onnx")       # inputs: content, style_weights
    export.export_onnx("adain", None, "adain.onnx")                     # inputs: content, style, alpha
    export.exportable()                                                  # the methods that export

A method exports when its class overrides :meth:`stylelab.methods.base.Method.onnx_graph`, which returns an
:class:`~stylelab.methods.base.OnnxGraph`: a module whose inputs are images in [0, 1] (batch 1, any height and
width: the padding to the net's multiple and the crop back are inside the graph), its example inputs, which
axes are free, and how a ``stylize`` call maps onto its inputs. The file:

* opset :data:`OPSET` (18: the lowest torch's exporter writes, run by onnxruntime ≥ 1.14 and onnxruntime-web,
  WASM and WebGPU), one self-contained file (no external data), checked with ``onnx.checker``;
* instance norms as ``InstanceNormalization`` (:func:`stylelab.fastpath.with_native_norms`: the same arithmetic
  up to float rounding), reflection padding as ``Pad(mode=reflect)``, nearest upsampling as ``Resize``;
* metadata (``onnx.ModelProto.metadata_props``): ``stylelab.method``, ``stylelab.weights``,
  ``stylelab.inputs`` (JSON: input name → what to feed it), ``stylelab.output``, ``stylelab.min_side`` and the
  method's own (a CIN net's ``stylelab.styles``), for a caller outside Python (the in-browser demo).

:class:`OnnxStylizer` is ``stylize``'s backend: ``--backend torch`` (the method's own ``stylize``),
``onnxruntime`` (the exported graph on onnxruntime's CPU provider; exported once per weights into the user
cache, :func:`cached_export`) or ``auto``: whichever of the two :func:`measure_backends` timed faster for this
method, weights and image size on this machine (the speed table's helper, :func:`stylelab.fastpath.compare`,
fp32 eager against onnxruntime, round robin), measured on first use and kept in
``<cache>/onnx/backend_timings.json``.

The packages: ``pip install 'stylelab[onnx]'`` (onnx, onnxruntime, onnxscript); without them every entry point
here is a one-line error, and the speed table lists the onnxruntime path as skipped.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import json
import math
import os
import re
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import torch
from torch import nn

from . import __version__ as STYLELAB_VERSION
from .errors import StylelabError
from .methods import base
from .methods.base import OnnxGraph
from .nets import pad_to_multiple

#: The ONNX opset written: the lowest the dynamo exporter of torch ≥ 2.9 emits natively; onnxruntime-web runs it.
OPSET = 18
#: The largest image side the exported graphs declare (a bound for the exporter's symbolic shapes only).
MAX_SIDE = 16384
BACKENDS = ("torch", "onnxruntime", "auto")
#: The packages to install, for the one-line errors.
INSTALL = "pip install 'stylelab[onnx]' (onnx, onnxruntime, onnxscript)"


# --- the packages -------------------------------------------------------------------------------

def missing_packages() -> list[str]:
    """The packages of the ``onnx`` extra that cannot be imported here (empty: all there)."""
    import importlib.util

    return [name for name in ("onnx", "onnxruntime", "onnxscript") if importlib.util.find_spec(name) is None]


def available() -> bool:
    """Whether export and onnxruntime both work here."""
    return not missing_packages()


def require(what: str) -> None:
    """A one-line error naming the missing packages, for ``what`` (e.g. "ONNX export")."""
    missing = missing_packages()
    if missing:
        raise StylelabError(f"{what} needs {', '.join(missing)}, which are not installed: {INSTALL}")


# --- graph pieces the methods' hooks share --------------------------------------------------------

class PadCrop(nn.Module):
    """``net(pad(x), *rest)[..., :H, :W]`` (up to two more inputs) clamped to [0, 1]: ``x`` padded by reflection
    to ``multiple`` (as the methods' own ``stylize``), so that the graph takes any image size. ``call(net, x, *rest)`` (default
    ``net(x, *rest)``) says how the net is called."""

    def __init__(self, net: nn.Module, multiple: int, call: Callable[..., torch.Tensor] | None = None):
        super().__init__()
        self.net, self.multiple, self.call = net, multiple, call

    def forward(self, x: torch.Tensor, second: torch.Tensor | None = None,
                third: torch.Tensor | None = None) -> torch.Tensor:
        # named parameters, not *args: torch.export matches the dynamic shapes to them one by one
        rest = tuple(t for t in (second, third) if t is not None)
        h, w = x.shape[-2], x.shape[-1]
        padded = pad_to_multiple(x, self.multiple)
        out = self.call(self.net, padded, *rest) if self.call is not None else self.net(padded, *rest)
        return out[..., :h, :w].clamp(0, 1)


# --- checking the output path ---------------------------------------------------------------------

def check_output_path(path: str | os.PathLike) -> Path:
    """``path`` as a Path whose folder exists and is writable (else a one-line error)."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise StylelabError(f"--onnx {path} is a folder; give a file name (e.g. {path / 'model.onnx'})")
    folder = path.parent
    if not folder.is_dir():
        raise StylelabError(f"cannot write {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StylelabError(f"cannot write {path}: the folder {folder} is not writable")
    return path


# --- the one export function ----------------------------------------------------------------------

def _dynamic_shapes(graph: OnnxGraph) -> tuple | None:
    """``graph.dynamic`` as torch.export dynamic shapes (one Dim per name, shared where names repeat)."""
    if not graph.dynamic:
        return None
    dims: dict[str, torch.export.Dim] = {}

    def dim(name: str):
        if name not in dims:
            dims[name] = torch.export.Dim(name, min=graph.min_side, max=MAX_SIDE)
        return dims[name]

    unknown = set(graph.dynamic) - set(graph.inputs)
    if unknown:
        raise StylelabError(f"dynamic axes for unknown inputs {sorted(unknown)} (inputs: {list(graph.inputs)})")
    return tuple({axis: dim(name) for axis, name in graph.dynamic[key].items()} if key in graph.dynamic else None
                 for key in graph.inputs)


def export_graph(graph: OnnxGraph, path: str | os.PathLike, *, metadata: dict[str, str] | None = None,
                 native_norms: bool = True) -> Path:
    """Write ``graph`` to ``path`` as one ONNX file (opset :data:`OPSET`), checked with ``onnx.checker``.

    The module is exported on the CPU in fp32 eval mode, with its normalisation layers as native kernels
    (``native_norms``); the free axes of ``graph.dynamic`` stay symbolic. Written under a temporary name and
    renamed, so a failed export leaves no file. Returns ``path``."""
    require("ONNX export")
    import onnx

    from .fastpath import with_native_norms

    path = check_output_path(path)
    module = with_native_norms(graph.module) if native_norms else copy.deepcopy(graph.module)  # caller's untouched
    module = module.to("cpu").float().eval()
    inputs = tuple(x.detach().to("cpu") for x in graph.inputs.values())
    handle, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".onnx.part", dir=path.parent)
    os.close(handle)
    try:
        log = io.StringIO()
        # the exporter prints its progress and warns about its own internals: kept out of the caller's output,
        # and shown with the error when it fails
        with warnings.catch_warnings(), contextlib.redirect_stdout(log), torch.no_grad():
            warnings.simplefilter("ignore")
            try:
                torch.onnx.export(module, inputs, tmp, input_names=list(graph.inputs), output_names=[graph.output],
                                  opset_version=OPSET, dynamic_shapes=_dynamic_shapes(graph), external_data=False,
                                  verbose=False)
            except StylelabError:
                raise
            except Exception as exc:  # the exporter's errors are long: the first line of the innermost cause
                cause = exc
                while cause.__cause__ is not None:
                    cause = cause.__cause__
                text = re.sub(r"\x1b\[[0-9;]*m", "", str(cause)).strip()
                first = text.splitlines()[0] if text else ""
                raise StylelabError(f"ONNX export failed: {type(cause).__name__}: {first}") from exc
        model = onnx.load(tmp)
        model.producer_name, model.producer_version = "stylelab", STYLELAB_VERSION
        info = {"stylelab.inputs": json.dumps(graph.describe or {name: "" for name in graph.inputs}, ensure_ascii=False),
                "stylelab.output": f"{graph.output}: the stylised image (1, 3, H, W) in [0, 1], the content's size",
                "stylelab.min_side": str(graph.min_side), "stylelab.opset": str(OPSET),
                **graph.metadata, **(metadata or {})}
        first = next(iter(graph.inputs))
        for output in model.graph.output:  # the content's size, by contract (the exporter writes the crop's formula)
            dims = output.type.tensor_type.shape.dim
            for axis, name in graph.dynamic.get(first, {}).items():
                if axis < len(dims):
                    dims[axis].dim_param = name
        del model.metadata_props[:]
        for key, value in info.items():
            entry = model.metadata_props.add()
            entry.key, entry.value = key, str(value)
        onnx.checker.check_model(model, full_check=True)
        onnx.save(model, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def exportable() -> list[str]:
    """The registry's methods that export (their class overrides ``onnx_graph``)."""
    return base.exportable()


def listing() -> str:
    """``python -m stylelab export --list``: each method that exports, and what its graph takes."""
    import inspect

    lines = []
    for name in base.exportable():
        cls = base.get(name)
        first = (inspect.getdoc(cls.onnx_graph) or "").split("\n")[0].rstrip(".")
        alias = f" (= {', '.join(cls.aliases)})" if cls.aliases else ""
        lines.append(f"{name}{alias}: {first}")
    return "\n".join(lines)


def summary(path: str | os.PathLike) -> str:
    """One line on an exported file: its inputs and output with their shapes (symbolic axes by name)."""
    require("reading an ONNX file")
    import onnx

    model = onnx.load(str(path), load_external_data=False)

    def shape(value) -> str:
        dims = [d.dim_param or str(d.dim_value) for d in value.type.tensor_type.shape.dim]
        return f"{value.name} ({', '.join(dims)})"

    return (f"inputs {', '.join(shape(v) for v in model.graph.input)} → output "
            f"{', '.join(shape(v) for v in model.graph.output)}")


def _method_class(method: str) -> type[base.Method]:
    cls = base.get(method)
    if cls.name not in base.exportable():
        raise StylelabError(f"--method {cls.name} does not export to ONNX (exportable: {', '.join(base.exportable())})")
    return cls


def load(method: str, weights: str | None = None, **options) -> base.Method:
    """The method ``method`` (name or alias) loaded on the CPU with ``weights`` and its ``Options`` fields
    ``options`` (one-line errors: an unknown method, one that does not export, missing weights)."""
    cls = _method_class(method)
    fields = {f for f in base.option_fields(cls.Options)}
    unknown = [k for k in options if k not in fields]
    if unknown:
        raise StylelabError(f"{', '.join(unknown)} is not an option of --method {cls.name} "
                            f"(its options: {', '.join(sorted(fields)) or 'none'})")
    return cls.load(weights, cls.Options(**options), device="cpu")


def export_onnx(method: str | base.Method, weights: str | None = None, path: str | os.PathLike = "model.onnx",
                **options) -> Path:
    """Export ``method`` (a registry name or alias, or an already loaded method) with ``weights`` (a registered
    name or a file; None: the method's default) to the ONNX file ``path``; ``options``: fields of the method's
    ``Options`` (e.g. AdaIN's ``port_vgg``). Returns ``path``.

    One-line errors (:class:`~stylelab.errors.StylelabError`): an unknown method, one that does not export,
    missing weights, a folder that does not exist or is not writable, missing packages."""
    require("ONNX export")
    if isinstance(method, base.Method):
        loaded = method
        if options:
            raise StylelabError("give options when exporting a method by name, not with a loaded method")
    else:
        _method_class(method)
        check_output_path(path)  # before loading anything
        loaded = load(method, weights, **options)
    graph = loaded.onnx_graph()
    return export_graph(graph, path, metadata={"stylelab.method": loaded.name,
                                               "stylelab.weights": loaded.describe()})


# --- running a graph with onnxruntime -------------------------------------------------------------

def session(path: str | os.PathLike, *, threads: int | None = None):
    """An onnxruntime CPU session for the file ``path`` (``threads``: intra-op threads; default torch's)."""
    require("onnxruntime")
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or torch.get_num_threads()
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class OnnxRunner:
    """An exported file run with onnxruntime: ``runner(*tensors)`` → the output as a torch tensor (CPU)."""

    def __init__(self, path: str | os.PathLike, *, threads: int | None = None):
        self.path = Path(path)
        self.session = session(path, threads=threads)
        self.input_names = [i.name for i in self.session.get_inputs()]

    def __call__(self, *inputs: torch.Tensor) -> torch.Tensor:
        if len(inputs) != len(self.input_names):
            raise StylelabError(f"{self.path.name} takes {len(self.input_names)} inputs ({', '.join(self.input_names)}), "
                                f"got {len(inputs)}")
        feeds = {name: x.detach().to("cpu", torch.float32).contiguous().numpy() for name, x in zip(self.input_names, inputs)}
        return torch.from_numpy(self.session.run(None, feeds)[0])


def _fingerprint(graph: OnnxGraph, static: bool) -> str:
    """A digest of what the exported file depends on: the module's structure and weights, the inputs (names,
    shapes when ``static``, free axes), the opset and the library versions."""
    digest = hashlib.sha256()
    digest.update(repr(graph.module).encode())
    for name, tensor in graph.module.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().to("cpu").contiguous().numpy().tobytes())
    for name, x in graph.inputs.items():
        digest.update(f"{name}:{x.dtype}:{tuple(x.shape) if static else x.dim()}".encode())
    digest.update(json.dumps([graph.dynamic, graph.output, graph.min_side, graph.metadata], sort_keys=True).encode())
    digest.update(f"{OPSET}:{torch.__version__}:{STYLELAB_VERSION}".encode())
    return digest.hexdigest()[:20]


def onnx_cache() -> Path:
    """Where exported graphs and the backend timings are kept: ``<stylelab cache>/onnx``."""
    from .assets import cache_dir

    return cache_dir() / "onnx"


def cached_export(graph: OnnxGraph, name: str, *, metadata: dict[str, str] | None = None) -> Path:
    """``graph`` exported once into :func:`onnx_cache` (keyed by its weights, inputs and versions): the path."""
    folder = onnx_cache()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{_fingerprint(graph, static=not graph.dynamic)}.onnx"
    if not path.exists():
        export_graph(graph, path, metadata=metadata)
    return path


# --- the speed table's onnxruntime path -------------------------------------------------------------

class _Called(nn.Module):
    """A :class:`~stylelab.fastpath.Network`'s ``call(module, *inputs)`` as a module's forward."""

    def __init__(self, module: nn.Module, call: Callable[..., torch.Tensor]):
        super().__init__()
        self.module, self.call = module, call

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return self.call(self.module, *inputs)


def network_graph(network, example: Sequence[torch.Tensor]) -> OnnxGraph:
    """A speed-table network (:class:`stylelab.fastpath.Network`) as a graph of fixed shapes (those of
    ``example``, the size being timed)."""
    names = [f"input{k}" for k in range(len(example))]
    return OnnxGraph(_Called(network.module, network.call), dict(zip(names, example)), {},
                     feeds=lambda *inputs: inputs, min_side=1)


def network_runner(network, example: Sequence[torch.Tensor], *, threads: int | None = None) -> Callable[..., torch.Tensor]:
    """``network`` exported at the size of ``example`` (cached, :func:`cached_export`) and run with
    onnxruntime's CPU provider: a function of the network's inputs, as :func:`stylelab.fastpath.prepare` returns."""
    graph = network_graph(network, example)
    path = cached_export(graph, "".join(c if c.isalnum() else "_" for c in network.name), metadata={
        "stylelab.network": network.name})
    return OnnxRunner(path, threads=threads)


# --- stylize's backends -----------------------------------------------------------------------------

def method_runner(method: base.Method, *, threads: int | None = None) -> tuple[OnnxGraph, OnnxRunner]:
    """The loaded ``method``'s graph, exported once per weights (:func:`cached_export`), on onnxruntime."""
    require("onnxruntime")
    graph = method.onnx_graph()
    path = cached_export(graph, method.name, metadata={"stylelab.method": method.name,
                                                       "stylelab.weights": method.describe()})
    return graph, OnnxRunner(path, threads=threads)


def timings_file() -> Path:
    return onnx_cache() / "backend_timings.json"


def _timing_key(method: base.Method, graph: OnnxGraph, inputs: Sequence[torch.Tensor]) -> str:
    from .timing import cpu_name

    import onnxruntime

    # the cost follows the pixel count: one measurement per factor of √2 in pixels (all image inputs together),
    # so that photos and styles of other aspect ratios reuse it
    pixels = sum(x.shape[-2] * x.shape[-1] for x in inputs if x.dim() == 4)
    bucket = f"about {2 ** (round(2 * math.log2(max(pixels, 1))) / 2) / 1e6:.2g} Mpx"
    return " | ".join([method.name, _fingerprint(graph, static=False), bucket, cpu_name(),
                       f"{torch.get_num_threads()} threads", f"torch {torch.__version__}",
                       f"onnxruntime {onnxruntime.__version__}"])


def measure_backends(method: base.Method, graph: OnnxGraph, runner: OnnxRunner, inputs: Sequence[torch.Tensor], *,
                     repeats: int = 3) -> dict[str, float]:
    """Median seconds of the torch backend (the graph's module in fp32 eager: what the method's ``stylize``
    computes) and of onnxruntime on ``inputs``, with the speed table's helper (round robin, same input);
    an onnxruntime output that does not match eager (fp32 tolerance) counts as infinitely slow."""
    from . import fastpath

    network = fastpath.Network(method.name, graph.module, lambda size, device: tuple(inputs), lambda m, *x: m(*x))
    onnx_path = fastpath.ONNXRUNTIME
    results = fastpath.compare(network, 0, torch.device("cpu"), [fastpath.EAGER, onnx_path], repeats=repeats, warmup=1,
                               runners={onnx_path.name: runner})
    eager, ort = results[0], results[-1]
    return {"torch": eager.seconds, "onnxruntime": ort.seconds if ort.keeps_output else math.inf}


def choose(timings: dict[str, float]) -> str:
    """The backend with the fewest seconds (torch on a tie)."""
    return min(("torch", "onnxruntime"), key=lambda name: (timings.get(name, math.inf), name != "torch"))


class OnnxStylizer:
    """``stylize``'s backend for a loaded method: ``stylizer(content, styles, **controls)`` → the image.

    ``backend``: "torch" (the method's own ``stylize``), "onnxruntime" (its exported graph on onnxruntime;
    a one-line error when the method does not export or a control is not in the graph) or "auto" (whichever
    was measured faster here for this method, weights and input shapes, :func:`measure_backends`, cached in
    :func:`timings_file`; torch when the method does not export, the controls are not in the graph or
    onnxruntime is missing). ``measure``: the measuring function (tests inject timings); ``say``: where the
    choice is reported (a line per new measurement)."""

    def __init__(self, method: base.Method, backend: str = "torch", *, measure: Callable[..., dict] | None = None,
                 say: Callable[[str], None] | None = None):
        if backend not in BACKENDS:
            raise StylelabError(f"--backend takes one of {', '.join(BACKENDS)}, got {backend!r}")
        self.method, self.backend = method, backend
        self.measure = measure or measure_backends
        self.say = say or (lambda line: print(line, file=sys.stderr))
        self.graph = self.runner = None
        self.why_torch = ""  # auto: why it stays on torch for every image
        self.chosen: dict[str, str] = {}  # timing key → backend (this run)
        if backend == "torch":
            return
        exports = method.name in base.exportable()
        if backend == "onnxruntime":
            require("--backend onnxruntime")
            if not exports:
                method.onnx_graph()  # the hook's one-line error
        elif not exports:
            self.why_torch = f"--method {method.name} does not export to ONNX"
        elif missing_packages():
            self.why_torch = f"{', '.join(missing_packages())} not installed ({INSTALL})"
        elif method.device.type != "cpu":
            self.why_torch = f"onnxruntime runs on the CPU here, the method on {method.device}"
        if self.why_torch:
            return
        try:
            self.graph, self.runner = method_runner(method)
        except StylelabError as exc:
            if backend == "onnxruntime":
                raise
            self.why_torch = str(exc)

    def __call__(self, content: torch.Tensor, styles: Sequence, **controls) -> torch.Tensor:
        if self.backend == "torch":
            return self.method.stylize(content, styles, **controls)
        if self.why_torch:
            self._once("auto: torch (" + self.why_torch + ")")
            return self.method.stylize(content, styles, **controls)
        try:
            inputs = self.graph.feeds(content, styles, **controls)
        except StylelabError as exc:
            if self.backend == "onnxruntime":
                raise StylelabError(f"--backend onnxruntime: {exc}") from None
            self._once(f"auto: torch ({exc})")
            return self.method.stylize(content, styles, **controls)
        if self.backend == "auto" and self._pick(inputs) == "torch":
            return self.method.stylize(content, styles, **controls)
        return self.runner(*inputs).to(content.device)

    def _once(self, line: str) -> None:
        if line not in self.chosen:
            self.chosen[line] = line
            self.say(line)

    def _pick(self, inputs: Sequence[torch.Tensor]) -> str:
        key = _timing_key(self.method, self.graph, inputs)
        if key in self.chosen:
            return self.chosen[key]
        path = timings_file()
        try:
            table = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            table = {}
        entry = table.get(key)
        if entry is None:
            timings = self.measure(self.method, self.graph, self.runner, inputs)
            entry = {"seconds": timings, "measured": time.strftime("%Y-%m-%d %H:%M:%S")}
            table[key] = entry
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
                tmp.write_text(json.dumps(table, indent=1, ensure_ascii=False), encoding="utf-8")
                os.replace(tmp, path)
            except OSError:
                pass  # a read-only cache: measured again next run
        choice = choose(entry["seconds"])
        seconds = entry["seconds"]
        shapes = ", ".join("×".join(map(str, x.shape[-2:])) for x in inputs if x.dim() == 4)
        self.say(f"auto: {choice} for {self.method.name} at {shapes} (torch {seconds['torch']:.3g} s, onnxruntime "
                 f"{seconds['onnxruntime']:.3g} s per image, measured here {entry['measured']}; {path})")
        self.chosen[key] = choice
        return choice
