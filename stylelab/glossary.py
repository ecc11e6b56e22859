"""The one glossary (``stylelab/data/glossary.tsv``): each term's Korean form, for every notebook and the site.

    from stylelab import glossary
    glossary.korean("Gram matrix")          # '그람 행렬'
    glossary.markdown(["Gram matrix", "style loss"])   # a Korean | English | note table
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from .errors import StylelabError
from .registry import read_tsv


@lru_cache(maxsize=1)
def terms() -> dict[str, dict[str, str]]:
    """Every row by its English term (lower case)."""
    text = resources.files("stylelab.data").joinpath("glossary.tsv").read_text(encoding="utf-8")
    return {row["english"].lower(): row for row in read_tsv(text)}


def row(english: str) -> dict[str, str]:
    """A term's row (english, korean, note); a one-line error for a term the glossary lacks."""
    found = terms().get(english.lower())
    if found is None:
        raise StylelabError(f"{english!r} is not in the glossary (stylelab/data/glossary.tsv); add it there")
    return found


def korean(english: str) -> str:
    """The Korean form of a glossary term; a one-line error for a term the glossary lacks."""
    return row(english)["korean"]


def markdown(english_terms: list[str] | None = None) -> str:
    """The glossary (or the named terms) as a Markdown table: 한국어 · English · note."""
    rows = [row(t) for t in english_terms] if english_terms else list(terms().values())
    lines = ["| 한국어 | English | 비고 · note |", "|---|---|---|"]

    def cell(text: str) -> str:  # a '|' inside a note (weighted L1's |Î − I|) would split the row
        return text.replace("|", "\\|")

    lines += [f"| {cell(r['korean'])} | {cell(r['english'])} | {cell(r.get('note', ''))} |" for r in rows]
    return "\n".join(lines)
