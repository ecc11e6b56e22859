"""The grader of the graded labs: run a learner's function on seeded random inputs, compare it with the
reference in :mod:`stylelab.labs.answers`, and name the mistake when it differs.

A lab (:class:`Lab`) holds its inputs, its reference, the typical mistakes (each a wrong function with a
bilingual diagnosis) and the constant factors worth naming. :func:`check` never raises.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch

RTOL, ATOL = 1e-4, 1e-5


@dataclass
class Verdict:
    """The outcome of one ``labs.check``: ``kind`` names the diagnosis ("passed", "not_written", "error",
    "type", "shape", "nan", "in_place", "factor", "mismatch", or a lab's own mistake such as "variance",
    "eps", "axes", "transpose", "swapped", "softmax", "inverted", "reversed"); ``factor`` is set when
    the result is the reference times a constant."""

    name: str
    passed: bool
    message_ko: str
    message_en: str
    kind: str = "passed"
    factor: float | None = None

    def text(self) -> str:
        """The printed block: a mark and the lab's name with the Korean line, the English line under it."""
        mark = "✔" if self.passed else ("…" if self.kind == "not_written" else "✘")
        return f"{mark} [{self.name}] {self.message_ko}\n   {self.message_en}"

    def _ipython_display_(self):  # already printed by check(); a bare check(...) shows no raw repr
        pass


@dataclass
class Mistake:
    """A typical wrong answer: ``fn`` takes the lab's inputs; a result equal to it gets this diagnosis."""

    kind: str
    fn: Callable
    ko: str
    en: str


@dataclass
class Lab:
    name: str
    title_ko: str
    title_en: str
    signature: str
    inputs: str  # shapes of the inputs (Markdown, language-neutral)
    output: str  # shape of the output
    equation: str  # LaTeX, without $$
    task_ko: str
    task_en: str
    reference: Callable
    cases: Callable[[torch.Generator], list[tuple[tuple, dict]]]
    arg_names: Sequence[str]
    mistakes: list[Mistake] = field(default_factory=list)
    factors: Callable[[tuple], list[tuple[float, str, str]]] = lambda args: []
    shape_hints: Callable[[tuple, tuple], tuple[str, str, str] | None] = lambda args, got: None
    scalar: bool = False  # a 0-d result (a tensor with one element or a Python number is accepted)
    notebook: str = ""


# ---------------------------------------------------------------------------------------------------------
# Helpers


def _clone(obj):
    if isinstance(obj, torch.Tensor):
        return obj.detach().clone()
    if isinstance(obj, (list, tuple)):
        return type(obj)(_clone(o) for o in obj)
    return obj


def _same(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.shape == b.shape and torch.equal(a, b)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return True


def _shapes(args: tuple, names: Sequence[str], kwargs: dict) -> str:
    def one(obj):
        if isinstance(obj, torch.Tensor):
            return str(tuple(obj.shape))
        if isinstance(obj, (list, tuple)):
            return "[" + ", ".join(one(o) for o in obj) + "]"
        return repr(obj)

    parts = [f"{n} {one(a)}" for n, a in zip(names, args)] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return ", ".join(parts)


def _as_tensor(out, scalar: bool):
    """The learner's result as a float64 tensor, or None with a reason."""
    if scalar and isinstance(out, (int, float)) and not isinstance(out, bool):
        return torch.tensor(float(out), dtype=torch.float64)
    if isinstance(out, torch.Tensor):
        if not (out.is_floating_point() or out.is_complex()):
            return None
        out = out.detach().to(torch.float64)
        return out.reshape(()) if scalar and out.numel() == 1 else out
    return None


def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and torch.allclose(a, b, rtol=RTOL, atol=ATOL)


def _fmt(f: float) -> str:
    return f"{f:.4g}"


# ---------------------------------------------------------------------------------------------------------
# Grading


def grade(lab: Lab, fn: Callable, seed: int = 0) -> Verdict:
    """Run ``fn`` on the lab's seeded cases; the first difference from the reference is diagnosed."""
    gen = torch.Generator().manual_seed(seed)
    cases = lab.cases(gen)
    for args, kwargs in cases:
        verdict = _grade_case(lab, fn, args, kwargs)
        if verdict is not None:
            return verdict
    return Verdict(lab.name, True, f"통과했습니다: 무작위 입력 {len(cases)}개에서 해답과 일치합니다.",
                   f"passed: matches the reference on {len(cases)} random inputs.")


def _grade_case(lab: Lab, fn: Callable, args: tuple, kwargs: dict) -> Verdict | None:
    name = lab.name
    where = _shapes(args, lab.arg_names, kwargs)
    on_ko, on_en = f" (입력: {where})", f" (input: {where})"
    snapshot = _clone(args)
    try:
        out = fn(*args, **kwargs)
    except NotImplementedError:
        return Verdict(name, False, "아직 작성하지 않았습니다 — 함수 본문을 채우십시오.",
                       "not written yet — fill in the function's body.", "not_written")
    except Exception as exc:  # the learner's bug, reported in one line
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        return Verdict(name, False, f"실행 중 오류가 났습니다: {type(exc).__name__}: {first}{on_ko}",
                       f"raised {type(exc).__name__}: {first}{on_en}", "error")
    for arg_name, before, after in zip(lab.arg_names, snapshot, args):
        if not _same(before, after):
            return Verdict(name, False,
                           f"입력 `{arg_name}`을(를) 제자리에서 바꿨습니다 (예: x -= mean). 새 텐서를 만드십시오.",
                           f"modified its input `{arg_name}` in place (e.g. x -= mean); compute a new tensor "
                           "instead.", "in_place")
    expected = _as_tensor(lab.reference(*_clone(snapshot), **kwargs), lab.scalar)
    if out is None:
        return Verdict(name, False, "None을 반환했습니다 — `return`을 잊었습니까?",
                       "returned None — did you forget `return`?", "type")
    got = _as_tensor(out, lab.scalar)
    if got is None:
        what = "a number or a 0-d tensor" if lab.scalar else "a floating-point torch.Tensor"
        return Verdict(name, False, f"반환값이 {type(out).__name__}입니다 — {what}이어야 합니다.",
                       f"returned a {type(out).__name__}; expected {what}.", "type")
    if got.shape != expected.shape:
        hint = lab.shape_hints(snapshot, tuple(got.shape))
        kind, h_ko, h_en = hint if hint else ("shape", "", "")
        exp, gs = tuple(expected.shape), tuple(got.shape)
        return Verdict(name, False, f"모양이 다릅니다: 기대 {exp}, 결과 {gs}. {h_ko}{on_ko}",
                       f"wrong shape: expected {exp}, got {gs}. {h_en}{on_en}", kind)
    if not torch.isfinite(got).all():
        return Verdict(name, False, f"NaN 또는 inf가 나왔습니다 — 0으로 나누기나 음수의 제곱근을 확인하십시오.{on_ko}",
                       f"NaN or inf in the result — look for a division by zero or a negative sqrt.{on_en}",
                       "nan")
    if _close(got, expected):
        return None
    for mistake in lab.mistakes:
        try:
            wrong = _as_tensor(mistake.fn(*_clone(snapshot), **kwargs), lab.scalar)
        except Exception:  # a mistake that cannot run on this case simply does not match
            continue
        if wrong is not None and _close(got, wrong) and not _close(wrong, expected):
            return Verdict(name, False, mistake.ko + on_ko, mistake.en + on_en, mistake.kind)
    factor = _factor(got, expected)
    if factor is not None:
        return _factor_verdict(lab, snapshot, factor, on_ko, on_en)
    err = (got - expected).abs().max().item()
    return Verdict(name, False, f"값이 해답과 다릅니다 (최대 절대 오차 {_fmt(err)}).{on_ko}",
                   f"values differ from the reference (max |difference| {_fmt(err)}).{on_en}", "mismatch")


def _factor(got: torch.Tensor, expected: torch.Tensor) -> float | None:
    """c when got ≈ c · expected for one constant c ≠ 1."""
    norm = expected.square().sum()
    if norm == 0:
        return None
    c = ((got * expected).sum() / norm).item()
    if c == 0 or abs(c - 1) < 1e-3:
        return None
    ok = torch.allclose(got, c * expected, rtol=1e-3, atol=ATOL * max(1.0, abs(c)))
    return c if ok else None


def _factor_verdict(lab: Lab, args: tuple, c: float, on_ko: str, on_en: str) -> Verdict:
    hint_ko = hint_en = ""
    for value, ko, en in lab.factors(args):
        if abs(c / value - 1) < 1e-3:
            hint_ko, hint_en = f" {ko}", f" {en[0].upper()}{en[1:]}"
            break
    else:
        hint_ko, hint_en = " 정규화 상수를 확인하십시오.", " Check the normalisation."
    if c >= 1:
        ko, en = f"결과가 해답의 {_fmt(c)}배입니다.", f"off by a factor of {_fmt(c)} (yours is {_fmt(c)}× too large)."
    else:
        ko = f"결과가 해답의 1/{_fmt(1 / c)}입니다."
        en = f"off by a factor of 1/{_fmt(1 / c)} (yours is {_fmt(1 / c)}× too small)."
    return Verdict(lab.name, False, ko + hint_ko + on_ko, en + hint_en + on_en, "factor", c)


def show(verdict: Verdict) -> Verdict:
    """Print a verdict's bilingual block (the one place verdicts are printed)."""
    print(verdict.text())
    return verdict
