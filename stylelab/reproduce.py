"""Run every notebook through papermill and collect the figures and tables into ``figures/``.

    python -m stylelab.reproduce --profile quick            # CPU-sized, ~20 min on 2 cores
    python -m stylelab.reproduce --profile full --device cuda
    python -m stylelab.reproduce --only 01 --inplace         # refresh a committed notebook's outputs
    python -m stylelab.reproduce --profile full --smoke      # the full profile's code paths at toy sizes, a CPU

Executed copies go to ``build/notebooks/<profile>/`` (or back into ``notebooks/`` with
``--inplace``); each notebook writes its stamped figures to ``figures/<profile>/``, and an
``INDEX.md`` there lists them with the notebook that made each one, above them each notebook's wall time
(seconds, date, revision and the machine: CPU model, cores, torch threads, device) and the total. A run of
some notebooks (``--only``) replaces their rows and keeps the others'.

``--smoke`` passes ``smoke=True`` to every notebook's parameters cell: the full profile's settings with
its sizes and counts shrunk (``stylelab.profiles.SMOKE``) and every switch kept, so each full-profile
branch runs in minutes on a CPU. Its figures go to ``figures/full-smoke/`` (git-ignored) and its executed
notebooks to ``build/notebooks/full-smoke/``; ``figures/full`` is never written. Notebooks run quiet (no progress
bars in their saved outputs: ``$STYLELAB_QUIET``); papermill's own bar shows the run's progress.

A user error (unknown notebook, a failing notebook, no checkout) prints one line ``error: …`` to
stderr and exits with status 2, as ``python -m stylelab`` does.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

from .errors import StylelabError, command
from .profiles import label
from .provenance import PROJECT_ENV, git_revision, project_root

NOTEBOOKS: Path | None = None  # None: <checkout>/notebooks (see notebooks_dir)
DEFAULTS = {"profile": "quick", "device": "auto", "encoder": "auto", "smoke": False}
QUIET_ENV = "STYLELAB_QUIET"


def notebooks_dir() -> Path:
    """The checkout's ``notebooks/`` folder, or a one-line error that says how to point to one."""
    if NOTEBOOKS is not None:
        return Path(NOTEBOOKS)
    root = project_root()
    if root is None:
        raise StylelabError(f"no notebooks/ folder found: stylelab is installed without its checkout; run from a "
                            f"stylelab checkout or set {PROJECT_ENV} to one")
    return root / "notebooks"


def _root() -> Path:
    return notebooks_dir().parent


def notebook_paths(only: list[str] | None = None) -> list[Path]:
    folder = notebooks_dir()
    paths = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if only:
        paths = [p for p in paths if any(p.name.startswith(o) or o in p.stem for o in only)]
        if not paths:
            raise StylelabError(f"no notebook matches {', '.join(only)}; see {folder}")
    return paths


def run_notebooks(*, profile: str = "quick", device: str = "auto", encoder: str = "auto", only=None,
                  figures: Path | None = None, output: Path | None = None, inplace: bool = False,
                  progress: bool = True, smoke: bool = False) -> list[tuple[Path, float]]:
    if smoke and profile != "full":
        raise StylelabError(f"--smoke runs the full profile's code paths at toy sizes; use --profile full, not {profile}")
    if smoke and inplace:
        raise StylelabError("--smoke never writes into notebooks/ (a smoke run's outputs are not the committed ones); "
                            "drop --inplace")
    paths = notebook_paths(only)
    figures_root = Path(figures) if figures else _root() / "figures"
    name = label(profile, smoke)  # full-smoke: a scratch folder, never figures/full
    figures_dir = figures_root / name
    figures_dir.mkdir(parents=True, exist_ok=True)
    # Pass only what differs from a notebook's own parameters cell, so that an in-place quick run
    # leaves no injected-parameters cell behind.
    given = {"profile": profile, "device": device, "encoder": encoder, "smoke": smoke}
    parameters = {k: v for k, v in given.items() if v != DEFAULTS[k]}
    if figures or smoke:
        parameters["figures_dir"] = str(figures_dir.resolve())
    output = Path(output) if output else _root() / "build" / "notebooks" / name
    output.mkdir(parents=True, exist_ok=True)
    timings = []
    where = machine(device)
    # The kernels inherit these: notebooks pass progress=False to their loops. A smoke run's toy-sized ops
    # are all OpenMP start-up: on a CPU another process also uses, spin-waiting threads made its IN-vs-BN
    # cell 10-20x slower (26-57 s against 2.4 s, measured); passive waiting changes no code path, and a
    # smoke run times nothing worth keeping. Not set for quick/full, whose speed tables time the default.
    environment = {QUIET_ENV: "1"}
    if smoke and "OMP_WAIT_POLICY" not in os.environ:
        environment["OMP_WAIT_POLICY"] = "PASSIVE"
    before = {key: os.environ.get(key) for key in environment}
    os.environ.update(environment)
    try:
        for path in paths:
            target = path if inplace else output / path.name
            print(f"▶ {path.name} (profile={name}, device={device}, encoder={encoder})", flush=True)
            elapsed, made = _execute(path, target, figures_dir, parameters, progress)
            print(f"  done in {elapsed:.0f} s, wrote {len(made)} files: {', '.join(made)}", flush=True)
            timings.append((path, elapsed))
            _index(figures_dir, path.stem, made, elapsed, where)
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return timings


def _execute(path: Path, target: Path, figures_dir: Path, parameters: dict, progress: bool) -> tuple[float, list[str]]:
    """Run one notebook through papermill; seconds taken and the figure files it (re)wrote."""
    import papermill

    before = {p: p.stat().st_mtime for p in figures_dir.glob("*")}
    started = time.perf_counter()
    try:
        papermill.execute_notebook(str(path), str(target), parameters=parameters or None, cwd=str(path.parent),
                                   progress_bar=progress, kernel_name="python3")
    except papermill.PapermillExecutionError as exc:
        raise StylelabError(f"{path.name} failed in cell {exc.cell_index}: {exc.ename}: {exc.evalue} "
                            f"(executed copy with the traceback: {target})") from None
    elapsed = time.perf_counter() - started
    strip_machine_paths(target)
    made = sorted(p.name for p in figures_dir.glob("*") if before.get(p) != p.stat().st_mtime)
    return elapsed, made


def strip_machine_paths(notebook: Path) -> None:
    """Papermill records where it read and wrote the notebook (``metadata.papermill.input_path`` /
    ``output_path``): absolute paths of this machine. Keep them relative to the checkout (or the bare file
    name outside it), so that a committed notebook names no machine's folders."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    record = nb.metadata.get("papermill", {})
    for key in ("input_path", "output_path"):
        if record.get(key):
            path = Path(record[key])
            try:
                record[key] = path.resolve().relative_to(_root().resolve()).as_posix()
            except ValueError:
                record[key] = path.name
    nbformat.write(nb, notebook)


FILES_HEADER = "| notebook | file |"
TIMES_HEADER = "| notebook | seconds | date (UTC) | revision | machine |"
_FILE_ROW = re.compile(r"^\| (?P<notebook>[^|\s]+) \| \[(?P<file>[^\]]+)\]\(")
_TIME_ROW = re.compile(r"^\| (?P<notebook>\d\d_[^|\s]+) \| (?P<seconds>\d+(?:\.\d+)?) \| (?P<date>[^|]+?) \| "
                       r"(?P<revision>[^|]+?) \| (?P<machine>[^|]+?) \|$")


def machine(device: str = "auto") -> str:
    """The machine a run's times belong to: CPU model, cores, torch's threads, the device the notebooks use."""
    import platform

    import torch

    from .device import describe, resolve_device

    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    model = re.sub(r"\s+", " ", model or platform.processor() or platform.machine() or "unknown CPU")
    try:
        where = describe(resolve_device(device))
    except StylelabError:
        where = device
    return (f"{model} · {os.cpu_count()} cores · torch threads {torch.get_num_threads()} · "
            f"device {where}").replace("|", "/")


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime())


def read_index(index: Path) -> tuple[dict[str, set[str]], dict[str, dict[str, str]]]:
    """An ``INDEX.md``'s file rows (notebook → files) and time rows (notebook → seconds, date, revision, machine)."""
    files: dict[str, set[str]] = {}
    times: dict[str, dict[str, str]] = {}
    if index.exists():
        for line in index.read_text(encoding="utf-8").splitlines():
            if match := _TIME_ROW.match(line):
                times[match["notebook"]] = {k: match[k] for k in ("seconds", "date", "revision", "machine")}
            elif match := _FILE_ROW.match(line):
                files.setdefault(match["notebook"], set()).add(match["file"])
    return files, times


def _index(figures_dir: Path, notebook: str, made: list[str], seconds: float | None = None,
           where: str = "") -> None:
    """Rewrite ``INDEX.md``: the notebooks' run times (this notebook's row replaced, the others kept), their
    total and revision(s), then every stamped file with the notebook that made it."""
    index = figures_dir / "INDEX.md"
    files, times = read_index(index)
    files[notebook] = {name for name in made if name != "INDEX.md"}
    if seconds is not None:
        times[notebook] = {"seconds": f"{seconds:.1f}", "date": _now(),
                           "revision": git_revision(), "machine": where or "unknown"}
    lines = ["# Figures and tables", "", "Each file carries its own stamp (encoder, device, profile, git revision).", ""]
    if times:
        total = sum(float(t["seconds"]) for t in times.values())
        revisions = sorted({t["revision"] for t in times.values()})
        lines += ["## 실행 시간 · Run times", "",
                  "`python -m stylelab.reproduce` records each notebook's wall time (papermill, kernel start "
                  "included) on the machine named in its row; rerunning one notebook replaces its row only.", "",
                  TIMES_HEADER, "|---|---|---|---|---|"]
        lines += [f"| {name} | {t['seconds']} | {t['date']} | {t['revision']} | {t['machine']} |"
                  for name, t in sorted(times.items())]
        one = revisions[0] if len(revisions) == 1 else "several: " + ", ".join(revisions)
        lines += ["", f"**Total: {total:.1f} s ({total / 60:.1f} min) for {len(times)} notebooks · "
                      f"revision: {one}**", ""]
    lines += ["## 파일 · Files", "", FILES_HEADER, "|---|---|"]
    # by notebook, then file; rows of files that are gone (a renamed figure) are dropped
    lines += [f"| {name} | [{file}]({file}) |" for name in sorted(files) for file in sorted(files[name])
              if (figures_dir / file).exists()]
    index.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _total_minutes(index: Path) -> str:
    total = index_total(index)
    return "untimed" if total is None else f"{total / 60:.1f} min"


def index_total(index: Path) -> float | None:
    """The total seconds of an ``INDEX.md``'s time rows (None: no time rows)."""
    _, times = read_index(index)
    return sum(float(t["seconds"]) for t in times.values()) if times else None


@command
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stylelab.reproduce", description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=["quick", "full"], default="quick")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N")
    parser.add_argument("--encoder", default="auto", help="auto, vgg19, vgg16_bn_craft or random")
    parser.add_argument("--only", nargs="*", help="notebook prefixes or name parts, e.g. 00 01")
    parser.add_argument("--figures", type=Path, help="figures root (default: figures/)")
    parser.add_argument("--output", type=Path, help="folder for executed notebooks (default: build/notebooks/<profile>)")
    parser.add_argument("--inplace", action="store_true", help="write executed notebooks back into notebooks/")
    parser.add_argument("--smoke", action="store_true",
                        help="with --profile full: every full-profile code path at toy sizes (figures/full-smoke/)")
    args = parser.parse_args(argv)
    timings = run_notebooks(profile=args.profile, device=args.device, encoder=args.encoder, only=args.only,
                            figures=args.figures, output=args.output, inplace=args.inplace, smoke=args.smoke)
    total = sum(t for _, t in timings)
    folder = (args.figures or _root() / "figures") / label(args.profile, args.smoke)
    print(f"{len(timings)} notebooks in {total / 60:.1f} min at rev {git_revision()}; figures in {folder} "
          f"(times and machine: {folder / 'INDEX.md'}, all notebooks {_total_minutes(folder / 'INDEX.md')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
