"""Glyph rendering, missing-glyph detection, the manifest and the character lists.

Most checks run on a tiny font built here with fontTools (so they need no Debian package); the
checks on real faces skip, naming the package, where it is not installed (scripts/setup.sh
installs them in CI).
"""

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from stylelab.errors import StylelabError
from stylelab.fonts import glyphs

REPO = Path(__file__).resolve().parents[1]


def _rect(pen, x0, y0, x1, y1, hole=False):
    points = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)] if hole else [(x0, y0), (x0, y1), (x1, y1), (x1, y0)]
    pen.moveTo(points[0])
    for point in points[1:]:
        pen.lineTo(point)
    pen.closePath()


@pytest.fixture(scope="module")
def test_font(tmp_path_factory) -> Path:
    """口: a hollow square; 一: a flat bar; 二: an empty glyph; 三: a copy of the .notdef box;
    四: mapped straight to .notdef; anything else: not in the cmap."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    def glyph(*rects):
        pen = TTGlyphPen(None)
        for rect in rects:
            _rect(pen, *rect)
        return pen.glyph()

    notdef = [(100, 0, 500, 700), (150, 50, 450, 650, True)]
    outlines = {".notdef": glyph(*notdef), "box": glyph((100, 0, 900, 800), (200, 100, 800, 700, True)),
                "bar": glyph((100, 350, 900, 450)), "empty": glyph(), "notdefcopy": glyph(*notdef)}
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder(list(outlines))
    builder.setupCharacterMap({ord("口"): "box", ord("一"): "bar", ord("二"): "empty", ord("三"): "notdefcopy",
                               ord("四"): ".notdef"})
    builder.setupGlyf(outlines)
    builder.setupHorizontalMetrics({name: (1000, 0) for name in outlines})
    builder.setupHorizontalHeader(ascent=880, descent=-120)
    builder.setupNameTable({"familyName": "StylelabTest", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120)
    builder.setupPost()
    path = tmp_path_factory.mktemp("font") / "stylelab-test.ttf"
    builder.save(str(path))
    return path


def _ink_box(image: np.ndarray):
    rows, cols = np.nonzero(image < 255)  # any ink, anti-aliased edges included
    return rows.min(), rows.max(), cols.min(), cols.max()


def _ink_centre(image: np.ndarray):
    """Centre of the ink bounding box, in pixel-edge coordinates (image centre = size / 2)."""
    top, bottom, left, right = _ink_box(image)
    return (top + bottom + 1) / 2, (left + right + 1) / 2


# --- missing glyphs ----------------------------------------------------------------------------

def test_missing_glyphs_are_detected_each_way(test_font):
    face = glyphs.GlyphRenderer(test_font, image_size=48, reference="口")
    assert face.status("口") == "ok" and face.status("一") == "ok"
    assert face.status("二") == "renders blank"
    assert face.status("三") == "renders as the .notdef box"
    # A cmap entry pointing at glyph 0 is dropped by some cmap formats when the font is written, so
    # it reads back either way; both mean "missing".
    assert face.status("四") in ("maps to .notdef", "not in the character map")
    assert face.status("五") == "not in the character map"


def test_rendering_a_missing_glyph_says_which_and_why(test_font):
    face = glyphs.GlyphRenderer(test_font, image_size=48, reference="口", label="test-font")
    with pytest.raises(StylelabError, match=r"test-font has no glyph for '三' \(U\+4E09: renders as the .notdef"):
        face.render("三")


def test_missing_glyphs_are_masked_never_drawn_as_tofu(test_font):
    face = glyphs.GlyphRenderer(test_font, image_size=32, reference="口")
    images, available = face.render_available("口二三四五一")
    assert available.tolist() == [True, False, False, False, False, True]
    assert (images[~available] == 255).all()  # blank paper, not a box
    assert (images[available] < 128).any(axis=(1, 2)).all()


# --- centring and scale -------------------------------------------------------------------------

@pytest.mark.parametrize("size", [32, 48, 80])
def test_rendering_is_centred_and_scaled_by_the_reference(test_font, size):
    face = glyphs.GlyphRenderer(test_font, image_size=size, fill=0.8, reference="口")
    for char in "口一":
        centre_row, centre_col = _ink_centre(face.render(char))
        assert abs(centre_row - size / 2) <= 0.5 and abs(centre_col - size / 2) <= 0.5, char
    top, bottom, left, right = _ink_box(face.render("口"))
    assert abs((right - left + 1) - 0.8 * size) <= 1.5  # the reference spans `fill` of the side


def test_scale_is_one_per_font_not_per_glyph(test_font):
    """一 keeps its flat shape and the width of 口 (both 800 units wide): glyphs are not stretched to fit."""
    for size in (40, 80):
        face = glyphs.GlyphRenderer(test_font, image_size=size, reference="口")
        box_top, box_bottom, box_left, box_right = _ink_box(face.render("口"))
        bar_top, bar_bottom, bar_left, bar_right = _ink_box(face.render("一"))
        assert abs((bar_right - bar_left) - (box_right - box_left)) <= 1
        bar_height, box_height = bar_bottom - bar_top + 1, box_bottom - box_top + 1
        assert abs(bar_height / box_height - 100 / 800) < 0.05


def test_bad_renderer_arguments_fail_clearly(test_font, tmp_path):
    with pytest.raises(StylelabError, match="too small"):
        glyphs.GlyphRenderer(test_font, image_size=4)
    with pytest.raises(StylelabError, match="not found"):
        glyphs.GlyphRenderer(tmp_path / "nope.ttf")
    (tmp_path / "junk.ttf").write_bytes(b"not a font")
    with pytest.raises(StylelabError, match="cannot read font"):
        glyphs.GlyphRenderer(tmp_path / "junk.ttf")
    with pytest.raises(StylelabError, match="none of the reference characters"):
        glyphs.GlyphRenderer(test_font, reference="国永")


# --- manifest and character lists -------------------------------------------------------------

def test_character_sets_are_the_standard_ones():
    zh, ko = glyphs.character_set("zh"), glyphs.character_set("ko")
    assert len(zh) == len(set(zh)) == 3755 and zh[0] == "啊" and zh[-1] == "座"
    assert all(0x4E00 <= ord(c) <= 0x9FFF for c in zh)
    assert len(ko) == len(set(ko)) == 2350 and ko[0] == "가" and ko[-1] == "힝"
    assert all(0xAC00 <= ord(c) <= 0xD7A3 for c in ko)
    with pytest.raises(StylelabError, match="unknown script"):
        glyphs.character_set("jp")


def test_manifest_is_consistent():
    specs = glyphs.manifest()
    assert len({s.name for s in specs}) == len(specs)
    for spec in specs:
        assert spec.script in glyphs.SCRIPTS and spec.split in ("known", "novel"), spec
        assert spec.package.startswith("fonts-") and spec.index >= 0, spec
        assert set(spec.profiles) <= {"quick", "full"}, spec
    for script in glyphs.SCRIPTS:
        for profile in ("quick", "full"):
            assert glyphs.manifest(script, profile, "known") and glyphs.manifest(script, profile, "novel")
    # One Noto region per script: a regional twin on the other side of the split would leak its style.
    noto = {(s.file, s.index) for s in specs if s.script == "zh" and s.file.startswith("Noto")}
    assert {index for _, index in noto} == {2}  # SC faces only for Chinese


@pytest.mark.parametrize("profile", ["quick", "full"])
def test_setup_sh_installs_each_profiles_font_packages(profile):
    listed = subprocess.run(["bash", str(REPO / "scripts" / "setup.sh"), "--list-fonts"], capture_output=True,
                            text=True, check=True, env={**os.environ, "STYLELAB_FONTS": profile}).stdout.split()
    assert set(listed) == {s.package for s in glyphs.manifest(profile=profile)}


def test_unknown_font_suggests_names():
    with pytest.raises(StylelabError, match="unknown font 'noto-sans-sc-regulr'; did you mean noto-sans-sc-regular"):
        glyphs.font_spec("noto-sans-sc-regulr")


def test_missing_font_gives_one_line_with_the_package(monkeypatch, tmp_path):
    monkeypatch.setenv(glyphs.FONT_DIRS_ENV, str(tmp_path))
    monkeypatch.setattr(glyphs, "DEFAULT_FONT_DIRS", ())
    glyphs.refresh_font_files()
    try:
        with pytest.raises(StylelabError) as info:
            glyphs.locate(glyphs.manifest("zh", "quick"))
        message = str(info.value)
        assert "\n" not in message and "sudo apt-get install" in message
        assert "fonts-noto-cjk" in message and "fonts-arphic-ukai" in message
        assert glyphs.missing_fonts([glyphs.font_spec("nanum-gothic")])
    finally:
        monkeypatch.undo()
        glyphs.refresh_font_files()


def test_font_folder_from_the_environment_is_searched(monkeypatch, tmp_path, test_font):
    (tmp_path / "NanumGothic.ttf").write_bytes(test_font.read_bytes())
    monkeypatch.setenv(glyphs.FONT_DIRS_ENV, str(tmp_path))
    monkeypatch.setattr(glyphs, "DEFAULT_FONT_DIRS", ())
    glyphs.refresh_font_files()
    try:
        assert glyphs.locate(glyphs.font_spec("nanum-gothic")) == {"nanum-gothic": tmp_path / "NanumGothic.ttf"}
    finally:
        monkeypatch.undo()
        glyphs.refresh_font_files()


# --- real Debian faces --------------------------------------------------------------------------

def _require(*names):
    specs = [glyphs.font_spec(n) for n in names]
    missing = glyphs.missing_fonts(specs)
    if missing:
        pytest.skip(f"font package not installed: {glyphs.install_command(missing)} (scripts/setup.sh does this)")
    return specs


def test_real_faces_are_centred_and_comparably_scaled():
    specs = _require(*(s.name for s in glyphs.manifest("zh", "quick")))
    table = glyphs.render_glyph_table(specs, "国永字图黑一", image_size=48, cache=False)
    assert table.available.all()
    for s, spec in enumerate(specs):
        for c in range(len(table.chars)):
            centre_row, centre_col = _ink_centre(table.images[s, c].numpy())
            assert abs(centre_row - 24) <= 0.5 and abs(centre_col - 24) <= 0.5, (spec.name, table.chars[c])
        extents = [max(b - t + 1, r - l + 1) for t, b, l, r in (_ink_box(table.images[s, c].numpy()) for c in range(5))]
        assert abs(np.median(extents) - 0.8 * 48) <= 2, spec.name  # integer font sizes, anti-aliased edges


def test_real_faces_lacking_characters_are_found():
    myeongjo, baekmuk = _require("nanum-myeongjo", "baekmuk-dotum")
    # NanumMyeongjo has no hanzi; Baekmuk covers KS X 1001 only, which lacks the syllable 뷁.
    assert glyphs.renderer(myeongjo, image_size=32).status("国") == "not in the character map"
    table = glyphs.render_glyph_table([myeongjo, baekmuk], "국뷁", image_size=32, cache=False)
    assert table.available.tolist() == [[True, True], [True, False]]
    with pytest.raises(StylelabError, match="has no glyph"):
        table.glyph("baekmuk-dotum", "뷁")


def test_glyph_cache_returns_the_same_table(monkeypatch, tmp_path):
    specs = _require("noto-sans-sc-regular")
    monkeypatch.setenv("STYLELAB_CACHE", str(tmp_path))
    first = glyphs.render_glyph_table(specs, "国永", image_size=32)
    assert list((tmp_path / "glyphs").glob("noto-sans-sc-regular-32-*.npz"))
    second = glyphs.render_glyph_table(specs, "国永", image_size=32)
    assert (first.images == second.images).all() and (first.available == second.available).all()


def test_manifest_files_match_installed_packages():
    """Where a face's Debian package is installed, its file must be found: a wrong package or file
    name in the manifest shows here, not as a 'please install' message for an installed package."""
    import shutil
    import subprocess

    if not shutil.which("dpkg"):
        pytest.skip("no dpkg here: cannot tell which packages are installed")
    installed = {}
    for package in sorted({s.package for s in glyphs.manifest()}):
        listing = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True)
        if listing.returncode == 0:
            installed[package] = {Path(line).name for line in listing.stdout.splitlines()}
    if not installed:
        pytest.skip("none of the manifest's font packages is installed")
    wrong = [f"{s.name}: {s.file} is not in {s.package}" for s in glyphs.manifest()
             if s.package in installed and s.file not in installed[s.package]]
    assert not wrong, wrong
    assert not glyphs.missing_fonts([s for s in glyphs.manifest() if s.package in installed])
