"""The hashed registries (``stylelab/data/*.tsv``): one reader, one writer, one name-or-path lookup.

Every registry is a tab-separated file with comment lines (``#``) and a header row naming its columns
(``assets.tsv`` keeps its header in its first comment line). ``resolve(name_or_path, kind)`` is the one
place a command-line value becomes a file: a registered name of that kind (fetched and hash-checked) or
an existing file, with one error text for both registries.

    registry.resolve("adain-decoder-craft", "model")    # stylelab/pretrained/adain_decoder_craft.pt
    registry.resolve("style/sketch", "asset")           # the verified image in the cache or mirror
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from .errors import StylelabError

KINDS = ("model", "asset")


def read_tsv(text: str, *, header_in_comment: bool = False) -> list[dict[str, str]]:
    """The rows of a registry's text as dicts by column name (comment lines skipped)."""
    lines = text.splitlines()
    if header_in_comment:
        header = lines[0].lstrip("#").strip().split("\t")
        body = [line for line in lines if line and not line.startswith("#")]
        return [dict(zip(header, row)) for row in csv.reader(body, delimiter="\t", quoting=csv.QUOTE_NONE)]
    body = [line for line in lines if line and not line.startswith("#")]
    return list(csv.DictReader(body, delimiter="\t", quoting=csv.QUOTE_NONE))


def upsert_tsv(path: str | os.PathLike, key: str, row: list[str]) -> None:
    """Replace the row whose first column is ``key`` (or append it), keeping comments and header."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    rows = [r for r in rows if not (r and r[0] == key)] + [[key, *row]]
    tmp = Path(f"{path}.part")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, delimiter="\t", lineterminator="\n").writerows(rows)
    os.replace(tmp, path)


def resolve(name_or_path: str | os.PathLike, kind: str | tuple[str, ...]) -> Path:
    """A registered name of ``kind`` ("model": stylelab/data/weights.tsv; "asset": stylelab/data/assets.tsv;
    or a tuple of both), verified against its sha256, or an existing file; anything else is one error."""
    from . import assets, weights  # both import this module's reader

    kinds = (kind,) if isinstance(kind, str) else tuple(kind)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise StylelabError(f"unknown registry kind {unknown[0]!r}; choose from {', '.join(KINDS)}")
    value = str(name_or_path)
    listed = []
    for k in kinds:
        names = weights.registry() if k == "model" else assets.registry()
        if value in names:
            return weights.pretrained_path(value) if k == "model" else assets.fetch(value)
        listed += sorted(names)
    path = Path(value).expanduser()
    if path.is_file():
        return path
    shown = ", ".join(listed[:8]) + (", …" if len(listed) > 8 else "")
    raise StylelabError(f"{value!r} is neither a registered {' or '.join(kinds)} ({shown or 'none'}) nor a file")
