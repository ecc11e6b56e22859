"""Stamps: every figure and table says which encoder, device, profile and git revision made it."""

from __future__ import annotations

import csv
import io
import os
import subprocess
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

FIGURES_ENV = "STYLELAB_FIGURES_DIR"
PROJECT_ENV = "STYLELAB_PROJECT_DIR"
REPO_ROOT = Path(__file__).resolve().parent.parent  # the checkout, when stylelab is imported from one


def project_root() -> Path | None:
    """The stylelab checkout that holds ``notebooks/``: ``$STYLELAB_PROJECT_DIR``, else the source tree
    this package was imported from (a checkout or an editable install), else the current directory;
    None when none of them has a ``notebooks/`` folder (a plain ``pip install`` outside a checkout)."""
    candidates = [Path(os.environ[PROJECT_ENV])] if os.environ.get(PROJECT_ENV) else []
    candidates += [REPO_ROOT, Path.cwd()]
    return next((c.resolve() for c in candidates if (c / "notebooks").is_dir()), None)


@lru_cache(maxsize=1)
def git_revision() -> str:
    """Short git revision of the checkout (``-dirty`` when it has uncommitted changes)."""
    if os.environ.get("STYLELAB_REVISION"):
        return os.environ["STYLELAB_REVISION"]
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short=10", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "stylelab", "pyproject.toml"],
            cwd=REPO_ROOT, capture_output=True, text=True, check=True,
        ).stdout.strip()
        return rev + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


@dataclass(frozen=True)
class Stamp:
    encoder: str
    device: str
    profile: str
    revision: str = ""
    versions: str = ""  # library versions, for timings (``bench.timing_stamp``); empty: not shown

    def __post_init__(self):
        if not self.revision:
            object.__setattr__(self, "revision", git_revision())

    def line(self) -> str:
        line = (f"stylelab · encoder={self.encoder} · device={self.device} · "
                f"profile={self.profile} · rev={self.revision}")
        return f"{line} · {self.versions}" if self.versions else line

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v or k != "versions"}


def figures_dir(figures_dir: str | os.PathLike | None, profile: str) -> Path:
    """Where a notebook writes its figures: the explicit folder, else ``$STYLELAB_FIGURES_DIR``,
    else ``figures/<profile>/`` in the checkout (:func:`project_root`; the current directory outside one)."""
    if figures_dir:
        path = Path(figures_dir)
    elif os.environ.get(FIGURES_ENV):
        path = Path(os.environ[FIGURES_ENV]) / profile
    else:
        path = (project_root() or Path.cwd()) / "figures" / profile
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_figure(fig, name: str, stamp: Stamp, folder: Path) -> Path:
    """Save a matplotlib figure as ``folder/name.png`` with the stamp as a footer and PNG metadata."""
    fig.text(0.995, 0.003, stamp.line(), ha="right", va="bottom", fontsize=6, color="0.35")
    path = Path(folder) / f"{name}.png"
    metadata = {"Software": "stylelab", **{k.capitalize(): v for k, v in stamp.as_dict().items()}}
    fig.savefig(path, dpi=110, bbox_inches="tight", metadata=metadata)
    return path


def save_image(image, name: str, stamp: Stamp, folder: Path) -> Path:
    """Save an image tensor as ``folder/name.png`` with the stamp in its PNG metadata only: the pixels stay
    the result itself (a picture to reuse), the stamp travels with the file as for figures."""
    from PIL.PngImagePlugin import PngInfo

    from .images import to_pil

    info = PngInfo()
    for key, value in {"Software": "stylelab", **{k.capitalize(): v for k, v in stamp.as_dict().items()}}.items():
        info.add_text(key, value)
    path = Path(folder) / f"{name}.png"
    to_pil(image).save(path, pnginfo=info)
    return path


def save_table(rows: list[dict], name: str, stamp: Stamp, folder: Path, title: str = "") -> Path:
    """Write ``rows`` as ``folder/name.md`` (a stamped Markdown table) and ``folder/name.csv``."""
    if not rows:
        raise ValueError("save_table needs at least one row")
    columns = list(rows[0])
    md = [f"# {title}" if title else f"# {name}", "", f"_{stamp.line()}_", "",
          "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    md += ["| " + " | ".join(_cell(r.get(c, "")) for c in columns) + " |" for r in rows]
    md_path = Path(folder) / f"{name}.md"
    md_path.write_text("\n".join(md) + "\n", encoding="utf-8")
    buf = io.StringIO()
    buf.write(f"# {stamp.line()}\n")
    writer = csv.DictWriter(buf, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    (Path(folder) / f"{name}.csv").write_text(buf.getvalue(), encoding="utf-8")
    return md_path


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
