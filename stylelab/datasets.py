"""Content photographs for training feed-forward style nets, and the random-crop dataset over them.

Johnson et al. train on COCO, which cannot be downloaded offline. ``training_photos()`` instead gives
the real photographs listed in ``data/photos.tsv``: files that Debian packages install (wallpapers,
game and template pictures, picked by eye; ``scripts/setup.sh`` installs the packages) plus one that
matplotlib ships, each checked against its sha256. The AdaIN content images are deliberately not among
them, so they stay "never seen" test images. Connected users can use COCO through ``coco_images()``;
both lists of paths feed the same ``RandomCropDataset``.

``RandomCropDataset`` draws every random number from a generator seeded by (seed, item index), and
``batch(step, batch_size)`` is a pure function of (seed, step): a training run resumed from a checkpoint
sees exactly the batches an uninterrupted one would have seen. Its images are listed once and, past
``CACHE_LIMIT`` (COCO, WikiArt), decoded on demand, so DataLoader workers (``train --workers K``,
:mod:`stylelab.distributed`) do the decoding and cropping; ``batch(step, B, rows)`` makes one process's
share of a global batch.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import urllib.request
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch
from PIL import Image, ImageOps
from torch.utils.data import Dataset
from torchvision.transforms.v2 import functional as F

from . import assets
from .errors import StylelabError
from .registry import read_tsv

PHOTOS_MANIFEST = Path(__file__).parent / "data" / "photos.tsv"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff")
CACHE_LIMIT = 2000  # image sets up to this size are decoded once and kept in memory


@dataclass(frozen=True)
class PhotoEntry:
    """One manifest row: ``source`` is ``debian:PACKAGE`` (absolute ``path``) or ``pypi:PACKAGE``
    (``path`` inside the installed package, e.g. ``matplotlib/mpl-data/...``)."""

    name: str
    source: str
    path: str
    sha256: str
    size_px: str
    licence: str
    note: str

    @property
    def package(self) -> str:
        return self.source.partition(":")[2]

    def installed_path(self) -> Path:
        """Where the file is on this machine (a pypi path is looked up next to the installed package)."""
        if self.source.startswith("debian:"):
            return Path(self.path)
        top = self.path.split("/")[0]
        spec = importlib.util.find_spec(top)
        if spec is None or not spec.origin:
            return Path("/nonexistent") / self.path  # not installed: reported as missing
        return Path(spec.origin).parent.parent / self.path


@lru_cache(maxsize=4)
def _read_manifest(path: Path) -> tuple[PhotoEntry, ...]:
    return tuple(PhotoEntry(**row) for row in read_tsv(path.read_text(encoding="utf-8")))


def photo_entries() -> list[PhotoEntry]:
    """All rows of the photo manifest (``PHOTOS_MANIFEST``), in file order."""
    return list(_read_manifest(Path(PHOTOS_MANIFEST)))


# Files whose hash already matched in this process, keyed so that a changed file is checked again.
_VERIFIED: set[tuple[str, str, int, int]] = set()


def _check_hash(entry: PhotoEntry, path: Path) -> None:
    stat = path.stat()
    key = (str(path), entry.sha256, stat.st_size, stat.st_mtime_ns)
    if key in _VERIFIED:
        return
    actual = assets.sha256_of(path)
    if actual != entry.sha256:
        raise StylelabError(
            f"training photo {entry.name!r} at {path} fails its sha256 check ({actual[:12]}…, expected "
            f"{entry.sha256[:12]}…): it is not the file {entry.source} ships; reinstall that package"
        )
    _VERIFIED.add(key)


def training_photos(names: Sequence[str] | None = None, *, verify: bool = True) -> list[Path]:
    """Paths of the installed training photographs (all, or the named ones, in that order).

    Each is checked against the manifest's sha256 (once per process), so a training run can cite
    exactly which pixels it saw.
    """
    entries = photo_entries()
    if names is not None:
        by_name = {e.name: e for e in entries}
        names = [names] if isinstance(names, str) else list(names)
        unknown = [n for n in names if n not in by_name]
        if unknown:
            raise StylelabError(f"unknown training photo {', '.join(map(repr, unknown))}; valid names: {', '.join(by_name)}")
        entries = [by_name[n] for n in names]
    paths = [e.installed_path() for e in entries]
    missing = [e for e, p in zip(entries, paths) if not p.is_file()]
    if missing:
        debs = sorted({e.package for e in missing if e.source.startswith("debian:")})
        pips = sorted({e.package for e in missing if not e.source.startswith("debian:")})
        how = [f"Debian package(s) {' '.join(debs)} (bash scripts/setup.sh installs them, or apt-get install {' '.join(debs)})"] if debs else []
        how += [f"PyPI package(s) {' '.join(pips)} (pip install {' '.join(pips)})"] if pips else []
        raise StylelabError(f"{len(missing)} training photo(s) are not installed (e.g. {missing[0].name!r}); install the {' and the '.join(how)}")
    if verify:
        for entry, path in zip(entries, paths):
            _check_hash(entry, path)
    return paths


def image_folder(path: str | os.PathLike) -> list[Path]:
    """The image files (``IMAGE_SUFFIXES``, any case) directly inside a folder, sorted by name."""
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise StylelabError(f"image folder {folder} does not exist")
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise StylelabError(f"no images ({', '.join(IMAGE_SUFFIXES)}) in {folder}")
    return files


COCO_TRAIN2014 = assets.get("dataset/coco_train2014")


def coco_images(root: str | os.PathLike) -> list[Path]:
    """COCO train2014's 82,783 images under ``root/train2014`` (for connected users).

    Takes an already extracted ``root/train2014/`` as it is; otherwise verifies ``root/train2014.zip``
    (downloading its 13.5 GB first when absent) against the registry's md5 and extracts it.
    """
    root = Path(root).expanduser()
    folder = root / "train2014"
    if folder.is_dir():
        return image_folder(folder)
    archive = root / "train2014.zip"
    if archive.is_file():
        assets._verified(COCO_TRAIN2014, archive, "local copy")
    else:
        try:  # a quick probe first, so that offline the answer is immediate and says what to do
            urllib.request.urlopen(urllib.request.Request(COCO_TRAIN2014.url, method="HEAD"), timeout=20).close()
        except OSError as exc:
            reason = getattr(exc, "reason", None) or exc
            raise StylelabError(
                f"COCO train2014 cannot be downloaded: {COCO_TRAIN2014.url} is unreachable ({reason}); "
                f"train on the offline photos instead (stylelab.datasets.training_photos()), or put an extracted "
                f"train2014/ folder under {root}"
            ) from None
        assets._download(COCO_TRAIN2014, archive)
    partial = root / "train2014.extracting"
    shutil.rmtree(partial, ignore_errors=True)
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(partial)  # the archive holds train2014/*.jpg
    os.replace(partial / "train2014", folder)
    shutil.rmtree(partial, ignore_errors=True)
    return image_folder(folder)


def stable_seed(*parts: object) -> int:
    """A stable 63-bit seed from its parts (Python's hash() of strings changes between processes)."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") & (2**63 - 1)


def _load(path: Path, max_side: int) -> torch.Tensor:
    """The image as a (3, H, W) uint8 tensor, upright, RGB, its short side at most ``max_side``."""
    try:
        with Image.open(path) as im:
            short = min(im.size)
            if short > max_side:  # let the JPEG decoder skip detail we would throw away (much faster)
                im.draft("RGB", tuple(-(-s * max_side // short) for s in im.size))
            im = ImageOps.exif_transpose(im).convert("RGB")
        if min(im.size) > max_side:
            im = F.resize(im, [max_side], antialias=True)  # one size: the short side
        return F.pil_to_tensor(im)
    except Exception as exc:  # PIL raises OSError, SyntaxError, ValueError... for bad files
        raise StylelabError(f"cannot read training image {path}: {type(exc).__name__}: {exc}") from None


class RandomCropDataset(Dataset):
    """Random square crops of a list of images, resized to ``size`` × ``size``, values in [0, 1].

    Every image is decoded once, downscaled so its short side is at most ``max_side`` (a 1920×1080
    wallpaper becomes 910×512: enough for crops, small in memory) and kept as uint8. Item ``i`` is
    image ``perm(epoch)[i % n]`` with ``epoch = i // n`` and one permutation per epoch derived from
    (seed, epoch), so consecutive items use every image once per epoch. Its crop side is a uniform
    fraction ``crop_range`` of the short side, at a uniform position, flipped horizontally half the
    time, all drawn from a generator seeded by (seed, i): any item is reproducible in any order.
    ``len()`` is ``length`` or the number of images; ``batch()`` reaches any item, beyond ``len()`` too.
    """

    def __init__(
        self,
        paths: Sequence[str | os.PathLike],
        size: int,
        *,
        crop_range: tuple[float, float] = (0.5, 1.0),
        max_side: int = 512,
        seed: int = 0,
        length: int | None = None,
        cache: bool | None = None,
    ):
        low, high = crop_range
        if not paths:
            raise StylelabError("RandomCropDataset needs at least one image path")
        if not 0 < low <= high <= 1:
            raise StylelabError(f"crop_range must satisfy 0 < low <= high <= 1, got {crop_range}")
        if size < 1 or max_side < 1:
            raise StylelabError(f"size and max_side must be positive, got size={size}, max_side={max_side}")
        self.paths = [Path(p) for p in paths]
        self.size, self.crop_range, self.max_side, self.seed = size, (low, high), max_side, seed
        self.length = length
        # cache=None: keep the decoded images in memory for photo sets (tens of images), decode on
        # demand for COCO-sized folders (82,783 images would need ~65 GB at 512 px)
        self.cache = len(self.paths) <= CACHE_LIMIT if cache is None else cache
        if self.cache:
            loaded: dict[Path, torch.Tensor] = {}
            for p in self.paths:  # eagerly, so a bad file fails here, naming itself, not mid-training
                if p not in loaded:
                    loaded[p] = _load(p, max_side)
            self.images = [loaded[p] for p in self.paths]
        self._permutations: dict[int, torch.Tensor] = {}

    def _image(self, index: int) -> torch.Tensor:
        return self.images[index] if self.cache else _load(self.paths[index], self.max_side)

    def __len__(self) -> int:
        return self.length if self.length is not None else len(self.paths)

    def _permutation(self, epoch: int) -> torch.Tensor:
        if epoch not in self._permutations:
            g = torch.Generator().manual_seed(stable_seed(self.seed, "epoch", epoch))
            self._permutations[epoch] = torch.randperm(len(self.paths), generator=g)
        return self._permutations[epoch]

    def image_index(self, i: int) -> int:
        """Which image item ``i`` crops (every image once per block of ``len(images)`` items)."""
        epoch, k = divmod(i, len(self.paths))
        return int(self._permutation(epoch)[k])

    def item(self, i: int) -> torch.Tensor:
        """Item ``i`` for any ``i >= 0``; ``self[i]`` is the same, bounded by ``len()``."""
        g = torch.Generator().manual_seed(stable_seed(self.seed, "item", i))
        image = self._image(self.image_index(i))
        height, width = image.shape[-2:]
        low, high = self.crop_range
        fraction = low + (high - low) * torch.rand((), generator=g).item()
        side = max(1, round(fraction * min(height, width)))
        top = int(torch.randint(0, height - side + 1, (), generator=g))
        left = int(torch.randint(0, width - side + 1, (), generator=g))
        crop = image[:, top : top + side, left : left + side]
        if torch.rand((), generator=g) < 0.5:
            crop = F.horizontal_flip(crop)
        crop = F.resize(crop, [self.size, self.size], antialias=True)
        return F.to_dtype(crop, torch.float32, scale=True)

    def __getitem__(self, i: int) -> torch.Tensor:
        if not 0 <= i < len(self):
            raise IndexError(f"item {i} out of range for {len(self)} items")
        return self.item(i)

    def batch(self, step: int, batch_size: int, rows: slice | None = None) -> torch.Tensor:
        """The (B, 3, size, size) batch of global training step ``step``: items ``step*B .. step*B+B-1``;
        ``rows``: only those rows of it (one process's share of the global batch, made alone)."""
        ks = range(batch_size) if rows is None else range(batch_size)[rows]
        return torch.stack([self.item(step * batch_size + k) for k in ks])


def batch_rows(dataset, step: int, batch_size: int, rows: slice | None = None) -> torch.Tensor:
    """Rows ``rows`` of ``dataset.batch(step, batch_size)`` (all of it for None or the whole range): a
    :class:`RandomCropDataset` makes those rows only, another dataset its whole batch, then sliced."""
    if rows is None or range(batch_size)[rows] == range(batch_size):
        return dataset.batch(step, batch_size)
    if isinstance(dataset, RandomCropDataset):
        return dataset.batch(step, batch_size, rows)
    return dataset.batch(step, batch_size)[rows]
