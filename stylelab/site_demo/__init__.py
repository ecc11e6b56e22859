"""The site's live demo, ``demo.html``: the committed nets run in the reader's browser with onnxruntime-web.

``python -m stylelab site`` calls :func:`write_demo`, which writes into the site folder

    demo.html                   the page (file picker or bundled photo; Johnson, CIN with one slider per style,
                                AdaIN with a style image and α; backend auto/WASM/WebGPU; size and time shown)
    demo/demo.js                the page's script (this package's ``demo.js``)
    demo/ort.webgpu.min.js      onnxruntime-web's browser build (WebGPU and WASM execution providers)
    demo/ort-runtime.js         its WebAssembly module and loader, gzip + base64 inside a script
    demo/models/<net>.js        each net's ONNX file, gzip + base64 inside a script, with what its inputs are
    demo/images.js              the bundled content and style images (JPEG data URLs, at most MAX_SIDE px)

Why scripts and not plain ``.onnx``/``.wasm`` files: a page opened from disk (``file://``) may not
``fetch()`` files beside it in Chromium, and an image drawn from a ``file://`` URL taints the canvas the page
reads pixels from; ``<script src>`` loads work from disk and from any static server, so the same folder works
both ways. The browser ungzips them with ``DecompressionStream`` (Chromium 80+, Firefox 113+, Safari 16.4+).
Pages opened from disk or from a server without cross-origin isolation headers run WASM on one thread.

onnxruntime-web comes from the npm registry at build time: ``npm ci`` in the checkout (``scripts/setup.sh``
runs it) puts the version ``package-lock.json`` pins under ``node_modules/``. Without it the site still
builds; ``demo.html`` then says in one line how to get it, and ``site`` prints the same line.

The ONNX files come from :func:`stylelab.export.export_onnx` (the committed nets: ``johnson-instance-la_muse``,
``cin-instance-4styles``, ``adain-decoder-craft``; about 25 s for the three on a 2-core CPU) and are cached
under ``build/cache/site-demo/`` (``$STYLELAB_SITE_CACHE``) by the sha256 of the weights, of the exporter's and
the nets' code and the torch and onnx versions, so a rebuild does not export again (about 3 s for the demo).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

from ..errors import StylelabError
from ..provenance import REPO_ROOT

#: Photos and style images are scaled so that their longer side is at most this many pixels (the exported
#: graphs take any size: they pad to their multiple by reflection and crop back inside).
MAX_SIDE = 512
ORT_PACKAGE = "onnxruntime-web"
ORT_SCRIPT = "ort.webgpu.min.js"  # WebGPU + WASM execution providers, one WebAssembly module for both
ORT_GLUE = "ort-wasm-simd-threaded.asyncify.mjs"
ORT_WASM = "ort-wasm-simd-threaded.asyncify.wasm"
CACHE_ENV = "STYLELAB_SITE_CACHE"
NODE_MODULES_ENV = "STYLELAB_NODE_MODULES"
MISSING_ORT = ("the demo needs onnxruntime-web from npm: run `npm ci` in the checkout (scripts/setup.sh does), "
               "then python -m stylelab site")


@dataclass(frozen=True)
class DemoNet:
    """One net of the demo: the method and weights it is exported from, and how the page labels it."""

    key: str  # johnson, cin, adain: the file demo/models/<key>.js
    method: str  # the registry's method name
    weights: str  # a registered model name (stylelab/data/weights.tsv)
    title: str
    note: str


NETS = (
    DemoNet("johnson", "johnson", "johnson-instance-la_muse", "Johnson et al. (one style: La Muse)",
            "one forward pass of the transform net trained on La Muse"),
    DemoNet("cin", "cin", "cin-instance-4styles", "CIN, Dumoulin et al. (four styles, mixed by the sliders)",
            "one net, one (γˢ, βˢ) pair per style; the sliders' weights mix them: γ = Σ wₛ γˢ, β = Σ wₛ βˢ"),
    DemoNet("adain", "adain", "adain-decoder-craft", "AdaIN, Huang & Belongie (any style image, α)",
            "T(c, s) = g(α·AdaIN(f(c), f(s)) + (1 − α)·f(c))"),
)
#: The bundled photos and AdaIN styles (asset names); any that cannot be fetched at build time is left out.
CONTENT_IMAGES = ("content/cornell", "content/golden_gate", "content/chicago", "content/sailboat")
STYLE_IMAGES = ("style/la_muse", "style/sketch", "style/woman_with_hat_matisse", "style/scene_de_rue",
                "style/mondrian", "style/brushstrokes")


@dataclass
class DemoReport:
    page: Path
    ort_version: str | None = None
    nets: list[str] = field(default_factory=list)
    images: int = 0
    notes: list[str] = field(default_factory=list)  # one line each: what was left out and why


def node_modules_dir() -> Path:
    """Where ``npm ci`` put the packages: ``$STYLELAB_NODE_MODULES`` or ``<checkout>/node_modules``."""
    return Path(os.environ.get(NODE_MODULES_ENV) or REPO_ROOT / "node_modules")


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or REPO_ROOT / "build" / "cache" / "site-demo")


def ort_dist(node_modules: Path) -> tuple[Path, str] | None:
    """onnxruntime-web's ``dist`` folder and version, or None when it (or a file the demo needs) is missing."""
    package = node_modules / ORT_PACKAGE
    dist = package / "dist"
    if not all((dist / name).is_file() for name in (ORT_SCRIPT, ORT_GLUE, ORT_WASM)):
        return None
    version = json.loads((package / "package.json").read_text(encoding="utf-8")).get("version", "?")
    return dist, version


def _b64gz(data: bytes) -> str:
    return base64.b64encode(gzip.compress(data, compresslevel=6, mtime=0)).decode("ascii")


def _sha(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()[:16]


def _cached(name: str, key: str, make) -> str:
    """The text ``make()`` returns, kept in the cache as ``<name>-<key>.js`` (written atomically)."""
    folder = cache_dir()
    path = folder / f"{name}-{key}.js"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    text = make()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob(f"{name}-*.js"):  # one version per name
            old.unlink()
        tmp = path.with_suffix(".part")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # an unwritable cache only costs time
    return text


# --- the pieces --------------------------------------------------------------------------------

def runtime_script(dist: Path, version: str) -> str:
    """``demo/ort-runtime.js``: the loader module's text and the gzipped WebAssembly module."""
    glue = (dist / ORT_GLUE).read_bytes()
    wasm = (dist / ORT_WASM).read_bytes()

    def make() -> str:
        return ("// onnxruntime-web " + version + ": " + ORT_GLUE + " (text) and " + ORT_WASM + " (gzip, base64)\n"
                "window.stylelabRuntime = {version: " + json.dumps(version) + ", glue: " + json.dumps(glue.decode("utf-8"))
                + ",\n wasm: \"" + _b64gz(wasm) + "\"};\n")

    return _cached("ort-runtime", _sha(glue, wasm), make)


def export_net(net: DemoNet, folder: Path) -> Path:
    """The net's ONNX file, written by :func:`stylelab.export.export_onnx`."""
    from ..export import export_onnx

    return Path(export_onnx(net.method, net.weights, folder / f"{net.key}.onnx"))


def onnx_metadata(path: Path) -> dict[str, str]:
    """The file's metadata (``stylelab.inputs``, ``stylelab.min_side``, ``stylelab.styles``, …)."""
    import onnx

    return {p.key: p.value for p in onnx.load(str(path), load_external_data=False).metadata_props}


def onnx_inputs(path: Path) -> list[dict]:
    """Each graph input's name, element type and shape (symbolic dimensions as names)."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    out = []
    for value in model.graph.input:
        tensor = value.type.tensor_type
        dims = [d.dim_param or d.dim_value for d in tensor.shape.dim]
        out.append({"name": value.name, "type": onnx.TensorProto.DataType.Name(tensor.elem_type).lower(), "shape": dims})
    return out


def classify_inputs(inputs: list[dict]) -> dict[str, str]:
    """What the page feeds each input: the first image input gets the photo, the second the style image;
    a float input of rank ≤ 1 is α; a float (1, S) input the mixing weights; an integer input the style id."""
    roles: dict[str, str] = {}
    images = [i for i in inputs if len(i["shape"]) == 4]
    for role, spec in zip(("content", "style"), images):
        roles[spec["name"]] = role
    for spec in inputs:
        if spec["name"] in roles:
            continue
        if spec["type"].startswith("int"):
            roles[spec["name"]] = "style_id"
        elif len(spec["shape"]) <= 1:
            roles[spec["name"]] = "alpha"
        elif len(spec["shape"]) == 2:
            roles[spec["name"]] = "weights"
        else:
            raise StylelabError(f"the demo does not know what to feed the ONNX input {spec['name']} {spec['shape']}")
    return roles


def net_styles(net: DemoNet) -> list[str]:
    """The styles a net mixes (one slider each): its own styles when it has several (asset names like
    ``style/la_muse``); none for a one-style net or a net that takes style images."""
    from ..export import load

    styles = list(load(net.method, net.weights).net_styles())
    return styles if len(styles) > 1 else []


def model_script(net: DemoNet) -> str:
    """``demo/models/<key>.js``: the exported ONNX file (gzip, base64) and what the page needs to run it."""
    from ..registry import resolve

    weights = resolve(net.weights, "model").read_bytes()

    def make() -> str:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = export_net(net, Path(tmp))
            onnx_bytes = path.read_bytes()
            inputs, metadata = onnx_inputs(path), onnx_metadata(path)
        described = json.loads(metadata.get("stylelab.inputs") or "{}")
        for spec in inputs:
            spec["about"] = described.get(spec["name"], "")
        meta = {**asdict(net), "inputs": inputs, "roles": classify_inputs(inputs), "styles": net_styles(net),
                "minSide": int(metadata.get("stylelab.min_side") or 1), "opset": metadata.get("stylelab.opset"),
                "onnx_bytes": len(onnx_bytes), "onnx_sha256": hashlib.sha256(onnx_bytes).hexdigest()}
        return (f"// {net.key}: {net.weights} exported to ONNX by stylelab.export (gzip, base64)\n"
                f"stylelabDemo.registerModel({json.dumps(meta, ensure_ascii=False)},\n\"{_b64gz(onnx_bytes)}\");\n")

    return _cached(f"model-{net.key}", _sha(weights, net.key.encode(), *_exporter_sources()), make)


def _exporter_sources() -> list[bytes]:
    """What an exported graph depends on besides the weights: the exporter, the nets' code, the versions
    of torch and onnx (the cache key of :func:`model_script`)."""
    import onnx
    import torch

    package = Path(__file__).resolve().parents[1]
    files = [package / name for name in ("export.py", "nets.py", "norms.py", "fastpath.py", "encoders.py")]
    files += sorted((package / "methods").rglob("*.py"))
    return [p.read_bytes() for p in files if p.is_file()] + [f"torch {torch.__version__} onnx {onnx.__version__}".encode()]


def model_meta(script: str) -> dict:
    """The metadata a model script registers (its first JSON argument)."""
    start = script.index("stylelabDemo.registerModel(") + len("stylelabDemo.registerModel(")
    return json.loads(script[start:script.index("\n", start)].rstrip(","))


def image_data_url(path: Path, max_side: int = MAX_SIDE) -> tuple[str, int, int]:
    """The image as a JPEG data URL, its longer side at most ``max_side``."""
    from PIL import Image

    from ..images import to_rgb

    with Image.open(path) as image:
        image = to_rgb(image)
        scale = min(1.0, max_side / max(image.size))
        if scale < 1:
            image = image.resize((round(image.width * scale), round(image.height * scale)), Image.LANCZOS)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"), image.width, image.height


def images_script(names: dict[str, tuple[str, ...]], notes: list[str]) -> tuple[str, int]:
    """``demo/images.js``: the bundled images that could be fetched (each one left out is noted)."""
    from .. import assets

    bundle: dict[str, list[dict]] = {}
    missing: list[str] = []
    for kind, wanted in names.items():
        bundle[kind] = []
        for name in wanted:
            try:
                path = assets.fetch(name)
            except StylelabError:
                missing.append(name)
                continue
            url, width, height = image_data_url(path)
            bundle[kind].append({"name": name, "label": name.split("/", 1)[1].replace("_", " "), "url": url,
                                 "width": width, "height": height})
    if missing:
        notes.append(f"demo: {len(missing)} bundled image(s) left out, not available here ({', '.join(missing)}): "
                     f"set {assets.MIRROR_ENV} or build online; the file pickers still work")
    count = sum(len(v) for v in bundle.values())
    return f"stylelabDemo.registerImages({json.dumps(bundle)});\n", count


# --- the page ----------------------------------------------------------------------------------

def _template(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def write_demo(out: Path, *, node_modules: Path | None = None, nets: tuple[DemoNet, ...] = NETS,
               revision: str = "") -> DemoReport:
    """Write ``demo.html`` and ``demo/`` into the site folder ``out``; what was written and left out."""
    from jinja2 import Environment
    from markupsafe import Markup

    node_modules = node_modules or node_modules_dir()
    report = DemoReport(page=out / "demo.html")
    folder = out / "demo"
    shutil.rmtree(folder, ignore_errors=True)
    found = ort_dist(node_modules)
    metas = []
    if found is None:
        report.notes.append(f"demo: {node_modules / ORT_PACKAGE} is missing: {MISSING_ORT}")
    else:
        dist, report.ort_version = found
        files = {"demo.js": _template("demo.js"), ORT_SCRIPT: (dist / ORT_SCRIPT).read_text(encoding="utf-8"),
                 "ort-runtime.js": runtime_script(dist, report.ort_version)}
        for net in nets:
            try:
                script = model_script(net)
            except StylelabError as exc:  # e.g. the onnx packages missing: the other nets still go in
                report.notes.append(f"demo: the {net.key} net left out: {exc}")
                continue
            files[f"models/{net.key}.js"] = script
            metas.append(model_meta(script))
            report.nets.append(net.key)
        cin_styles = [s for m in metas for s in m["styles"]]
        files["images.js"], report.images = images_script(
            {"content": CONTENT_IMAGES, "style": tuple(dict.fromkeys(STYLE_IMAGES + tuple(cin_styles)))}, report.notes)
        for name, text in files.items():
            path = folder / name
            _write_text(path, text)
    page = Environment(autoescape=True).from_string(_template("demo.html.j2")).render(
        available=bool(metas), missing=MISSING_ORT if found is None else "no net could be exported to ONNX: "
        + "; ".join(n for n in report.notes if " net left out: " in n), ort_version=report.ort_version, nets=metas,
        nets_json=Markup(json.dumps(metas, ensure_ascii=False)), max_side=MAX_SIDE,
        revision=revision, style=Markup(_template("demo.css")))
    _write_text(report.page, page)
    return report


def _write_text(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise StylelabError(f"cannot write {path}: {exc.strerror or exc}") from None
