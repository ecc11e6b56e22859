"""Named, hashed assets: the AdaIN paper's content/style images and mask.

Every asset has an upstream URL, a sha256, a size and a licence note (``data/assets.tsv``).
``fetch(name)`` resolves a name to a verified local file, looking in this order:

1. the offline mirror: ``$STYLELAB_ASSET_MIRROR``, a folder laid out like the registry paths
   (``adain/content/cornell.jpg`` ...). Files are read in place, never copied;
2. the user cache: ``$STYLELAB_CACHE`` (default ``$XDG_CACHE_HOME/stylelab`` or ``~/.cache/stylelab``);
3. a download from the upstream URL into the cache.

Whatever the source, the file's sha256 must match the registry before it is used; a tampered or
truncated file is rejected with a one-line error. Where upstream publishes no sha256 (COCO's
train2014.zip: only an md5 is widely published, and a 13.5 GB file cannot be hashed offline here), the
registry's hash column holds ``md5:<hex>`` and that digest is checked instead.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .errors import StylelabError
from .registry import read_tsv

MIRROR_ENV = "STYLELAB_ASSET_MIRROR"
CACHE_ENV = "STYLELAB_CACHE"


@dataclass(frozen=True)
class Asset:
    name: str  # e.g. "content/cornell", "style/woman_with_hat_matisse", "mask/mask"
    path: str  # relative path inside the mirror and the cache
    sha256: str
    size: int
    url: str
    licence: str


@lru_cache(maxsize=1)
def registry() -> dict[str, Asset]:
    """All known assets by name."""
    text = resources.files("stylelab.data").joinpath("assets.tsv").read_text(encoding="utf-8")
    return {row["name"]: Asset(row["name"], row["path"], row["sha256"], int(row["bytes"]), row["url"], row["licence"])
            for row in read_tsv(text, header_in_comment=True)}


def names(kind: str | None = None) -> list[str]:
    """Asset names, optionally only one kind ("content", "style", "mask")."""
    return sorted(n for n in registry() if kind is None or n.split("/")[0] == kind)


def get(name: str) -> Asset:
    try:
        return registry()[name]
    except KeyError:
        close = [n for n in registry() if name.split("/")[-1] in n]
        hint = f" (did you mean {', '.join(close)}?)" if close else f"; known kinds: content/, style/, mask/"
        raise StylelabError(f"unknown asset {name!r}{hint}") from None


def cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "stylelab"


def sha256_of(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """The file's hex digest (sha256 unless ``algorithm``), read in 1 MiB blocks: the one file hash of stylelab
    (asset checks, model files and their registry, training photos)."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _digest_like(path: Path, expected: str) -> str:
    """The file's digest in the notation of the registry entry: plain hex is sha256, ``md5:<hex>`` md5."""
    algorithm, _, _ = expected.rpartition(":")
    return f"{algorithm}:{sha256_of(path, algorithm)}" if algorithm else sha256_of(path)


def _verified(asset: Asset, path: Path, where: str) -> Path:
    actual_size = path.stat().st_size
    actual = _digest_like(path, asset.sha256)
    if actual != asset.sha256:
        raise StylelabError(
            f"asset {asset.name!r} at {path} ({where}) fails its hash check: hash {actual[:16]}…, "
            f"{actual_size} bytes, expected {asset.sha256[:12]}…, {asset.size} bytes; "
            f"the file is truncated or altered, replace it with the one from {asset.url}"
        )
    return path


def fetch(name: str, *, download: bool = True) -> Path:
    """Path to the verified local copy of asset ``name`` (see the module doc for the search order)."""
    asset = get(name)
    mirror = os.environ.get(MIRROR_ENV)
    if mirror:
        mirrored = Path(mirror).expanduser() / asset.path
        if mirrored.is_file():
            return _verified(asset, mirrored, f"mirror ${MIRROR_ENV}")
    cached = cache_dir() / asset.path
    if cached.is_file():
        try:
            return _verified(asset, cached, "cache")
        except StylelabError:
            cached.unlink()  # a broken cache entry is dropped and fetched again below
    if not download:
        raise StylelabError(_missing_message(asset, cached, "downloads are switched off"))
    _download(asset, cached)
    return _verified(asset, cached, f"downloaded from {asset.url}")


def _missing_message(asset: Asset, cached: Path, reason: str) -> str:
    return (
        f"asset {asset.name!r} is not available ({reason}): download {asset.url} and either "
        f"set {MIRROR_ENV} to a folder holding it as {asset.path} or save it as {cached}"
    )


def _download(asset: Asset, destination: Path) -> None:
    # torch.hub's downloader gives a tqdm bar and writes atomically enough for our sizes;
    # we still go through a temporary name so that an interrupted download never looks cached.
    from torch.hub import download_url_to_file

    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=destination.parent, prefix=destination.name, suffix=".part")
    os.close(fd)
    try:
        download_url_to_file(asset.url, tmp, progress=False)
    except Exception as exc:  # URLError, HTTPError, socket errors, ...
        Path(tmp).unlink(missing_ok=True)
        reason = getattr(exc, "reason", None) or exc
        raise StylelabError(_missing_message(asset, destination, f"offline or unreachable: {reason}")) from None
    try:
        _verified(asset, Path(tmp), f"downloaded from {asset.url}")
    except StylelabError:
        Path(tmp).unlink(missing_ok=True)
        raise
    os.replace(tmp, destination)


def licence_table(selected: list[str] | None = None) -> str:
    """Markdown table of asset, source URL and licence note, for notebooks' credits."""
    lines = ["| asset | source | licence |", "|---|---|---|"]
    for n in selected or names():
        a = get(n)
        lines.append(f"| {a.name} | {a.url} | {a.licence} |")
    return "\n".join(lines)
