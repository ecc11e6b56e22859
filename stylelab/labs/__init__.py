"""Graded labs (채점 실습): the learner writes the slide's function, ``check`` grades it.

    from stylelab import labs
    def gram_matrix(features):
        raise NotImplementedError          # 여기에 작성하십시오 · write your code here
    verdict = labs.check("gram_matrix", gram_matrix)   # prints a bilingual verdict; never raises
    verdict.passed, verdict.kind

``describe(name)`` is the bilingual task (signature, shapes, the slide's equation) as Markdown;
``show(name)`` displays it; ``names()`` lists the labs. The answers are in
:mod:`stylelab.labs.answers` (read them after trying).
"""

from __future__ import annotations

from collections.abc import Callable

from .catalogue import LABS
from .grading import Verdict, grade, show as _print

__all__ = ["Verdict", "check", "describe", "names", "show"]


def names() -> list[str]:
    """The labs' names, in the notebooks' order."""
    return list(LABS)


def _lab(name: str):
    try:
        return LABS[name]
    except KeyError:
        raise KeyError(f"unknown lab {name!r}; labs.names() lists them: {', '.join(LABS)}") from None


def check(name: str, fn: Callable) -> Verdict:
    """Grade ``fn`` against lab ``name``'s reference on seeded random inputs, print the bilingual
    verdict and return it. Never raises for the learner's mistakes (an unknown lab name does raise)."""
    lab = _lab(name)
    try:
        verdict = grade(lab, fn)
    except Exception as exc:  # a grader bug must not break a learner's notebook
        verdict = Verdict(name, False, f"채점기 오류: {type(exc).__name__}: {exc}",
                          f"grader error: {type(exc).__name__}: {exc}", "error")
    return _print(verdict)


def describe(name: str) -> str:
    """The task as bilingual Markdown: title, signature, shapes, the slide's equation (LaTeX), task text."""
    lab = _lab(name)
    return "\n\n".join([
        f"**채점 실습 · graded lab `{lab.name}`: {lab.title_ko} · {lab.title_en}**",
        f"`{lab.signature}`",
        f"- 입력 · input: {lab.inputs}\n- 출력 · output: {lab.output}",
        f"$$\n{lab.equation}\n$$",
        lab.task_ko,
        lab.task_en,
        f"채점: `labs.check(\"{lab.name}\", {lab.name})`. 해답은 `stylelab/labs/answers.py`에 있습니다 "
        f"(먼저 풀어 보십시오). · Grade it with `labs.check(\"{lab.name}\", {lab.name})`; the answer is in "
        "`stylelab/labs/answers.py` (try first).",
    ])


def show(name: str) -> None:
    """Display :func:`describe` as Markdown in a notebook (printed elsewhere)."""
    from ..say import markdown

    markdown(describe(name))
