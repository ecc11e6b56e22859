"""The AdaIN paper's speed table (Huang & Belongie, ICCV 2017, Table 1): the one home of its numbers.

Rows are keyed as the paper's rows (``gatys``, ``chen_schmidt``, ``ulyanov``, ``dumoulin``, ``adain``); a
method names its row in its ``speed`` entry (:class:`stylelab.methods.base.Speed` ``paper_row``:
``style_swap`` → ``chen_schmidt``, ``cin`` → ``dumoulin``; None: not in the table, e.g. ``johnson``).
The iteration count the optimisation rows count, :data:`PAPER_ITERATIONS`, lives in :mod:`stylelab.timing`
(the timers below the table multiply out to it) and is re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import StylelabError
from ..methods import base
from ..timing import PAPER_ITERATIONS

__all__ = ["GPU_TARGETS", "PAPER_DEVICE", "PAPER_ENCODER", "PAPER_ITERATIONS", "PAPER_SPEED", "GpuTarget", "PaperRow",
           "method_paper_row", "paper_row", "paper_seconds", "paper_table_markdown"]

PAPER_DEVICE = "Pascal Titan X"
PAPER_ENCODER = "vgg19"


@dataclass(frozen=True)
class PaperRow:
    """One row of the paper's Table 1: seconds per image on a Pascal Titan X."""

    method: str  # the paper's name for it
    seconds: dict[int, float]  # size → seconds, style encoding excluded
    with_style_encoding: dict[int, float] | None  # size → seconds including it; None: N/A in the paper
    styles: int | None  # styles one model paints; None: any style (∞)

    @property
    def styles_label(self) -> str:
        return "∞" if self.styles is None else str(self.styles)


#: The AdaIN paper's Table 1 (the deck reproduces it): "Time (256px)", "Time (512px)", in brackets with
#: style encoding, and "# Styles". The one home of these numbers.
PAPER_SPEED: dict[str, PaperRow] = {
    "gatys": PaperRow("Gatys et al.", {256: 14.17, 512: 46.75}, {256: 14.19, 512: 46.79}, None),
    "chen_schmidt": PaperRow("Chen and Schmidt", {256: 0.171, 512: 3.214}, {256: 0.407, 512: 4.144}, None),
    "ulyanov": PaperRow("Ulyanov et al.", {256: 0.011, 512: 0.038}, None, 1),
    "dumoulin": PaperRow("Dumoulin et al.", {256: 0.011, 512: 0.038}, None, 32),
    "adain": PaperRow("AdaIN (ours)", {256: 0.018, 512: 0.065}, {256: 0.027, 512: 0.098}, None),
}


@dataclass(frozen=True)
class GpuTarget:
    """A limit the benchmark prints pass/fail for on a GPU: the fast path of the method with paper row
    ``paper_row`` at ``size`` px in at most ``seconds`` (``condition``: how the time is counted)."""

    paper_row: str
    size: int
    seconds: float
    condition: str


#: Targets the benchmark prints pass/fail for (issue #11): on a GPU, AdaIN at 512 px in 1 ms excluding
#: style encoding and Gatys at 512 px, 500 iterations, in 3 s; on any other device, every feed-forward
#: method's fast path no slower than its fp32 eager network in the same run (:meth:`BenchReport.targets`).
GPU_TARGETS: tuple[GpuTarget, ...] = (
    GpuTarget("adain", 512, 0.001, " excluding style encoding"),
    GpuTarget("gatys", 512, 3.0, f", {PAPER_ITERATIONS} iterations"),
)


def method_paper_row(name: str) -> PaperRow | None:
    """The paper's row of a registered method (name or alias, :func:`stylelab.methods.base.get`), from its
    ``speed.paper_row``; None when it is not timed or not in the paper's table."""
    speed = base.get(name).speed
    return None if speed is None or speed.paper_row is None else PAPER_SPEED[speed.paper_row]


def paper_row(method: str) -> PaperRow:
    """The paper's row by its key (``"chen_schmidt"``), by the paper's name (``"Chen and Schmidt"``) or by a
    registered method's name or alias (``"style_swap"``); a one-line error when the table has none."""
    if method in PAPER_SPEED:
        return PAPER_SPEED[method]
    row = next((r for r in PAPER_SPEED.values() if r.method == method), None)
    if row is None:
        try:
            row = method_paper_row(method)
        except StylelabError:  # not a method either
            row = None
    if row is None:
        raise StylelabError(f"the paper's table has no row {method!r}; rows: {', '.join(PAPER_SPEED)}")
    return row


def paper_seconds(method: str, size: int, with_style_encoding: bool = False) -> float | None:
    """The paper's Titan X seconds for ``method`` (see :func:`paper_row`) at ``size`` px; None where it gives none."""
    row = paper_row(method)
    table = row.with_style_encoding if with_style_encoding else row.seconds
    return None if table is None else table.get(size)


def paper_table_markdown() -> str:
    """The slide's table, from :data:`PAPER_SPEED` (seconds, in brackets with style encoding)."""
    lines = ["| Method | Time (256px) | Time (512px) | # Styles |", "|---|---|---|---|"]
    for row in PAPER_SPEED.values():
        cells = []
        for size in (256, 512):
            with_encoding = paper_seconds(row.method, size, True)
            cells.append(f"{row.seconds[size]:g} ({'N/A' if with_encoding is None else f'{with_encoding:g}'})")
        lines.append(f"| {row.method} | {cells[0]} | {cells[1]} | {row.styles_label} |")
    return "\n".join(lines)
