"""The notebooks as a teacher (issue 19's "Must show"), checked on the committed notebooks and figures/quick:

* every notebook guards its claims with at least 5 ``assert`` statements, prints no failed check (``False``)
  and names no machine's folders in any output;
* a full Korean edition: Hangul syllables >= 0.25 × Latin letters in its markdown (LaTeX, code spans and
  HTML tags aside);
* it ends with ``## 연습 문제 · Exercises`` and a graded lab (``labs.check(``) after that heading;
* code lines of at most 100 characters;
* every stamp in ``figures/quick`` names one and the same revision; ``INDEX.md`` gives each notebook's time
  and a total within 20 minutes;
* the slide map (``stylelab/data/slide_map.tsv``) covers every slide heading of the deck and names notebook
  sections that exist; the README shows it as :func:`stylelab.slide_map.markdown` renders it.

A failure names the notebook and what it lacks, with the measured number.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import nbformat
import pytest
from PIL import Image

from stylelab import provenance, reproduce, slide_map

ROOT = provenance.REPO_ROOT
NOTEBOOKS = ROOT / "notebooks"
FIGURES = ROOT / "figures" / "quick"
DECK = Path(os.environ.get("STYLELAB_DECK", ROOT.parent / "shared" / "seed" / slide_map.DECK_NAME))
#: The deck's notebooks, 00 to 07 (07: the capstone).
EXPECTED = [f"{n:02d}" for n in range(8)]
PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))

MIN_ASSERTS = 5
MIN_HANGUL_RATIO = 0.25
MAX_LINE = 100
MAX_TOTAL_SECONDS = 20 * 60
EXERCISES = "연습 문제 · Exercises"

FAILED_CHECK = re.compile(r"^(?:.*:\s*)?False\s*$")  # a line that is just False, or ends with ": False"
MACHINE_PATH = re.compile(r"(/work/|/tmp/|/home/|/Users/|\b[A-Za-z]:\\|PosixPath\('/|WindowsPath\(')")
HANGUL = re.compile(r"[\uac00-\ud7a3]")
LATIN = re.compile(r"[A-Za-z]")
NOT_PROSE = [re.compile(r"\$\$.*?\$\$", re.S), re.compile(r"\$[^$\n]+\$"), re.compile(r"```.*?```", re.S),
             re.compile(r"`[^`\n]+`"), re.compile(r"<[^>\n]+>")]
REVISION_IN_STAMP = re.compile(r"\brev=([0-9A-Za-z-]+)")

pytestmark = pytest.mark.skipif(not PATHS, reason="no committed notebooks under notebooks/")


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def _ids(paths):
    return [p.stem for p in paths]


def _output_texts(cell) -> list[str]:
    """Every text an output of a code cell shows: streams, text/plain, text/markdown, text/html, tracebacks."""
    texts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            texts.append(output.get("text", ""))
        elif output.get("output_type") == "error":
            texts.append("\n".join(output.get("traceback", [])) + f"\n{output.get('ename')}: {output.get('evalue')}")
        for mime in ("text/plain", "text/markdown", "text/html", "text/latex"):
            value = output.get("data", {}).get(mime)
            if value:
                texts.append(value if isinstance(value, str) else "".join(value))
    return texts


def _python(source: str) -> str:
    """A code cell's Python: IPython magics and shell lines blanked (line numbers kept)."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def count_asserts(notebook) -> int:
    """``assert`` statements in the code cells (parsed; a cell that does not parse is counted by lines)."""
    total = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        source = _python(cell.source)
        try:
            total += sum(isinstance(node, ast.Assert) for node in ast.walk(ast.parse(source)))
        except SyntaxError:
            total += len(re.findall(r"^\s*assert\b", source, re.M))
    return total


def hangul_ratio(notebook) -> tuple[int, int]:
    """(Hangul syllables, Latin letters) in the markdown cells, LaTeX, code and HTML tags removed."""
    hangul = latin = 0
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        text = cell.source
        for pattern in NOT_PROSE:
            text = pattern.sub(" ", text)
        hangul += len(HANGUL.findall(text))
        latin += len(LATIN.findall(text))
    return hangul, latin


# --- every notebook -------------------------------------------------------------------------------------------

def test_the_deck_of_notebooks_is_complete_with_the_capstone():
    numbers = [p.name[:2] for p in PATHS]
    missing = [n for n in EXPECTED if n not in numbers]
    assert not missing, f"notebooks missing: {missing} (07 is the capstone, notebooks/07_capstone.ipynb)"


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_at_least_five_asserts_guard_the_claims(path):
    n = count_asserts(_read(path))
    assert n >= MIN_ASSERTS, f"{path.name}: {n} assert statements in its code cells (at least {MIN_ASSERTS})"


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_the_notebook_is_committed_executed(path):
    """The output checks below read the saved outputs: a notebook with cells never run would pass them unread."""
    cells = _read(path).cells
    code = [i for i, c in enumerate(cells) if c.cell_type == "code" and c.source.strip()]
    never = [i for i in code if cells[i].get("execution_count") is None]
    assert not never, (f"{path.name}: {len(never)} of {len(code)} code cells never ran (cells {never[:8]}); "
                       f"python -m stylelab.reproduce --profile quick --inplace executes them")


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_no_output_prints_a_failed_check(path):
    bad = [f"cell {i}: {line.strip()!r}" for i, cell in enumerate(_read(path).cells) if cell.cell_type == "code"
           for text in _output_texts(cell) for line in text.splitlines() if FAILED_CHECK.match(line.strip())]
    assert not bad, f"{path.name} prints a failed check (make it an assert): {'; '.join(bad[:5])}"


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_no_output_names_a_machine_path(path):
    bad = []
    for i, cell in enumerate(_read(path).cells):
        if cell.cell_type != "code":
            continue
        for text in _output_texts(cell):
            for match in MACHINE_PATH.finditer(text):
                line = text[text.rfind("\n", 0, match.start()) + 1:].split("\n", 1)[0]
                bad.append(f"cell {i}: {line.strip()[:90]!r}")
    assert not bad, f"{path.name}: {len(bad)} machine path(s) in outputs: {'; '.join(bad[:4])}"


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_the_korean_edition_is_full(path):
    hangul, latin = hangul_ratio(_read(path))
    ratio = hangul / max(latin, 1)
    assert ratio >= MIN_HANGUL_RATIO, (f"{path.name}: {hangul} Hangul syllables against {latin} Latin letters in "
                                       f"its markdown, ratio {ratio:.3f} (at least {MIN_HANGUL_RATIO})")


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_exercises_end_the_notebook_with_a_graded_lab(path):
    cells = _read(path).cells
    heading = next((i for i, c in enumerate(cells) if c.cell_type == "markdown"
                    and any(re.match(rf"^#+\s*{re.escape(EXERCISES)}\s*$", line) for line in c.source.splitlines())),
                   None)
    assert heading is not None, f"{path.name} has no '## {EXERCISES}' heading"
    graded = [i for i, c in enumerate(cells[heading + 1:], heading + 1) if c.cell_type == "code"
              and "labs.check(" in c.source]
    assert graded, f"{path.name}: no code cell after '{EXERCISES}' (cell {heading}) calls labs.check("


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_code_lines_are_at_most_100_characters(path):
    long = [(i, len(line)) for i, c in enumerate(_read(path).cells) if c.cell_type == "code"
            for line in c.source.splitlines() if len(line) > MAX_LINE]
    assert not long, (f"{path.name}: {len(long)} code line(s) over {MAX_LINE} characters, the longest "
                      f"{max(n for _, n in long)} (cells {sorted({i for i, _ in long})[:8]})")


# --- figures/quick: one revision, the run times ----------------------------------------------------------------

def stamp_revisions(folder: Path) -> dict[str, set[str]]:
    """revision → files whose stamp names it: PNG metadata ``Revision``, a table's ``_stylelab · … · rev=…_``
    line, a CSV's ``# stylelab · … · rev=…`` first line (``stylelab.provenance.save_figure`` / ``save_table``)."""
    found: dict[str, set[str]] = {}
    for path in sorted(folder.glob("[0-9][0-9]_*")):
        revisions = set()
        if path.suffix == ".png":
            revision = Image.open(path).info.get("Revision")
            revisions = {revision} if revision else {"(no stamp)"}
        elif path.suffix in (".md", ".csv"):
            lines = [line for line in path.read_text(encoding="utf-8").splitlines() if "stylelab · " in line]
            revisions = {m for line in lines for m in REVISION_IN_STAMP.findall(line)} or {"(no stamp)"}
        for revision in revisions:
            found.setdefault(revision, set()).add(path.name)
    return found


needs_figures = pytest.mark.skipif(not FIGURES.is_dir(), reason="no figures/quick (run python -m stylelab.reproduce)")


@needs_figures
def test_every_figure_is_stamped_with_one_revision():
    found = stamp_revisions(FIGURES)
    assert found, "figures/quick holds no stamped file"
    summary = "; ".join(f"{rev}: {len(files)} files (e.g. {sorted(files)[0]})" for rev, files in sorted(found.items()))
    assert len(found) == 1, f"figures/quick is stamped with {len(found)} revisions: {summary}"
    (revision,) = found
    assert not revision.endswith("-dirty") and revision not in ("unknown", "(no stamp)"), \
        f"figures/quick's stamp names {revision!r}: not a clean, committed revision"


@needs_figures
def test_index_gives_each_notebooks_time_and_a_total_within_20_minutes():
    index = FIGURES / "INDEX.md"
    assert index.is_file(), "figures/quick/INDEX.md is missing"
    _, times = reproduce.read_index(index)
    missing = [p.stem for p in PATHS if p.stem not in times]
    assert not missing, f"INDEX.md has no run time for {missing} (python -m stylelab.reproduce --profile quick)"
    total = sum(float(times[p.stem]["seconds"]) for p in PATHS)
    assert total <= MAX_TOTAL_SECONDS, f"the quick profile takes {total:.0f} s (at most {MAX_TOTAL_SECONDS} s)"
    revisions = {times[p.stem]["revision"] for p in PATHS}
    assert len(revisions) == 1, f"INDEX.md's times come from several revisions: {sorted(revisions)}"


# --- the slide map ---------------------------------------------------------------------------------------------

needs_deck = pytest.mark.skipif(not DECK.is_file(), reason=f"the study group's deck ({slide_map.DECK_NAME}) is not "
                                "here: it lives in ../shared/seed/ of the study group's checkout (or set STYLELAB_DECK)")


@needs_deck
def test_the_slide_map_covers_every_heading_of_the_deck():
    text = DECK.read_text(encoding="utf-8")
    headings = slide_map.deck_headings(text)
    assert len(headings) >= 20, f"only {len(headings)} headings read from the deck: the reader is broken"
    mapped = {slide_map.key(row["heading"]) for row in slide_map.rows()}
    missing = [h for h in headings if slide_map.key(h) not in mapped]
    assert not missing, f"slide headings not in stylelab/data/slide_map.tsv: {missing}"
    deck_keys = {slide_map.key(h) for h in headings}
    invented = [row["heading"] for row in slide_map.rows() if slide_map.key(row["heading"]) not in deck_keys]
    assert not invented, f"slide_map.tsv rows whose heading is not a heading of the deck: {invented}"


def _section_headings(notebook: str) -> list[str]:
    cells = _read(NOTEBOOKS / notebook).cells
    return [line[3:].strip() for c in cells if c.cell_type == "markdown" for line in c.source.splitlines()
            if line.startswith("## ")]


def test_every_section_the_slide_map_names_exists():
    problems = []
    for row in slide_map.rows():
        assert row["korean"].strip() and row["english"].strip(), f"{row['heading']!r} lacks a description"
        assert HANGUL.search(row["korean"]), f"{row['heading']!r}: the Korean description has no Hangul"
        for section in slide_map.sections(row):
            if not (NOTEBOOKS / section.notebook).is_file():
                problems.append(f"{section.notebook} does not exist (for {row['heading']!r})")
                continue
            if section.number is None:
                continue
            headings = _section_headings(section.notebook)
            if not any(h.startswith(f"{section.number}. {section.title}") for h in headings):
                numbered = [h for h in headings if h.startswith(f"{section.number}. ")]
                problems.append(f"{section} (for {row['heading']!r}): the notebook's §{section.number} is "
                                f"{numbered[0] if numbered else 'missing'!r}")
    assert not problems, "slide_map.tsv names sections the notebooks lack:\n" + "\n".join(problems)


def test_the_readme_shows_the_slide_map():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## 슬라이드 지도 · Slide map" in readme
    section = readme.split("## 슬라이드 지도 · Slide map", 1)[1].split("\n## ", 1)[0]
    table = "\n".join(line for line in section.splitlines() if line.startswith("|"))
    assert table == slide_map.markdown(), ("README's slide map differs from slide_map.markdown(): paste the output "
                                           "of python -c 'from stylelab import slide_map; print(slide_map.markdown())'")
