"""``python -m stylelab site``: the committed notebooks as HTML pages, an index in deck order, the figures."""

import re
import subprocess
import sys

import nbformat
import pytest
from markupsafe import escape
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from stylelab import provenance, site
from stylelab.errors import StylelabError

NOTEBOOKS = provenance.REPO_ROOT / "notebooks"
FIGURES = provenance.REPO_ROOT / "figures" / "quick"
DECK = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
HANGUL_WORD = re.compile(r"[\uac00-\ud7a3]{2,}")

pytestmark = pytest.mark.skipif(not DECK or not FIGURES.is_dir(), reason="no committed notebooks or figures/quick")


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
    links = [h for h in re.findall(r'href="([^"]+)"', index) if h != "figures.html"]
    assert links == [n.with_suffix(".html").name for n in DECK]
    for notebook in DECK:
        heading = site.first_heading(nbformat.read(notebook, as_version=4), "")
        assert heading and str(escape(heading)) in index
    assert '<meta charset="utf-8"' in index and provenance.git_revision() in index


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
