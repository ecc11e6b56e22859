"""The slide map: every slide heading of the study group's deck and the notebook section that reproduces it.

    from stylelab import slide_map
    slide_map.rows()        # [{"heading": ..., "korean": ..., "english": ..., "sections": ...}, ...]
    slide_map.markdown()    # the bilingual table the README and the site's index show

The map lives in ``stylelab/data/slide_map.tsv`` (one row per distinct heading, in deck order). A row's
``sections`` names one or more notebook sections, ``;``-separated, each ``NN_name.ipynb §N 제목``: the
notebook, the section's number and the start of its ``## N. 제목 · Title`` heading (its Korean part), so a
renumbered or renamed section shows up in ``tests/test_notebooks_teaching.py``; a bare ``NN_name.ipynb``
means the whole notebook.

:func:`deck_headings` reads the deck's text (``../shared/seed/000_b0023faac64cccee.txt`` in the study group's
checkout) the way the test does: the ``#`` headings, and the slide titles that stand as headings without
``#`` (a bold line, a paper title ending in ``(VENUE YEAR)``, a bracketed label such as ``[Loss]``, a table's
header row, a ``Figure N.``/``Table N.`` caption's first sentence, the deck's L1/RMSE/PDAR results table).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .registry import read_tsv

#: The deck's file name; it sits in the study group's shared folder, next to the checkout.
DECK_NAME = "000_b0023faac64cccee.txt"

_PAPER_TITLE = re.compile(r"^[A-Z][^\t]*\((?:ECCV|ICCV|CVPR|ICML|ICLR|NeurIPS|NIPS) \d{4}\)$")
_LABEL = re.compile(r"^\[[^\]]+\]$")
_CAPTION = re.compile(r"((?:Figure|Table) \d+\.\s[^.]*\.)")
_RESULTS = re.compile(r"L1 loss\s+RMSE\s+PDAR")
_SECTION = re.compile(r"^(?P<notebook>\d\d_[\w-]+\.ipynb)(?:\s+§(?P<number>\d+)\s+(?P<title>.+))?$")


def key(heading: str) -> str:
    """What two spellings of one heading share: no Markdown emphasis, no whitespace, lower case."""
    return re.sub(r"\s+", "", heading.replace("*", "")).lower()


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("**", "").replace("*", "")).strip()


def deck_headings(text: str) -> list[str]:
    """The deck's slide headings in order, each once (by :func:`key`), cleaned of ``#`` and ``**``."""
    found: list[str] = []
    previous_tabbed = False
    for raw in text.splitlines():
        line = raw.strip()
        tabbed = raw.count("\t") >= 2
        candidates = []
        if line.startswith("#"):
            candidates.append(line.lstrip("#"))
        elif line.startswith("**") and line.endswith("**") and len(line) > 4:
            candidates.append(line)
        elif _PAPER_TITLE.match(line) or _LABEL.match(line):
            candidates.append(line)
        elif tabbed and not previous_tabbed:  # a table's header row
            candidates.append(raw.replace("\t", " "))
        if not line.startswith("#"):
            candidates += _CAPTION.findall(line)
            candidates += ["L1 loss RMSE PDAR"] if _RESULTS.search(line) else []
        previous_tabbed = tabbed
        for candidate in candidates:
            heading = _clean(candidate)
            if heading and key(heading) not in {key(h) for h in found}:
                found.append(heading)
    return found


@dataclass(frozen=True)
class Section:
    notebook: str  # 04_adain.ipynb
    number: str | None  # "1"; None: the whole notebook
    title: str | None  # the start of the heading after "N. "

    def __str__(self) -> str:
        return self.notebook if self.number is None else f"{self.notebook} §{self.number} {self.title}"


def sections(row: dict[str, str]) -> list[Section]:
    """The notebook sections a row names; a malformed entry is a ValueError naming it."""
    out = []
    for entry in (e.strip() for e in row["sections"].split(";")):
        match = _SECTION.match(entry)
        if not match:
            raise ValueError(f"slide_map.tsv: {entry!r} (for {row['heading']!r}) is not 'NN_name.ipynb §N title'")
        out.append(Section(match["notebook"], match["number"], match["title"]))
    return out


@lru_cache(maxsize=1)
def _rows() -> tuple[dict[str, str], ...]:
    text = resources.files("stylelab.data").joinpath("slide_map.tsv").read_text(encoding="utf-8")
    return tuple(read_tsv(text))


def rows() -> list[dict[str, str]]:
    """The map's rows in deck order: heading, korean, english, sections."""
    return [dict(r) for r in _rows()]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown() -> str:
    """The map as a bilingual Markdown table: 슬라이드 · 설명 · description · 노트북 절 · notebook section."""
    lines = ["| 슬라이드 · slide | 설명 | description | 노트북 절 · notebook section |", "|---|---|---|---|"]
    for row in _rows():
        where = "<br>".join(f"`{s}`" for s in sections(row))
        lines.append(f"| {_cell(row['heading'])} | {_cell(row['korean'])} | {_cell(row['english'])} | {where} |")
    return "\n".join(lines)
