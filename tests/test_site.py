"""``python -m stylelab site``: the committed notebooks as HTML pages, an index in deck order, the figures,
equations typeset from the site folder, and ``demo.html`` (the nets in the browser), driven in headless Chromium."""

import base64
import functools
import html
import http.server
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import pytest
from markupsafe import escape
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from stylelab import glossary, headless, provenance, site, site_demo, slide_map
from stylelab.errors import StylelabError

NOTEBOOKS = provenance.REPO_ROOT / "notebooks"
FIGURES = provenance.REPO_ROOT / "figures" / "quick"
DECK = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
HANGUL_WORD = re.compile(r"[\uac00-\ud7a3]{2,}")

pytestmark = pytest.mark.skipif(not DECK or not FIGURES.is_dir(), reason="no committed notebooks or figures/quick")


NODE_MODULES = site_demo.node_modules_dir()
CHROMIUM = headless.find_chromium()
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed here "
                                    "(apt-get install -y chromium fonts-noto-cjk; CI's .ci/run installs it)")
#: The demo's output against torch's, on 0-255 (the issue's bound: max |Δ| ≤ 2/255).
PIXEL_TOLERANCE = 2


def _need_node_modules():
    """The npm packages (onnxruntime-web, MathJax) are part of the setup, not optional: say how to get them."""
    missing = [p for p in ("onnxruntime-web/package.json", "mathjax/package.json") if not (NODE_MODULES / p).is_file()]
    if missing:
        pytest.fail(f"{NODE_MODULES} lacks {', '.join(missing)}: run `npm ci --ignore-scripts` in the checkout "
                    f"(bash scripts/setup.sh does)")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    site.build_site(out, NOTEBOOKS, FIGURES)
    return out


def _page(out, notebook):
    return (out / notebook.with_suffix(".html").name).read_text(encoding="utf-8")


def _image_outputs(notebook) -> int:
    cells = nbformat.read(notebook, as_version=4).cells
    return sum(1 for c in cells if c.cell_type == "code" for o in c.outputs
               if {"image/png", "image/jpeg"} & set(o.get("data", {})))


def test_every_notebook_has_a_utf8_page(built):
    for notebook in DECK:
        assert '<meta charset="utf-8"' in _page(built, notebook), notebook.name


def test_index_links_every_page_in_deck_order_with_its_heading_and_revision(built):
    index = (built / "index.html").read_text(encoding="utf-8")
    links = [h for h in re.findall(r'href="([^"]+)"', index) if h not in ("figures.html", "demo.html")]
    assert links == [n.with_suffix(".html").name for n in DECK]
    for notebook in DECK:
        heading = site.first_heading(nbformat.read(notebook, as_version=4), "")
        assert heading and str(escape(heading)) in index
    assert '<meta charset="utf-8"' in index and provenance.git_revision() in index


def test_index_shows_the_slide_map_and_the_glossary_bilingual(built):
    index = (built / "index.html").read_text(encoding="utf-8")
    assert "슬라이드 지도 · Slide map" in index and "용어집 · Glossary" in index
    slide_map_part = index.split('id="slide-map"', 1)[1].split('id="glossary"', 1)[0]
    shown = html.unescape(slide_map_part)
    assert len(re.findall(r"<tr>", slide_map_part)) == len(slide_map.rows()) + 1
    for row in slide_map.rows():
        for text in (row["heading"], row["korean"], row["english"]):
            assert text in shown, text
        for section in slide_map.sections(row):
            assert f"<code>{section}</code>" in shown, str(section)
    glossary_part = index.split('id="glossary"', 1)[1]
    rows = re.findall(r"<tr>(.*?)</tr>", glossary_part, re.S)
    assert len(rows) == len(glossary.terms()) + 1  # the header row and one row per term: no row broken
    for term, row in zip(glossary.terms().values(), rows[1:]):
        assert f"<td>{term['korean']}</td>" in html.unescape(row) and term["english"] in html.unescape(row)


def test_every_image_output_is_an_embedded_img(built):
    for notebook in DECK:
        embedded = re.findall(r'<img[^>]+src="data:image/(?:png|jpeg);base64,', _page(built, notebook))
        assert len(embedded) == _image_outputs(notebook) > 0, notebook.name


def test_hangul_from_the_markdown_cells_is_in_the_page(built):
    for notebook in DECK:
        markdown = "\n".join(c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "markdown")
        words = set(HANGUL_WORD.findall(markdown))
        page = _page(built, notebook)
        assert words and not [w for w in words if w not in page], notebook.name


def test_figures_are_copied_and_shown(built):
    figures_page = (built / "figures.html").read_text(encoding="utf-8")
    pngs = sorted(FIGURES.glob("[0-9][0-9]_*.png"))
    assert pngs
    for png in pngs:
        assert (built / "figures" / "quick" / png.name).read_bytes() == png.read_bytes()
        assert f'<img src="figures/quick/{png.name}"' in figures_page
    assert '<meta charset="utf-8"' in figures_page and "<table>" in figures_page  # the .md tables, rendered


def _tiny_deck(folder, executed: bool):
    folder.mkdir()
    cell = new_code_cell("1 + 1", execution_count=1 if executed else None)
    nbformat.write(new_notebook(cells=[new_markdown_cell("# 99 · 시험 · probe"), cell]), folder / "99_probe.ipynb")
    return folder


@pytest.mark.parametrize("case", ["no notebooks folder", "unexecuted notebook", "unwritable out"])
def test_bad_input_is_a_one_line_error(tmp_path, case):
    notebooks = tmp_path / "missing" if case == "no notebooks folder" else \
        _tiny_deck(tmp_path / "notebooks", executed=case != "unexecuted notebook")
    (tmp_path / "a_file").write_text("in the way")
    out = tmp_path / "a_file" / "site" if case == "unwritable out" else tmp_path / "site"
    with pytest.raises(StylelabError) as error:
        site.build_site(out, notebooks, FIGURES)
    assert "\n" not in str(error.value)
    expected = {"no notebooks folder": "no notebooks folder", "unexecuted notebook": "99_probe.ipynb is not executed",
                "unwritable out": "cannot create the site folder"}[case]
    assert expected in str(error.value)
    assert not (tmp_path / "site").exists()  # refused before writing anything


def test_cli_error_exits_2_with_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "stylelab", "site", "--notebooks", str(tmp_path / "missing"),
                             "--out", str(tmp_path / "site")], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("error: no notebooks folder") and result.stderr.count("\n") == 1


# --- equations without a network ------------------------------------------------------------------

def _markdown_math(notebook) -> list[str]:
    """The TeX of the markdown cells: $…$ and $$…$$ spans."""
    text = "\n".join(c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "markdown")
    return re.findall(r"\$\$.+?\$\$|\$[^$\n]+\$", text, flags=re.S)


def test_pages_load_nothing_from_a_cdn(built):
    _need_node_modules()
    assert (built / site.MATHJAX_SITE_PATH).is_file()
    for name in [n.with_suffix(".html").name for n in DECK] + ["index.html", "figures.html", "demo.html"]:
        html = (built / name).read_text(encoding="utf-8")
        remote = re.findall(r'<script[^>]+src="(https?:[^"]+)"', html)
        assert not remote, (name, remote)
    assert 'src="mathjax/tex-svg-full.js"' in _page(built, DECK[0])
    assert "Equations are typeset by the MathJax copied into this folder" in (built / "index.html").read_text(encoding="utf-8")


@needs_chromium
def test_equations_render_in_chromium_with_the_network_off(built):
    """Every page whose markdown has TeX: typeset by the bundled MathJax (SVG), no TeX source left in the
    rendered markdown, no MathJax error, and nothing requested but the site's own files."""
    _need_node_modules()
    pages = [n for n in DECK if _markdown_math(n)]
    assert any(n.name.startswith("04_") for n in pages)
    with headless.Chromium(offline=True) as browser:
        for notebook in pages:
            page = browser.open((built / notebook.with_suffix(".html").name).as_uri())
            page.wait_for("document.body.dataset.mathjax === 'done'", timeout=30)
            typeset = page.evaluate("document.querySelectorAll('mjx-container svg').length")
            errors = page.evaluate("document.querySelectorAll('mjx-merror, [data-mjx-error]').length")
            rendered = page.evaluate("[...document.querySelectorAll('.jp-RenderedMarkdown, .jp-MarkdownOutput')]"
                                     ".map(e => e.innerText).join('\\n')")
            left = re.findall(r"\$[^$\n]*\\[A-Za-z]+[^$\n]*\$", rendered)
            assert typeset >= 1 and errors == 0 and not left, (notebook.name, typeset, errors, left[:3])
            assert "\\mathrm{AdaIN}" not in rendered
            outside = [r for r in page.requests if r["failed"] or not r["url"].startswith(("file:", "data:"))]
            assert not outside, (notebook.name, outside)


# --- the live demo --------------------------------------------------------------------------------

def test_demo_page_and_its_files_are_in_the_site(built):
    _need_node_modules()
    html = (built / "demo.html").read_text(encoding="utf-8")
    assert '<meta charset="utf-8"' in html and 'id="photo-file"' in html and 'id="style-file"' in html
    assert f"at most <b>{site_demo.MAX_SIDE} px</b>" in html  # the stated maximum side
    for src in re.findall(r'<script[^>]+src="([^"]+)"', html):
        assert (built / src).is_file(), src
    for name in ("demo/ort-runtime.js", "demo/images.js", "demo/models/johnson.js", "demo/models/cin.js",
                 "demo/models/adain.js"):
        assert (built / name).stat().st_size > 0, name
    metas = {key: site_demo.model_meta((built / "demo" / "models" / f"{key}.js").read_text(encoding="utf-8"))
             for key in ("johnson", "cin", "adain")}
    assert set(metas["johnson"]["roles"].values()) == {"content"}
    assert sorted(metas["cin"]["roles"].values()) == ["content", "weights"] and len(metas["cin"]["styles"]) == 4
    assert sorted(metas["adain"]["roles"].values()) == ["alpha", "content", "style"]
    assert html.count('class="slider"') == 0 and 'id="mix-sliders"' in html  # one slider per style, made by demo.js
    assert 'href="demo.html"' in (built / "index.html").read_text(encoding="utf-8")


def test_without_node_modules_the_site_builds_and_says_how_to_get_them(tmp_path):
    empty = tmp_path / "node_modules"
    empty.mkdir()
    notes = []
    site.build_site(tmp_path / "site", NOTEBOOKS, FIGURES, node_modules=empty, notes=notes)
    assert len(notes) == 2 and all("\n" not in n and "npm ci" in n for n in notes), notes
    assert "npm ci" in (tmp_path / "site" / "demo.html").read_text(encoding="utf-8")
    assert not (tmp_path / "site" / "demo").exists()
    assert "cdnjs.cloudflare.com/ajax/libs/mathjax" in _page(tmp_path / "site", DECK[0])  # the online fallback


def _fixed_photo(folder: Path) -> tuple[Path, Path]:
    """A 90×62 photo and a 60×52 style image (sizes that are no multiple of 4 or 8: the graphs pad inside),
    from the AdaIN test images when they are here, else a fixed synthetic picture."""
    import numpy as np
    from PIL import Image

    from stylelab import assets

    made = []
    for name, size in (("content/cornell", (90, 62)), ("style/sketch", (60, 52))):
        path = folder / f"{name.split('/')[1]}.png"
        try:
            image = Image.open(assets.fetch(name)).convert("RGB").resize(size, Image.LANCZOS)
        except StylelabError:
            y, x = np.mgrid[0:size[1], 0:size[0]]
            rgb = np.stack([x * 255 // size[0], y * 255 // size[1], (x * y) % 256], -1).astype(np.uint8)
            image = Image.fromarray(rgb)
        image.save(path)  # PNG without a colour profile: the browser decodes the same bytes PIL does
        made.append(path)
    return made[0], made[1]


def _torch_reference(photo: Path, style: Path, nets=("johnson", "adain", "cin")) -> dict:
    """What each run of the browser test should give: the methods' own torch ``stylize``, 8-bit."""
    import torch

    from stylelab import images
    from stylelab.methods import base

    content, style_image = images.load_image(photo), images.load_image(style)
    runs = {"johnson": lambda m: m.stylize(content, [0]),
            "adain": lambda m: m.stylize(content, [style_image], alpha=0.75),
            "cin": lambda m: m.stylize(content, [0.3, 0.0, 0.7, 0.0])}
    with torch.no_grad():
        outputs = {net: runs[net](base.get(net).load(None)) for net in nets}
    return {k: (v.clamp(0, 1) * 255).round().to(torch.uint8)[0].permute(1, 2, 0).numpy() for k, v in outputs.items()}


@pytest.fixture(scope="module")
def served(built):
    """The site folder on a static server (python's http.server), for the demo's second way of opening."""
    handler = functools.partial(_QuietHandler, directory=str(built))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@needs_chromium
@pytest.mark.parametrize("opened", ["file", "http"])
def test_demo_runs_in_chromium_and_matches_torch(built, served, tmp_path, opened):
    """demo.html in headless Chromium (network off), opened from disk and from a static server: a fixed photo
    through the file picker, the Johnson net, AdaIN (a style image through its picker, α = 0.75) and CIN (a
    two-style mixture from the sliders) on WASM; each output read back from the page's canvas matches the
    methods' torch output within 2/255, and the page shows the input size and the time per image."""
    import numpy as np

    _need_node_modules()
    photo, style = _fixed_photo(tmp_path)
    expected = _torch_reference(photo, style)
    url = (built / "demo.html").as_uri() if opened == "file" else f"{served}/demo.html"
    with headless.Chromium(offline=True) as browser:
        page = browser.open(url)
        try:
            page.wait_for("window.stylelabDemo !== undefined", timeout=20)
            page.evaluate("stylelabDemo.ready")
            page.set_files("#photo-file", [photo])
            page.set_files("#style-file", [style])
            page.evaluate("stylelabDemo.idle()")
            page.evaluate("document.getElementById('backend').value = 'wasm';"
                          "document.getElementById('alpha').value = '0.75';"
                          "const s = document.querySelectorAll('#mix-sliders input');"
                          "s.forEach((x, i) => { x.value = [30, 0, 70, 0][i]; });"
                          "s[0].dispatchEvent(new Event('input'))")
            for net in ("johnson", "adain", "cin"):
                page.evaluate(f"document.querySelector('input[name=net][value={net}]').click()")
                result = page.evaluate("stylelabDemo.run()", timeout=120)
                out = page.evaluate("stylelabDemo.outputBase64()")
                got = np.frombuffer(base64.b64decode(out["rgba"]), np.uint8).reshape(out["height"], out["width"], 4)
                diff = np.abs(got[..., :3].astype(int) - expected[net].astype(int))
                assert got.shape[:2] == expected[net].shape[:2] == (62, 90), net
                assert diff.max() <= PIXEL_TOLERANCE, (net, int(diff.max()), float(diff.mean()))
                assert (result["backend"], result["width"], result["height"]) == ("wasm", 90, 62) and result["ms"] >= 0
                info = page.evaluate("document.getElementById('output-info').textContent")
                assert "90×62" in info and "ms per image" in info, info
            assert json.loads(page.evaluate("document.body.dataset.lastRun"))["weights"] == [0.3, 0, 0.7, 0]
            outside = [r["url"] for r in page.requests
                       if r["failed"] or not r["url"].startswith(("file:", "data:", "blob:", served))]
            assert not outside, outside
        except Exception:
            print("\n".join(page.console[-30:]))  # the page's own account, on failure
            raise


def test_cli_says_in_one_line_what_the_site_left_out(tmp_path):
    empty = tmp_path / "node_modules"
    empty.mkdir()
    result = subprocess.run([sys.executable, "-m", "stylelab", "site", "--out", str(tmp_path / "site")],
                            capture_output=True, text=True, env={**os.environ, "STYLELAB_NODE_MODULES": str(empty)})
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert any(line.startswith("demo: ") and "npm ci" in line for line in lines), lines
    assert any(line.startswith("site: ") and "MathJax" in line for line in lines), lines
    assert "demo.html" in result.stdout


@needs_chromium
@pytest.mark.slow
def test_demo_webgpu_backend_matches_torch(built, tmp_path):
    """The demo's WebGPU path (backend "auto" picks it when the browser offers an adapter): Chromium with its
    software Vulkan (SwiftShader) instead of --disable-gpu, the Johnson net, the same bound against torch."""
    import numpy as np

    _need_node_modules()
    photo, style = _fixed_photo(tmp_path)
    expected = _torch_reference(photo, style, nets=("johnson",))["johnson"]
    flags = ("--enable-unsafe-webgpu", "--enable-unsafe-swiftshader", "--use-webgpu-adapter=swiftshader",
             "--use-angle=swiftshader")
    with headless.Chromium(offline=True, gpu=True, extra_flags=flags) as browser:
        page = browser.open((built / "demo.html").as_uri())
        page.wait_for("window.stylelabDemo !== undefined", timeout=20)
        page.evaluate("stylelabDemo.ready")
        if not page.evaluate("(async () => !!(navigator.gpu && await navigator.gpu.requestAdapter()))()"):
            pytest.skip("this chromium offers no WebGPU adapter, not even SwiftShader's")
        page.set_files("#photo-file", [photo])
        page.evaluate("stylelabDemo.idle()")
        page.evaluate("document.getElementById('backend').value = 'auto';"
                      "document.querySelector('input[name=net][value=johnson]').click()")
        result = page.evaluate("stylelabDemo.run()", timeout=120)
        out = page.evaluate("stylelabDemo.outputBase64()")
    got = np.frombuffer(base64.b64decode(out["rgba"]), np.uint8).reshape(out["height"], out["width"], 4)
    assert result["backend"] == "webgpu"
    assert np.abs(got[..., :3].astype(int) - expected.astype(int)).max() <= PIXEL_TOLERANCE
