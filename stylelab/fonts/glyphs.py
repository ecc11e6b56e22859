"""Glyph data for EMD: the font manifest, character lists, and rendering without tofu.

Every face we render from is listed in ``stylelab/data/fonts.tsv`` with the Debian package that
ships it, its known / novel split and the profiles that use it. ``render_glyph_table`` draws each
character of each face into an ``image_size``² grey image (black glyph on white), at one font
size per face and with the ink box centred, and marks which characters a face really has:

* **scale**: each face's size is set so that a few reference characters (``国永字图黑`` /
  ``한국어글꼴``) span ``fill`` of the image side. Within a face every character keeps its
  relative size (``一`` stays flat); across faces the overall size is comparable.
* **centring**: the ink bounding box of every glyph is centred to within half a pixel.
* **missing glyphs**: a character counts as present only if the face's character map has it, it
  does not map to ``.notdef``, it renders some ink and its rendering differs from the face's own
  ``.notdef`` box. Absent characters are masked out (``GlyphTable.available``), never drawn as tofu.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from ..assets import cache_dir
from ..errors import StylelabError
from ..registry import read_tsv

FONT_DIRS_ENV = "STYLELAB_FONT_DIRS"
DEFAULT_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
#: Characters whose median ink extent sets a face's font size (squarish, dense glyphs).
REFERENCE_CHARACTERS = {"zh": "国永字图黑", "ko": "한국어글꼴"}
SCRIPTS = {"zh": "Chinese (GB2312 level 1)", "ko": "Hangul (KS X 1001 syllables)"}
#: Bump when rendering changes, so that cached glyph tables are redrawn.
RENDER_VERSION = 1


# ----------------------------------------------------------------------------------------------
# The manifest
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FontSpec:
    """One face of the manifest."""

    name: str
    script: str  # "zh" or "ko"
    split: str  # "known" or "novel"
    profiles: tuple[str, ...]
    package: str  # the Debian package that installs ``file``
    file: str
    index: int  # face index inside a .ttc collection
    description: str


@lru_cache(maxsize=1)
def _manifest_rows() -> tuple[FontSpec, ...]:
    text = resources.files("stylelab.data").joinpath("fonts.tsv").read_text(encoding="utf-8")
    rows = read_tsv(text)
    specs = tuple(FontSpec(r["name"], r["script"], r["split"], tuple(r["profiles"].split(",")), r["package"],
                           r["file"], int(r["index"]), r["description"]) for r in rows)
    names = [s.name for s in specs]
    if len(set(names)) != len(names):  # a guard for whoever edits the TSV
        raise StylelabError("stylelab/data/fonts.tsv lists a font name twice; names must be unique")
    return specs


def manifest(script: str | None = None, profile: str | None = None, split: str | None = None) -> list[FontSpec]:
    """The manifest's faces, optionally only one script ("zh", "ko"), profile or split."""
    if script is not None and script not in SCRIPTS:
        raise StylelabError(f"unknown script {script!r}; choose one of {', '.join(SCRIPTS)}")
    if split is not None and split not in ("known", "novel"):
        raise StylelabError(f"unknown style split {split!r}; choose 'known' or 'novel'")
    return [s for s in _manifest_rows() if (script is None or s.script == script)
            and (profile is None or profile in s.profiles) and (split is None or s.split == split)]


def font_spec(name: str) -> FontSpec:
    """The manifest entry called ``name``."""
    for spec in _manifest_rows():
        if spec.name == name:
            return spec
    close = difflib.get_close_matches(name, [s.name for s in _manifest_rows()], n=3)
    hint = f"did you mean {', '.join(close)}?" if close else "see stylelab/data/fonts.tsv for the names"
    raise StylelabError(f"unknown font {name!r}; {hint}")


def _font_dirs() -> list[Path]:
    extra = [p for p in os.environ.get(FONT_DIRS_ENV, "").split(os.pathsep) if p]
    return [Path(p).expanduser() for p in [*extra, *DEFAULT_FONT_DIRS]]


@lru_cache(maxsize=1)
def _installed_font_files() -> dict[str, Path]:
    """File name → path for every font file under the font folders (first folder wins)."""
    found: dict[str, Path] = {}
    for folder in _font_dirs():
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.suffix.lower() in (".ttf", ".ttc", ".otf") and path.name not in found:
                    found[path.name] = path
    return found


def install_command(specs: Iterable[FontSpec]) -> str:
    packages = sorted({s.package for s in specs})
    return "sudo apt-get install -y --no-install-recommends " + " ".join(packages)


def missing_fonts(specs: Iterable[FontSpec]) -> list[FontSpec]:
    """The faces whose files are not installed."""
    files = _installed_font_files()
    return [s for s in specs if s.file not in files]


def locate(specs: Sequence[FontSpec] | FontSpec) -> dict[str, Path]:
    """Font file of every spec; if any is missing, one error naming the packages to install."""
    specs = [specs] if isinstance(specs, FontSpec) else list(specs)
    missing = missing_fonts(specs)
    if missing:
        names = ", ".join(s.name for s in missing[:4]) + (f" and {len(missing) - 4} more" if len(missing) > 4 else "")
        raise StylelabError(f"{len(missing)} font(s) not installed ({names}); install them with: "
                            f"{install_command(missing)}  (or add their folder to ${FONT_DIRS_ENV})")
    files = _installed_font_files()
    return {s.name: files[s.file] for s in specs}


def refresh_font_files() -> None:
    """Forget the scanned font folders (after installing packages in a running kernel)."""
    _installed_font_files.cache_clear()


# ----------------------------------------------------------------------------------------------
# Character lists
# ----------------------------------------------------------------------------------------------

def character_set(script: str) -> str:
    """The script's common characters in code order.

    ``zh``: the 3,755 GB2312 level-1 hanzi (rows 16–55, 0xB0A1–0xD7F9), the everyday set.
    ``ko``: the 2,350 precomposed Hangul syllables of KS X 1001 (rows 16–40 of EUC-KR), the
    syllables in common use (the other 8,822 of Unicode's 11,172 are rare).
    """
    if script == "zh":
        codes = [bytes([hi, lo]) for hi in range(0xB0, 0xD8) for lo in range(0xA1, 0xFF)
                 if not (hi == 0xD7 and lo > 0xF9)]  # row 55 ends at 0xF9: five code points unassigned
        return "".join(code.decode("gb2312") for code in codes)
    if script == "ko":
        return "".join(bytes([hi, lo]).decode("euc-kr") for hi in range(0xB0, 0xC9) for lo in range(0xA1, 0xFF))
    raise StylelabError(f"unknown script {script!r}; choose one of {', '.join(SCRIPTS)}")


# ----------------------------------------------------------------------------------------------
# Rendering one face
# ----------------------------------------------------------------------------------------------

#: Code points tried, in order, for a character no font maps (its rendering is the .notdef glyph).
_UNMAPPED_CANDIDATES = (0x10FFFD, 0x10FFFC, 0xFFFFD, 0xE0FFF)


@lru_cache(maxsize=128)
def _character_map(path: str, index: int, mtime_ns: int) -> tuple[frozenset[int], frozenset[int]]:
    """Code points in the face's best cmap, and those among them that point at glyph 0 (.notdef).

    Cached per file version: decoding a CJK cmap (65k entries) takes a noticeable 0.3 s.
    """
    from fontTools.ttLib import TTFont

    face = TTFont(path, fontNumber=index, lazy=True)
    cmap = face.getBestCmap() or {}
    glyph_order = face.getGlyphOrder()
    notdef = glyph_order[0] if glyph_order else ".notdef"
    return frozenset(cmap), frozenset(cp for cp, glyph in cmap.items() if glyph == notdef)


class GlyphRenderer:
    """Render characters of one face into ``image_size``² uint8 images (0 = ink, 255 = paper).

    ``GlyphRenderer(path, index=0, image_size=80, fill=0.8)``; ``render(char)`` draws a glyph,
    ``status(char)`` says whether the face has it ("ok" or why not).
    """

    def __init__(self, path: str | os.PathLike, index: int = 0, *, image_size: int = 80, fill: float = 0.8,
                 reference: str = REFERENCE_CHARACTERS["zh"], label: str | None = None):
        if image_size < 8:
            raise StylelabError(f"image_size {image_size} is too small for a glyph; use at least 8 pixels")
        if not 0.2 <= fill <= 1.0:
            raise StylelabError(f"fill {fill} must be between 0.2 and 1.0 (fraction of the image the glyph spans)")
        self.path, self.index, self.image_size, self.fill = Path(path), index, image_size, fill
        self.label = label or f"{self.path.name}:{index}"
        if not self.path.is_file():
            raise StylelabError(f"font file not found: {self.path}")
        try:
            self._cmap, self._maps_to_notdef = _character_map(str(self.path), index, self.path.stat().st_mtime_ns)
        except Exception as exc:  # fontTools raises many kinds of errors for bad files
            raise StylelabError(f"cannot read font {self.label} ({exc}); is it a TrueType/OpenType file?") from None
        self.font_size = self._font_size(reference)
        self._font = self._load(self.font_size)
        unmapped = next((cp for cp in _UNMAPPED_CANDIDATES if cp not in self._cmap), None)
        self._notdef_image = self._draw(chr(unmapped)) if unmapped is not None else None

    def _load(self, size: int) -> ImageFont.FreeTypeFont:
        return ImageFont.truetype(str(self.path), size, index=self.index, layout_engine=ImageFont.Layout.BASIC)

    def _font_size(self, reference: str) -> int:
        """Font size at which the reference characters' median ink extent is ``fill · image_size``."""
        probe_size = 200
        probe = self._load(probe_size)
        extents = []
        for char in reference:
            if not self.in_cmap(char):
                continue
            # Measured on a rendering: FreeTypeFont.getbbox spans the advance width, not the ink.
            canvas = Image.new("L", (3 * probe_size, 3 * probe_size), 0)
            ImageDraw.Draw(canvas).text((probe_size, probe_size), char, font=probe, fill=255)
            box = canvas.getbbox()
            if box:
                extents.append(max(box[2] - box[0], box[3] - box[1]))
        if not extents:
            raise StylelabError(f"font {self.label} has none of the reference characters {reference!r}; "
                                f"it does not cover this script")
        return max(1, round(probe_size * self.fill * self.image_size / float(np.median(extents))))

    def in_cmap(self, char: str) -> bool:
        return ord(char) in self._cmap and ord(char) not in self._maps_to_notdef

    def _ink(self, char: str) -> Image.Image | None:
        """The glyph's ink (255 = ink) cropped to its bounding box, or None if it draws nothing."""
        size = self.font_size
        canvas = Image.new("L", (3 * size, 3 * size), 0)
        ImageDraw.Draw(canvas).text((size, size), char, font=self._font, fill=255)
        box = canvas.getbbox()
        return canvas.crop(box) if box else None

    def _draw(self, char: str) -> np.ndarray | None:
        ink = self._ink(char)
        if ink is None:
            return None
        side = self.image_size
        room = side - 2  # keep a 1-pixel margin for the rare glyph larger than the reference ones
        if max(ink.size) > room:
            scale = room / max(ink.size)
            ink = ink.resize((max(1, round(ink.width * scale)), max(1, round(ink.height * scale))),
                             Image.Resampling.LANCZOS)
        canvas = Image.new("L", (side, side), 0)
        canvas.paste(ink, (round((side - ink.width) / 2), round((side - ink.height) / 2)))
        return 255 - np.asarray(canvas, dtype=np.uint8)

    def status(self, char: str) -> str:
        """"ok", or why the face lacks ``char`` (so it would render as tofu or nothing)."""
        if len(char) != 1:
            raise StylelabError(f"expected one character, got {char!r}")
        if ord(char) not in self._cmap:
            return "not in the character map"
        if ord(char) in self._maps_to_notdef:
            return "maps to .notdef"
        image = self._draw(char)
        if image is None:
            return "renders blank"
        if self._notdef_image is not None and np.array_equal(image, self._notdef_image):
            return "renders as the .notdef box"
        return "ok"

    def has_glyph(self, char: str) -> bool:
        return self.status(char) == "ok"

    def render(self, char: str) -> np.ndarray:
        """``char`` as an ``image_size``² uint8 array; a clear error if the face lacks it."""
        status = self.status(char)
        if status != "ok":
            raise StylelabError(f"font {self.label} has no glyph for {char!r} (U+{ord(char):04X}: {status}); "
                                f"pick another character or font")
        return self._draw(char)

    def render_available(self, chars: str) -> tuple[np.ndarray, np.ndarray]:
        """All of ``chars``: images (N, S, S) uint8 with blank paper where a glyph is missing, and a
        bool mask of the characters the face really has."""
        side = self.image_size
        images = np.full((len(chars), side, side), 255, dtype=np.uint8)
        available = np.zeros(len(chars), dtype=bool)
        for k, char in enumerate(chars):
            if not self.in_cmap(char):
                continue
            image = self._draw(char)
            if image is None or (self._notdef_image is not None and np.array_equal(image, self._notdef_image)):
                continue
            images[k], available[k] = image, True
        return images, available


def renderer(spec: FontSpec | str, *, image_size: int = 80, fill: float = 0.8) -> GlyphRenderer:
    """A ``GlyphRenderer`` for a manifest face (by spec or name); missing package → one-line error."""
    spec = font_spec(spec) if isinstance(spec, str) else spec
    path = locate(spec)[spec.name]
    return GlyphRenderer(path, spec.index, image_size=image_size, fill=fill,
                         reference=REFERENCE_CHARACTERS[spec.script], label=spec.name)


# ----------------------------------------------------------------------------------------------
# The glyph table: every character of every face
# ----------------------------------------------------------------------------------------------

@dataclass
class GlyphTable:
    """``images[s, c]`` is character ``chars[c]`` in style ``styles[s]``: uint8 (S, C, H, W), 0 = ink.
    ``available[s, c]`` is False where the face lacks the character (its image is blank paper)."""

    images: torch.Tensor
    available: torch.Tensor
    styles: list[FontSpec]
    chars: str

    @property
    def style_names(self) -> list[str]:
        return [s.name for s in self.styles]

    @property
    def image_size(self) -> int:
        return int(self.images.shape[-1])

    def glyph(self, style: int | str, char: int | str) -> torch.Tensor:
        """One glyph as a float (1, H, W) tensor in [0, 1]."""
        s = self.style_names.index(style) if isinstance(style, str) else style
        c = self.chars.index(char) if isinstance(char, str) else char
        if not self.available[s, c]:
            raise StylelabError(f"font {self.style_names[s]} has no glyph for {self.chars[c]!r}")
        return self.images[s, c].unsqueeze(0).float() / 255.0


def _cache_path(spec: FontSpec, path: Path, chars: str, image_size: int, fill: float) -> Path:
    stat = path.stat()
    key = f"{RENDER_VERSION}|{path}|{stat.st_size}|{stat.st_mtime_ns}|{spec.index}|{image_size}|{fill}|{chars}"
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
    return cache_dir() / "glyphs" / f"{spec.name}-{image_size}-{digest}.npz"


def render_glyph_table(specs: Sequence[FontSpec], chars: str, *, image_size: int = 80, fill: float = 0.8,
                       cache: bool = True, progress: bool = False) -> GlyphTable:
    """Render ``chars`` in every face of ``specs`` (all must be installed; see ``locate``).

    Rendered faces are cached under ``$STYLELAB_CACHE/glyphs`` keyed by the font file, face,
    size and characters, so the full profile's 100k glyphs are drawn once.
    """
    if not specs:
        raise StylelabError("no fonts given to render")
    if not chars:
        raise StylelabError("no characters given to render")
    paths = locate(specs)
    images = np.empty((len(specs), len(chars), image_size, image_size), dtype=np.uint8)
    available = np.empty((len(specs), len(chars)), dtype=bool)
    iterator = specs
    if progress:
        from tqdm import tqdm

        iterator = tqdm(specs, desc="rendering glyphs", mininterval=1.0)
    for s, spec in enumerate(iterator):
        cached = _cache_path(spec, paths[spec.name], chars, image_size, fill) if cache else None
        if cached is not None and cached.is_file():
            with np.load(cached) as stored:
                images[s], available[s] = stored["images"], stored["available"]
            continue
        face = GlyphRenderer(paths[spec.name], spec.index, image_size=image_size, fill=fill,
                             reference=REFERENCE_CHARACTERS[spec.script], label=spec.name)
        images[s], available[s] = face.render_available(chars)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_name(cached.name + ".tmp.npz")
            np.savez_compressed(tmp, images=images[s], available=available[s])
            os.replace(tmp, cached)
    return GlyphTable(torch.from_numpy(images), torch.from_numpy(available), list(specs), chars)
