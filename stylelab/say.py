"""Sentences a notebook renders from its own numbers, Korean first, English beside it.

A notebook's claim that depends on a result is never typed as a constant: the cell that computes the
values renders the sentence from them (and asserts what the sentence claims, with a stated tolerance)::

    say(ko=f"비율은 {lo:.2f}–{hi:.2f}입니다.", en=f"The ratios lie between {lo:.2f} and {hi:.2f}.")

Outside IPython (a script, a test) the same text is printed, so the helper never needs a notebook.
"""

from __future__ import annotations


def bilingual(ko: str, en: str) -> str:
    """The Markdown of one bilingual paragraph: Korean, then English."""
    return f"{ko.strip()}\n\n{en.strip()}"


def say(ko: str, en: str) -> None:
    """Display one bilingual paragraph rendered from computed values (Markdown in a notebook)."""
    markdown(bilingual(ko, en))


def table(rows: list[dict], floatfmt: str = ".3g") -> None:
    """Display rows as a Markdown table (never a raw list of dicts)."""
    if not rows:
        return
    keys = list(rows[0])

    def cell(v):
        return format(v, floatfmt) if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(cell(r.get(k, "")) for k in keys) + " |" for r in rows]
    markdown("\n".join(lines))


def markdown(text: str) -> None:
    """Display Markdown in a notebook; print it outside IPython (a script, a test)."""
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:
        print(text)
        return
    if get_ipython() is None:
        print(text)
    else:
        display(Markdown(text))
