"""``python -m stylelab site``: the executed notebooks as a static HTML site, to read without installing anything.

    python -m stylelab site                       # build/site/index.html
    python -m stylelab site --out /tmp/site       # anywhere else
    python -m stylelab site --no-demo             # the notebook pages only (no ONNX export)

Each committed notebook ``notebooks/NN_*.ipynb`` becomes ``NN_*.html`` through nbconvert's
``HTMLExporter`` (JupyterLab template) with its outputs as committed: nothing is executed here
(``python -m stylelab.reproduce --inplace`` refreshes them). Images are embedded in the pages, so a page
is one self-contained file. ``index.html`` lists the notebooks in deck order (file-name order) with
each one's first heading and the git revision that built the site, then the slide map (every heading of the
study group's deck → the notebook section that reproduces it, :mod:`stylelab.slide_map`) and the glossary
(:mod:`stylelab.glossary`), both bilingual; ``figures.html`` shows the
stamped figures and tables of ``figures/quick/``, copied beside it. Every page declares UTF-8, so the
Korean text renders in any browser with a Hangul font.

``demo.html`` runs the committed nets in the reader's browser with onnxruntime-web (:mod:`stylelab.site_demo`).

Equations render without a network: MathJax 3 (``mathjax/tex-svg-full.js``, the npm package ``mathjax``
that ``npm ci`` installs from ``package-lock.json``) is copied into the site folder once and every page
loads it from there, with the TeX delimiters of the notebooks (``$…$``, ``$$…$$``) and SVG output, which
needs no web fonts. Without ``node_modules/mathjax`` the pages fall back to nbconvert's MathJax 2.7 from a
CDN (equations render only online) and ``site`` says so in one line. require.js (for widget outputs) is
loaded from its CDN only by a notebook that saved widget state, which the committed notebooks do not; so
a page needs nothing but the site folder.

What the build could not include (onnxruntime-web or MathJax missing, a bundled image unavailable offline)
is printed one line each on stderr; the site is still written.

A user error (no notebooks folder, an unexecuted notebook, an out folder that cannot be written)
prints one line ``error: …`` to stderr and exits with status 2, as ``python -m stylelab`` does.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import glossary, slide_map
from .errors import StylelabError, command
from .provenance import REPO_ROOT, git_revision
from .reproduce import notebooks_dir

#: The bundled MathJax: the npm package and the one file of it the pages load (TeX in, SVG out, every TeX
#: extension inside, so nothing else is fetched).
MATHJAX_PACKAGE, MATHJAX_FILE = "mathjax", "es5/tex-svg-full.js"
MATHJAX_SITE_PATH = "mathjax/tex-svg-full.js"
#: MathJax 3's version of nbconvert's MathJax 2 settings: the same delimiters, escapes, environments, AMS numbering.
MATHJAX_CONFIG = ("window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], "
                  "displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']], processEscapes: true, processEnvironments: true, "
                  "tags: 'ams'}, svg: {fontCache: 'global'}, "
                  "startup: {typeset: true, pageReady: () => MathJax.startup.defaultPageReady()"
                  ".then(() => { document.body.dataset.mathjax = 'done'; })}};")
MISSING_MATHJAX = ("the equations need MathJax from npm: run `npm ci` in the checkout (scripts/setup.sh does); until then "
                   "the pages load MathJax from a CDN and show raw LaTeX offline")
FIGURES_PROFILE = "quick"  # the committed notebooks and figures are the quick profile's
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")

# Each notebook page is nbconvert's lab page with a way back to the contents.
PAGE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{% block html_head_js_requirejs %}{% if "widgets" in nb.metadata %}{{ super() }}{% endif %}{% endblock html_head_js_requirejs %}
{% block html_head_js_mathjax %}{% if resources.stylelab_mathjax %}
<script>{{ resources.stylelab_mathjax_config }}</script>
<script id="MathJax-script" defer src="{{ resources.stylelab_mathjax }}"></script>
{% else %}{{ super() }}{% endif %}{% endblock html_head_js_mathjax %}
{% block body_header %}{{ super() }}
<nav style="padding: 8px 16px; font-family: var(--jp-ui-font-family)"><a href="index.html">← 목차 · contents</a></nav>
{% endblock body_header %}"""

SITE_STYLE = """body { font-family: system-ui, "Noto Sans CJK KR", "Noto Sans KR", sans-serif; max-width: 60rem;
  margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
td, th { border: 1px solid #ccc; padding: 2px 8px; } table { border-collapse: collapse; }
figure { margin: 1.5rem 0; } figure img { max-width: 100%; } .stamp { color: #666; font-size: 0.9em; }
section h1 { font-size: 1.1em; } a.anchor-link { display: none; }"""

INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><title>stylelab notebooks</title><style>{{ style }}</style></head>
<body>
<h1>stylelab: 실행된 노트북 · the executed notebooks</h1>
<p>Built from the committed notebooks (their saved outputs; nothing was re-run) at git revision
<code>{{ revision }}</code>. {% if mathjax %}Equations are typeset by the MathJax copied into this folder
(<code>{{ mathjax }}</code>): the pages need no network.{% else %}Equations load MathJax from a CDN: offline,
their LaTeX source shows instead (run <code>npm ci</code> and rebuild to bundle it).{% endif %}</p>
{% if demo %}<p><a href="demo.html"><b>브라우저에서 돌려 보기 · live demo</b></a>: your own photo through the Johnson,
CIN and AdaIN nets, in this browser (onnxruntime-web{% if demo.ort_version %} {{ demo.ort_version }}{% endif %}).</p>{% endif %}
<table>
<tr><th>#</th><th>notebook</th><th>file</th></tr>
{% for page in pages %}<tr><td>{{ page.number }}</td><td><a href="{{ page.html_name }}">{{ page.title }}</a></td>
<td><code>notebooks/{{ page.source_name }}</code></td></tr>
{% endfor %}</table>
<p><a href="figures.html">그림과 표 · figures and tables</a> ({{ figure_count }} files from <code>{{ figures_folder }}</code>)</p>
<h2 id="slide-map">슬라이드 지도 · Slide map</h2>
<p>스터디 발표 자료의 모든 슬라이드 제목과, 그 슬라이드를 재현하는 노트북 절입니다(<code>stylelab/data/slide_map.tsv</code>).</p>
<p>Every slide heading of the study group's deck and the notebook section that reproduces it
(<code>stylelab/data/slide_map.tsv</code>).</p>
<section class="slide-map">{{ slide_map }}</section>
<h2 id="glossary">용어집 · Glossary</h2>
<p>모든 노트북과 이 사이트가 쓰는 용어의 한국어 표기입니다(<code>stylelab/data/glossary.tsv</code>).</p>
<p>The Korean form of each term, as every notebook and this site use it (<code>stylelab/data/glossary.tsv</code>).</p>
<section class="glossary">{{ glossary }}</section>
</body></html>
"""

FIGURES_TEMPLATE = """<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><title>stylelab figures and tables</title><style>{{ style }}</style></head>
<body>
<p><a href="index.html">← 목차 · contents</a></p>
<h1>그림과 표 · figures and tables (<code>{{ figures_folder }}</code>)</h1>
<p class="stamp">Each file carries its own stamp (encoder, device, profile, git revision). Site built at
<code>{{ revision }}</code>.</p>
{% for heading, link, files in groups %}<h2>{% if link %}<a href="{{ link }}">{{ heading }}</a>{% else %}{{ heading }}{% endif %}</h2>
{% for file in files %}{% if file.suffix == ".png" %}<figure><img src="{{ folder }}/{{ file.name }}" alt="{{ file.name }}">
<figcaption><a href="{{ folder }}/{{ file.name }}">{{ file.name }}</a></figcaption></figure>
{% elif file.suffix == ".md" %}<section>{{ tables[file.name] }}
<p><a href="{{ folder }}/{{ file.name }}">{{ file.name }}</a> · <a href="{{ folder }}/{{ file.stem }}.csv">{{ file.stem }}.csv</a></p></section>
{% endif %}{% endfor %}{% endfor %}
</body></html>
"""


@dataclass(frozen=True)
class NotebookPage:
    source_name: str  # 03_conditional_instance_norm.ipynb
    number: str  # 03
    title: str  # the notebook's first markdown heading, as written (Korean and English)

    @property
    def html_name(self) -> str:
        return Path(self.source_name).with_suffix(".html").name


def notebook_paths(notebooks: Path) -> list[Path]:
    """The deck: ``NN_*.ipynb`` in file-name order, or a one-line error when there is none."""
    if not notebooks.is_dir():
        raise StylelabError(f"no notebooks folder at {notebooks}: run from a stylelab checkout or pass --notebooks")
    paths = sorted(notebooks.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise StylelabError(f"no NN_*.ipynb notebooks in {notebooks}")
    return paths


def read_executed(path: Path) -> nbformat.NotebookNode:
    """The notebook as committed; a one-line error when it cannot be read or a code cell never ran."""
    try:
        notebook = nbformat.read(path, as_version=4)
    except (OSError, ValueError, nbformat.ValidationError) as exc:  # unreadable, not JSON, not a notebook
        raise StylelabError(f"cannot read {path}: {exc}") from None
    unexecuted = [i for i, c in enumerate(notebook.cells)
                  if c.cell_type == "code" and c.source.strip() and c.get("execution_count") is None]
    if unexecuted:
        raise StylelabError(f"{path.name} is not executed (cell {unexecuted[0]} has never run): run "
                            f"python -m stylelab.reproduce --only {path.name[:2]} --inplace first")
    return notebook


def first_heading(notebook: nbformat.NotebookNode, fallback: str) -> str:
    """The first markdown heading's text (``# 03 · 조건부 … · Conditional …``), else ``fallback``."""
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            match = HEADING.match(line)
            if match:
                return match.group(1)
    return fallback


def page_exporter():
    """nbconvert's HTML exporter with the lab template (plus the contents link) and embedded images."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="lab", extra_loaders=[DictLoader({"stylelab_page.html.j2": PAGE_TEMPLATE})],
                        template_file="stylelab_page.html.j2", embed_images=True, language_code="ko")


def build_site(out: Path, notebooks: Path, figures: Path, *, demo: bool = True, node_modules: Path | None = None,
               notes: list[str] | None = None) -> Path:
    """Write one page per notebook, ``figures.html`` with the copied figures, ``demo.html`` (unless
    ``demo=False``) and ``index.html``; its path. What could not be included is appended to ``notes``
    (one line each: no onnxruntime-web or MathJax under ``node_modules``, a bundled image unavailable)."""
    from .site_demo import node_modules_dir, write_demo

    notes = [] if notes is None else notes
    notebook_list = notebook_paths(notebooks)
    if not figures.is_dir():
        raise StylelabError(f"no figures folder at {figures}: run python -m stylelab.reproduce --profile "
                            f"{FIGURES_PROFILE} first, or pass --figures")
    executed = [(path, read_executed(path)) for path in notebook_list]  # check them all before writing
    _make_folder(out)
    node_modules = node_modules or node_modules_dir()
    mathjax = _copy_mathjax(node_modules, out)
    if mathjax is None:
        notes.append(f"site: {node_modules / MATHJAX_PACKAGE / MATHJAX_FILE} is missing: {MISSING_MATHJAX}")
    exporter = page_exporter()
    pages = []
    for path, notebook in executed:
        page = NotebookPage(path.name, path.name[:2], first_heading(notebook, path.stem))
        resources = {"metadata": {"name": page.title}}
        if mathjax:
            resources.update(stylelab_mathjax=mathjax, stylelab_mathjax_config=MATHJAX_CONFIG)
        html, _ = exporter.from_notebook_node(notebook, resources=resources)
        _write(out / page.html_name, html)
        pages.append(page)
    figure_files = _copy_figures(figures, out / "figures" / figures.name)
    _write(out / "figures.html", _figures_page(pages, figure_files, figures))
    demo_report = None
    if demo:
        demo_report = write_demo(out, node_modules=node_modules, revision=git_revision())
        notes.extend(demo_report.notes)
    index = out / "index.html"
    _write(index, _render(INDEX_TEMPLATE, pages=pages, figure_count=len(figure_files),
                          figures_folder=_shown(figures), mathjax=mathjax, demo=demo_report,
                          slide_map=_markdown_html(slide_map.markdown()),
                          glossary=_markdown_html(glossary.markdown())))
    return index


def _markdown_html(text: str):
    """A Markdown table as HTML for the index (nbconvert's renderer, as the figures page's tables)."""
    from markupsafe import Markup
    from nbconvert.filters import markdown2html

    return Markup(markdown2html(text))


def _copy_mathjax(node_modules: Path, out: Path) -> str | None:
    """Copy the bundled MathJax into the site (``mathjax/tex-svg-full.js``); its URL from a page, or None."""
    source = node_modules / MATHJAX_PACKAGE / MATHJAX_FILE
    if not source.is_file():
        return None
    target = out / MATHJAX_SITE_PATH
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        version = json.loads((node_modules / MATHJAX_PACKAGE / "package.json").read_text(encoding="utf-8"))["version"]
        (target.parent / "VERSION").write_text(f"mathjax {version} (npm), {MATHJAX_FILE}\n", encoding="utf-8")
    except OSError as exc:
        raise StylelabError(f"cannot write {target}: {exc.strerror or exc}") from None
    return MATHJAX_SITE_PATH


def _figures_page(pages: list[NotebookPage], files: list[Path], figures: Path) -> str:
    """Figures grouped by the notebook that made them (file-name prefix NN); Markdown tables rendered inline."""
    from markupsafe import Markup
    from nbconvert.filters import markdown2html

    by_number = {page.number: page for page in pages}
    groups = []
    for number in sorted({f.name[:2] for f in files}):
        group = [f for f in files if f.name[:2] == number and f.suffix in (".png", ".md")]
        page = by_number.get(number)
        groups.append((page.title, page.html_name, group) if page else (f"{number} (no notebook)", None, group))
    tables = {f.name: Markup(markdown2html(f.read_text(encoding="utf-8"))) for f in files if f.suffix == ".md"}
    return _render(FIGURES_TEMPLATE, groups=groups, tables=tables, folder=f"figures/{figures.name}",
                   figures_folder=_shown(figures))


def _render(template: str, **values) -> str:
    from jinja2 import Environment
    from markupsafe import Markup

    return Environment(autoescape=True).from_string(template).render(style=Markup(SITE_STYLE),
                                                                     revision=git_revision(), **values)


def _copy_figures(figures: Path, target: Path) -> list[Path]:
    """Copy the stamped figures and tables (not INDEX.md: the figures page replaces it); the copies, sorted."""
    copies = [target / file.name for file in sorted(figures.glob("[0-9][0-9]_*"))]
    try:
        target.mkdir(parents=True, exist_ok=True)
        for copy in copies:
            shutil.copy2(figures / copy.name, copy)
    except OSError as exc:
        raise StylelabError(f"cannot write the figures into {target}: {exc.strerror or exc}") from None
    return copies


def _make_folder(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StylelabError(f"cannot create the site folder {out}: {exc.strerror or exc}") from None


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise StylelabError(f"cannot write {path}: {exc.strerror or exc}") from None


def _shown(path: Path) -> str:
    """A path as the reader knows it: relative to the checkout when inside it."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stylelab site", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=None, help="site folder (default: <checkout>/build/site)")
    parser.add_argument("--notebooks", type=Path, default=None, help="executed notebooks (default: <checkout>/notebooks)")
    parser.add_argument("--figures", type=Path, default=None,
                        help=f"stamped figures to include (default: <checkout>/figures/{FIGURES_PROFILE})")
    parser.add_argument("--no-demo", action="store_true", help="leave out demo.html (no ONNX export, no onnxruntime-web)")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or notebooks_dir()
    root = notebooks.resolve().parent  # the checkout
    out, figures = args.out or root / "build" / "site", args.figures or root / "figures" / FIGURES_PROFILE
    notes: list[str] = []
    index = build_site(out, notebooks, figures, demo=not args.no_demo, notes=notes)
    for note in notes:
        print(note, file=sys.stderr)
    demo = " and demo.html" if not args.no_demo else ""
    print(f"wrote {index}{demo} (rev {git_revision()}): open it in a browser (from disk, or python -m http.server)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
