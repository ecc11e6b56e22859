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

Two more things a row can say (pytorch/examples' published fast-neural-style nets need both):

* **pinned by its source, not by a hash.** A hash column of ``-`` (:data:`UNPINNED`) means no hash could be
  computed where the row was written (no download there); the licence column says what pins the file instead
  (the URL as given by a named upstream commit). Such a file is trusted on first use: the sha256 of the first
  copy stylelab reads (downloaded, extracted or mirrored) is recorded in the cache as ``<path>.sha256``
  (``sha256sum`` format) and every later read, from any source, must match it; a mismatch is a one-line error
  that names the pin file (delete it to trust a new upstream file). A real hash can replace ``-`` at any time.
* **a member of a zip.** A ``member`` column (the file's name inside the zip the URL serves) makes the URL an
  archive: it is downloaded once to ``<folder of path>/<the URL's file name>`` in the cache (itself pinned on
  first use), and the member is extracted to ``path``. The mirror may hold either the member at ``path`` or
  the zip at that archive path.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from .errors import StylelabError
from .registry import read_tsv

MIRROR_ENV = "STYLELAB_ASSET_MIRROR"
CACHE_ENV = "STYLELAB_CACHE"
#: The hash column of a row pinned by its source (see the module doc): trusted on first use.
UNPINNED = "-"


@dataclass(frozen=True)
class Asset:
    name: str  # e.g. "content/cornell", "style/woman_with_hat_matisse", "mask/mask"
    path: str  # relative path inside the mirror and the cache
    sha256: str
    size: int
    url: str
    licence: str
    member: str = ""  # the file inside the zip that ``url`` serves; "": the URL serves the file itself

    @property
    def archive_path(self) -> str:
        """Where a zipped asset's archive is kept: the folder of ``path``, the URL's file name."""
        return str(PurePosixPath(self.path).parent / PurePosixPath(urlsplit(self.url).path).name)


@lru_cache(maxsize=1)
def registry() -> dict[str, Asset]:
    """All known assets by name."""
    text = resources.files("stylelab.data").joinpath("assets.tsv").read_text(encoding="utf-8")
    return {row["name"]: Asset(row["name"], row["path"], row["sha256"], int(row["bytes"]), row["url"], row["licence"],
                               row.get("member") or "")
            for row in read_tsv(text, header_in_comment=True)}


def names(kind: str | None = None) -> list[str]:
    """Asset names, optionally only one kind ("content", "style", "mask", "examples", …)."""
    return sorted(n for n in registry() if kind is None or n.split("/")[0] == kind)


def get(name: str) -> Asset:
    try:
        return registry()[name]
    except KeyError:
        close = [n for n in registry() if name.split("/")[-1] in n]
        kinds = sorted({n.split("/")[0] + "/" for n in registry()})
        hint = f" (did you mean {', '.join(close)}?)" if close else f"; known kinds: {', '.join(kinds)}"
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


def pin_file(relative: str) -> Path:
    """Where the sha256 of an unpinned file's first copy is recorded (``relative``: its registry path)."""
    return cache_dir() / f"{relative}.sha256"


def _verified(asset: Asset, path: Path, where: str) -> Path:
    if asset.sha256 == UNPINNED:
        return _trusted_on_first_use(asset, path, where)
    actual_size = path.stat().st_size
    actual = _digest_like(path, asset.sha256)
    if actual != asset.sha256:
        raise StylelabError(
            f"asset {asset.name!r} at {path} ({where}) fails its hash check: hash {actual[:16]}…, "
            f"{actual_size} bytes, expected {asset.sha256[:12]}…, {asset.size} bytes; "
            f"the file is truncated or altered, replace it with the one from {asset.url}"
        )
    return path


def _trusted_on_first_use(asset: Asset, path: Path, where: str) -> Path:
    """An unpinned file: the first copy's sha256 is recorded in :func:`pin_file`, later copies must match it."""
    pin = pin_file(asset.path)
    actual = sha256_of(path)
    if not pin.is_file():
        pin.parent.mkdir(parents=True, exist_ok=True)
        tmp = pin.with_name(pin.name + ".part")
        tmp.write_text(f"{actual}  {PurePosixPath(asset.path).name}\n", encoding="utf-8")
        os.replace(tmp, pin)
        return path
    recorded = (pin.read_text(encoding="utf-8").split() or [""])[0]
    if actual != recorded:
        raise StylelabError(
            f"asset {asset.name!r} at {path} ({where}) does not match the sha256 recorded on first use in {pin}: "
            f"hash {actual[:16]}…, {path.stat().st_size} bytes, recorded {recorded[:16]}…; the file is truncated "
            f"or altered, or upstream changed it: replace it with the one from {asset.url}, or delete {pin} to "
            f"trust the new file"
        )
    return path


def fetch(name: str, *, download: bool = True) -> Path:
    """Path to the verified local copy of asset ``name`` (see the module doc for the search order); a zipped
    asset is extracted from its archive (mirrored, cached or downloaded) when the file itself is not there."""
    asset = get(name)
    if not asset.member:
        return _fetch_file(asset, download, asset)
    found = _local_file(asset)
    if found is not None:
        return found
    archive = _fetch_file(_archive_of(asset), download, asset)
    return _extract(asset, archive, cache_dir() / asset.path)


def _local_file(asset: Asset) -> Path | None:
    """The verified copy in the mirror or the cache, or None (a cached copy that fails its check is dropped)."""
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
            cached.unlink()  # a broken cache entry is dropped and fetched again
    return None


def _fetch_file(asset: Asset, download: bool, wanted: Asset) -> Path:
    """``asset`` from the mirror, the cache or a download; errors speak of ``wanted`` (the asset asked for)."""
    found = _local_file(asset)
    if found is not None:
        return found
    cached = cache_dir() / asset.path
    if not download:
        raise StylelabError(_missing_message(wanted, cache_dir() / wanted.path, "downloads are switched off"))
    _download(asset, cached, wanted)
    return _verified(asset, cached, f"downloaded from {asset.url}")


def _archive_of(asset: Asset) -> Asset:
    """The zip a zipped asset comes in, as an asset of its own (pinned on first use: the registry hashes members)."""
    return replace(asset, name=f"{asset.name} (its zip)", path=asset.archive_path, sha256=UNPINNED, size=0, member="")


def _extract(asset: Asset, archive: Path, destination: Path) -> Path:
    """Extract ``asset.member`` from ``archive`` to ``destination`` (via a temporary name), verified."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=destination.parent, prefix=destination.name, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, zipfile.ZipFile(archive) as zipped, zipped.open(asset.member) as member:
            for block in iter(lambda: member.read(1 << 20), b""):
                out.write(block)
        _verified(asset, Path(tmp), f"extracted from {archive}")
    except (KeyError, zipfile.BadZipFile) as exc:
        Path(tmp).unlink(missing_ok=True)
        problem = f"has no member {asset.member!r}" if isinstance(exc, KeyError) else f"is not a readable zip ({exc})"
        raise StylelabError(f"asset {asset.name!r}: {archive} {problem}; replace it with the zip from "
                            f"{asset.url}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    os.replace(tmp, destination)
    return destination


def _missing_message(asset: Asset, cached: Path, reason: str) -> str:
    if asset.member:
        return (
            f"asset {asset.name!r} is not available ({reason}): download {asset.url} (a zip), and either "
            f"set {MIRROR_ENV} to a folder holding its {asset.member} as {asset.path} (or the zip as "
            f"{asset.archive_path}) or save that file as {cached}"
        )
    return (
        f"asset {asset.name!r} is not available ({reason}): download {asset.url} and either "
        f"set {MIRROR_ENV} to a folder holding it as {asset.path} or save it as {cached}"
    )


def _download(asset: Asset, destination: Path, wanted: Asset | None = None) -> None:
    # torch.hub's downloader gives a tqdm bar and writes atomically enough for our sizes;
    # we still go through a temporary name so that an interrupted download never looks cached.
    from torch.hub import download_url_to_file

    wanted = wanted or asset
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=destination.parent, prefix=destination.name, suffix=".part")
    os.close(fd)
    try:
        download_url_to_file(asset.url, tmp, progress=False)
    except Exception as exc:  # URLError, HTTPError, socket errors, ...
        Path(tmp).unlink(missing_ok=True)
        reason = getattr(exc, "reason", None) or exc
        raise StylelabError(_missing_message(wanted, cache_dir() / wanted.path,
                                             f"offline or unreachable: {reason}")) from None
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
