"""The artefact measures of issue #23 on images whose answer is known by construction, and the shipped nets
judged by them on the AdaIN photos."""

import math

import pytest
import torch

from stylelab import artefacts
from stylelab.studies import artefacts as study
from stylelab.errors import StylelabError


def grey(value=0.5, h=256, w=256):
    return torch.full((1, 3, h, w), value)


def disk(image, cx, cy, r, value=0.0):
    ys, xs = torch.meshgrid(torch.arange(image.shape[-2]), torch.arange(image.shape[-1]), indexing="ij")
    inside = (xs - cx) ** 2 + (ys - cy) ** 2 <= r ** 2
    image = image.clone()
    image[:, :, inside] = value
    return image


def test_a_black_disk_on_a_grey_photo_is_one_blob_at_its_centre():
    out = disk(grey(), 100, 60, 12)
    blobs = artefacts.dark_blobs(out, grey())
    assert len(blobs) == 1
    assert blobs[0].x == pytest.approx(100, abs=0.5) and blobs[0].y == pytest.approx(60, abs=0.5)
    assert blobs[0].area == pytest.approx(math.pi * 12 ** 2, rel=0.05)
    assert blobs[0].fill == pytest.approx(blobs[0].area / 25 ** 2, abs=1e-3)  # box of a radius-12 disk: 25 px


def test_black_the_photo_explains_small_spots_and_thin_lines_are_not_blobs():
    photo = disk(grey(), 100, 60, 14)                      # the photo is black there
    assert artefacts.dark_blobs(disk(grey(), 100, 60, 12), photo) == []
    assert artefacts.dark_blobs(disk(grey(), 100, 60, 3), grey()) == []   # 28 px < 0.1 % of 65,536
    line = grey()
    line[:, :, 100, 20:220] = 0.0
    line[:, :, 20:220, 100] = 0.0                          # a cross: fills 2 % of its box
    assert artefacts.dark_blobs(line, grey()) == []
    assert len(artefacts.dark_blobs(disk(grey(), 100, 60, 12, value=0.2), grey())) == 0  # dark grey, not black


def test_a_thick_dark_stroke_is_not_a_blob_unless_the_stroke_rule_is_switched_off():
    stroke = grey()
    stroke[:, :, 100:110, 40:140] = 0.0                    # 10 x 100 px: fills its box, 10x longer than wide
    assert artefacts.dark_blobs(stroke, grey()) == []
    assert len(artefacts.dark_blobs(stroke, grey(), max_aspect=None)) == 1     # issue #23's first count
    oval = grey()
    oval[:, :, 100:120, 40:98] = 0.0                       # 20 x 58 px: under 3x, still a blob
    assert len(artefacts.dark_blobs(oval, grey())) == 1


def test_a_dark_grey_photo_region_does_not_excuse_a_black_blob():
    photo = disk(grey(), 100, 60, 14, value=0.2)           # dark grey building, not black
    assert len(artefacts.dark_blobs(disk(grey(), 100, 60, 12), photo)) == 1


def test_a_very_dark_brown_photo_region_excuses_a_black_blob_only_when_judged_by_its_luminance():
    brown = (0.19, 0.08, 0.05)                             # brad_pitt's sideburn at 256 px: luminance 0.10 < 0.12
    photo = coloured_disk(grey(), 100, 60, 14, brown)
    out = disk(grey(), 100, 60, 12)
    assert len(artefacts.dark_blobs(out, photo)) == 1                       # red 0.19: not black by every channel
    assert artefacts.dark_blobs(out, photo, photo_luminance=True) == []
    assert len(artefacts.dark_blobs(out, grey(), photo_luminance=True)) == 1
    assert len(artefacts.dark_blobs(out, disk(grey(), 100, 60, 14, value=0.2), photo_luminance=True)) == 1


def test_the_blob_count_follows_the_number_of_disks_and_the_photo_may_differ_in_size():
    out = disk(disk(grey(), 60, 60, 10), 180, 180, 10)
    assert len(artefacts.dark_blobs(out, grey(h=128, w=128))) == 2


def coloured_disk(image, cx, cy, r, rgb):
    out = image.clone()
    for channel, value in enumerate(rgb):
        out[:, channel:channel + 1] = disk(image[:, channel:channel + 1], cx, cy, r, value)
    return out


def smooth_photo(h=256, w=256):
    """A photo with no spot of its own: a soft left-to-right ramp."""
    ramp = torch.linspace(0.3, 0.7, w).expand(1, 3, h, w)
    return ramp.clone()


@pytest.mark.parametrize("rgb", [(0.0, 0.0, 0.0), (0.9, 0.1, 0.1), (1.0, 1.0, 1.0)])
def test_a_spot_of_any_colour_is_found_at_its_centre(rgb):
    photo = smooth_photo()
    found = artefacts.spots(coloured_disk(photo, 90, 150, 14, rgb), photo)
    assert len(found) == 1
    assert found[0].x == pytest.approx(90, abs=1) and found[0].y == pytest.approx(150, abs=1)
    assert found[0].area == pytest.approx(math.pi * 14 ** 2, rel=0.25)   # its rim blends into the surround


def test_spots_the_photo_has_strokes_and_faint_spots_are_not_counted():
    photo = smooth_photo()
    red = (0.9, 0.1, 0.1)
    assert artefacts.spots(coloured_disk(photo, 90, 150, 14, red), coloured_disk(photo, 90, 150, 16, red)) == []
    faint = coloured_disk(photo, 90, 150, 14, (0.6, 0.45, 0.45))           # RGB distance 0.16 < 0.3 from the ramp
    assert artefacts.spots(faint, photo) == []
    stroke = photo.clone()
    stroke[:, :, 120:126, 20:230] = 0.0                                    # fills its box, but 35 times longer
    assert artefacts.spots(stroke, photo) == []                            # than wide: a stroke, not a spot
    bent = photo.clone()
    bent[:, :, 100:103, 20:220] = 0.0
    bent[:, :, 20:220, 100:103] = 0.0                                      # a cross fills 3 % of its box
    assert artefacts.spots(bent, photo) == []
    weave = photo.clone()                                                  # a disk of 4-px black and white
    ys, xs = torch.meshgrid(torch.arange(256), torch.arange(256), indexing="ij")   # checks: every pixel departs
    checks = (((xs // 4 + ys // 4) % 2) == 0).float()                     # from the surround, but the light
    inside = (xs - 90) ** 2 + (ys - 150) ** 2 <= 20 ** 2                   # and dark ones cancel: a texture,
    weave[:, :, inside] = checks[inside]                                   # not a spot
    assert artefacts.spots(weave, photo) == []
    two = coloured_disk(coloured_disk(photo, 60, 60, 12, red), 190, 190, 12, (1.0, 1.0, 1.0))
    assert len(artefacts.spots(two, photo[..., ::2, ::2])) == 2           # the photo may differ in size


def sinusoid_hatch(amplitude_levels, period=4.0, h=256, w=256):
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    wave = torch.sin(2 * math.pi * (xs + ys) / period)
    return (0.5 + amplitude_levels / 255 * wave).expand(1, 3, h, w).clone()


def test_crosshatch_grows_with_the_pattern_and_is_zero_without_one():
    none = artefacts.crosshatch(grey(), grey())
    weak, strong = (artefacts.crosshatch(sinusoid_hatch(a), grey()) for a in (4, 12))
    assert none.amplitude == pytest.approx(0, abs=1e-3) and none.flat_tiles == 64
    assert strong.amplitude == pytest.approx(3 * weak.amplitude, rel=0.02)   # linear in the amplitude
    assert 0.3 * 12 < strong.amplitude < 12                 # RMS of a sine (A/√2) less the blur's leak
    assert strong.peak_share > 0.9                          # one diagonal frequency holds the power
    assert strong.period == pytest.approx(4 / math.sqrt(2), abs=0.01)   # sin(2π(x + y)/4): |k| = √2/4


def test_the_period_is_the_wavelength_of_the_strongest_frequency():
    ys, xs = torch.meshgrid(torch.arange(128.0), torch.arange(128.0), indexing="ij")
    rows = (0.5 + 10 / 255 * torch.sin(2 * math.pi * ys / 4)).expand(1, 3, 128, 128)   # horizontal lines, 4 px apart
    assert artefacts.crosshatch(rows, grey(h=128, w=128)).period == 4.0


def test_noise_of_the_same_power_reads_much_lower_than_a_periodic_pattern():
    generator = torch.Generator().manual_seed(0)
    hatch = sinusoid_hatch(12)
    noise = 0.5 + (hatch - 0.5).std() * torch.randn(1, 1, 256, 256, generator=generator).expand(1, 3, 256, 256)
    periodic, random = artefacts.crosshatch(hatch, grey()), artefacts.crosshatch(noise, grey())
    assert random.amplitude < 0.35 * periodic.amplitude
    assert random.peak_share < 0.1


def test_only_the_photos_flat_tiles_are_measured():
    busy_photo = sinusoid_hatch(40, period=3.0)             # textured everywhere: no flat tile
    result = artefacts.crosshatch(sinusoid_hatch(12), busy_photo)
    assert result.flat_tiles == 0 and result.amplitude == 0.0


def test_bad_input_is_one_line_error():
    with pytest.raises(StylelabError, match="one image at a time"):
        artefacts.dark_blobs(torch.zeros(2, 3, 8, 8), grey())
    with pytest.raises(StylelabError, match="RGB"):
        artefacts.crosshatch(torch.zeros(1, 1, 8, 8), grey())


# ---- the shipped nets (issue #23), on the AdaIN photos at the size users run them at ---------------------------

def test_the_shipped_cin_net_draws_no_dark_blob_at_256_or_512_px_where_the_128_px_net_drew_them(mirror):
    # issue #23: the 128-px net drew dark blobs in 3 of 4 styles at 512 px; the default (clipped statistics, the
    # flat-region term, then the spot term) draws none at 256 or 512 px. Dark regions of any shape at 512 px: two
    # long strips in La Muse (chicago's bottom edge, golden_gate's left tower; boxes over 3 times longer than wide),
    # against 50 for the 128-px net. Spots of any colour: fewer than that net's by a third at both sizes (the net
    # before the spot term had 46 at 256 px, 16 at 512 px; this one 19 and 21, figures/artefacts/summary_cin_spot.md)
    before, after = (study.survey(net, sizes=(256, 512)) for net in ("cin-instance-4styles-128crops",
                                                                     "cin-instance-4styles"))
    assert len(after) == 2 * 11 * 4 and [b["photo"] for b in before] == [a["photo"] for a in after]
    assert sum(b["blobs"] for b in before if b["size"] == 512) >= 20
    assert [(a["size"], a["photo"], a["style"]) for a in after if a["blobs"]] == []
    assert sum(a["dark regions"] for a in after if a["size"] == 512) <= 2
    for size in (256, 512):
        spots = sum(a["spots"] for a in after if a["size"] == size)
        assert spots < sum(b["spots"] for b in before if b["size"] == size) / 1.5


def test_the_johnson_nets_weave_is_not_counted_as_spots_at_512_px(mirror):
    # La Muse's high-contrast weave departs from its surround at every pixel, but its light and dark threads
    # cancel: the spot measure must not read it as droplets (before the coherence test it found 15 here).
    rows = study.survey("johnson-instance-la_muse-no-flat-term", sizes=(512,))  # the net with the strong weave
    assert len(rows) == 11 and all(r["crosshatch"] > 0 for r in rows)
    assert [r["photo"] for r in rows if r["spots"]] == []


def _encoder():
    from stylelab.encoders import build_encoder

    return build_encoder("auto")  # the survey's encoder: VGG-19 where its weights are, else the offline VGG16-BN


def test_the_shipped_johnson_net_lays_less_crosshatch_than_the_net_before_the_flat_term_on_every_photo(mirror):
    # issue #23's bar: lower on all 11 photos, at 256 and 512 px (native size is in the committed survey), with the
    # style ratio at 256 px not worse on any of them; a photo without a flat tile reads 0 for every net
    before, after = (study.survey(net, sizes=(256, 512), encoder=_encoder())
                     for net in ("johnson-instance-la_muse-no-flat-term", "johnson-instance-la_muse"))
    assert [(b["size"], b["photo"]) for b in before] == [(a["size"], a["photo"]) for a in after]
    assert len(after) == 2 * 11
    not_lower = [(a["size"], a["photo"], b["crosshatch"], a["crosshatch"]) for b, a in zip(before, after)
                 if not a["crosshatch"] < b["crosshatch"] and b["crosshatch"] > 0]
    assert not_lower == []
    # cornell, the faint one: under the net before, and so under what the photo itself reads (0.435 at 512 px)
    own = {r["photo"]: r["crosshatch"] for r in study.photo_rows(photos=("cornell",), sizes=(512,))}
    assert [a["crosshatch"] for a in after if (a["size"], a["photo"]) == (512, "cornell")][0] < own["cornell"]
    # where the weave showed (> 2 grey levels), at least a quarter of it is gone
    assert all(a["crosshatch"] < 0.75 * b["crosshatch"] for b, a in zip(before, after) if b["crosshatch"] > 2)
    assert sum(a["blobs"] for a in after) <= sum(b["blobs"] for b in before)
    worse = [(a["photo"], b["style ratio"], a["style ratio"]) for b, a in zip(before, after)
             if a["size"] == 256 and a["style ratio"] > b["style ratio"]]
    assert worse == []


def test_a_fine_tuned_net_names_every_training_stage():
    from stylelab.studies import feedforward as ff_study

    stages = ff_study.training_stages(ff_study.pretrained("cin-instance-4styles"))
    assert [s["stage"] for s in stages] == ["training", "fine-tune", "fine-tune"]
    assert [s["from"] for s in stages] == ["—", "cin-instance-4styles-clipped", "cin-instance-4styles-flat"]
    assert [s["CIN statistics"] for s in stages] == ["clipped to μ ± 4σ"] * 3
    assert [s["flat weight (τ)"] for s in stages] == ["—", "100 (τ 0.012)", "250 (τ 0.012)"]
    assert [s["spot weight (m)"] for s in stages] == ["—", "—", "3000 (m 0.2)"]
    assert [s["style weight"] for s in stages] == [40.0, 80.0, 200.0]
    earlier = ff_study.training_stages(ff_study.pretrained("cin-instance-4styles-256crops"))
    assert earlier[1]["from"] == "cin-instance-4styles-128crops"
    assert (earlier[0]["crop (px)"], earlier[1]["crop (px)"]) == (128, 256)
    assert (earlier[0]["photos' short side ≤ (px)"], earlier[1]["photos' short side ≤ (px)"]) == (512, 1024)
    assert earlier[1]["CIN statistics"] == "plain μ, σ"
    johnson = ff_study.training_stages(ff_study.pretrained("johnson-instance-la_muse"))
    assert [s["from"] for s in johnson] == ["—", "johnson-instance-la_muse-no-flat-term",
                                            "johnson-instance-la_muse-flat-9px"]
    # the second fine-tune's wider box is named; the first's 9-px box, the default, is not
    assert [s["flat weight (τ)"] for s in johnson] == ["—", "100 (τ 0.012)", "1600 (τ 0.012, 33 px window)"]
    assert [s["style weight"] for s in johnson] == [40.0, 80.0, 100.0]
    assert [s["steps"] for s in johnson] == [1050, 300, 400]


def test_the_summary_counts_blobs_and_spans_the_style_ratios():
    rows = [{"size": 512, "blobs": b, "dark regions": d, "crosshatch": h, "style ratio": r}
            for b, d, h, r in ((0, 1, 1.0, 0.4), (2, 2, 3.0, 0.6), (1, 4, 2.0, ""))]
    (summary,) = study.summarise(rows)
    assert (summary["blobs"], summary["outputs with a blob"], summary["crosshatch max"]) == (3, 2, 3.0)
    assert summary["dark regions (any shape)"] == 7
    assert summary["crosshatch median"] == 2.0
    assert (summary["style ratio"], summary["style ratio mean"]) == ("0.40–0.60", 0.5)


class _Painter(torch.nn.Module):
    """A stand-in net: returns the photo, with a black disk when ``blob`` (both before/after tables must see it)."""

    def __init__(self, blob: bool):
        super().__init__()
        self.blob = blob

    def forward(self, x, style=None):
        return disk(x, 40, 40, 10) if self.blob else x


def test_before_after_counts_each_nets_blobs_and_spots_on_the_same_photos():
    from stylelab.encoders import build_encoder

    photos = [grey(0.5, 96, 128), grey(0.45, 96, 128)]
    rows, outputs = study.before_after(_Painter(True), _Painter(False), photos, ["a", "b"], [grey(0.3, 64, 64)],
                                       ["style/x"], build_encoder("random", seed=0))
    assert [(r["photo"], r["style"]) for r in rows] == [("a", "x"), ("b", "x")]
    assert [(r["blobs before"], r["spots before"], r["blobs after"], r["spots after"]) for r in rows] == \
        [(1, 1, 0, 0)] * 2
    # the unchanged photo is no closer to the style: ratio 1
    assert all(r["ratio after"] == pytest.approx(1.0, abs=1e-3) for r in rows)
    (out_b, blobs_b, spots_b), (out_a, blobs_a, spots_a) = outputs[("a", "x")]
    assert torch.equal(out_a, photos[0]) and blobs_a == [] and spots_a == []
    assert blobs_b[0].x == pytest.approx(40, abs=0.5) and len(spots_b) == 1
    fig = study.before_after_figure(outputs, rows)
    assert "spots 1" in fig.axes[0].get_title() and "spots 0" in fig.axes[1].get_title()


def test_a_net_that_changes_nothing_reads_the_photos_own_crosshatch():
    from stylelab.encoders import build_encoder

    # a flat photo with faint vertical stripes, period 4 px, 1.5 grey levels: flat by the measure's bound
    stripes = 0.5 + 0.006 * torch.sin(2 * math.pi * torch.arange(128) / 4)
    photo = stripes.expand(1, 3, 96, 128).clone()
    rows, _ = study.before_after(_Painter(False), _Painter(True), [photo], ["p"], [grey(0.3, 64, 64)], ["style/x"],
                                 build_encoder("random", seed=0))
    (row,) = rows
    assert row["crosshatch photo"] == row["crosshatch before"] == artefacts.crosshatch(photo, photo).amplitude
    assert row["crosshatch photo"] > 0.5
    assert row["period before"] == pytest.approx(4.0)


def test_the_photos_own_crosshatch_is_read_at_each_size_and_cornell_reads_above_the_old_johnson_net(mirror):
    rows = study.photo_rows(photos=("cornell", "flowers"), sizes=(256, 512))
    assert [(r["size"], r["photo"]) for r in rows] == [(256, "cornell"), (256, "flowers"), (512, "cornell"),
                                                       (512, "flowers")]
    assert rows[2]["pixels"] == "729x512" and rows[2]["flat tiles"] > 0 and rows[1]["flat tiles"] == 0
    # the note's claim: on cornell at 512 px the net before the flat term drew less periodic texture than the
    # photo has, so no net that keeps the photo's own ripple can read below it
    (old,) = study.survey("johnson-instance-la_muse-no-flat-term", photos=("cornell",), sizes=(512,))
    assert old["crosshatch"] < rows[2]["crosshatch"] < 2 * old["crosshatch"]


def test_blob_table_counts_blobs_and_spots_per_style():
    photos = [grey(), grey(0.6)]
    outputs = [[disk(grey(), 50, 50, 12), grey()], [grey(0.6), disk(grey(0.6), 200, 200, 12, value=1.0)]]
    rows = study.blob_table(outputs, photos, ["p", "q"], ["style/s1", "style/s2"])
    assert rows == [{"content": "p", "s1 blobs": 1, "s1 spots": 1, "s2 blobs": 0, "s2 spots": 0},
                    {"content": "q", "s1 blobs": 0, "s1 spots": 0, "s2 blobs": 0, "s2 spots": 1}]   # a white spot


# ---- a user's own photos ---------------------------------------------------------------------------------------

def _png(path, value=0.5, h=72, w=96):
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (w, h), tuple([int(255 * value)] * 3)).save(path)
    return path


def test_the_survey_takes_a_users_photos_by_file_or_folder_and_names_them_by_stem(tmp_path, capsys, mirror):
    _png(tmp_path / "mine" / "beach.png")
    _png(tmp_path / "mine" / "notes.txt.png", value=0.3)
    single = _png(tmp_path / "kitchen.jpg.png", value=0.7, h=96, w=72)
    (tmp_path / "mine" / "readme.txt").write_text("not a photo")
    out = tmp_path / "survey"
    code = study.main(["--weights", "cin-instance-4styles", "--sizes", "64", "--encoder", "vgg16_bn_craft",
                       "--out", str(out), "--photos", str(tmp_path / "mine"), str(single)])
    assert code == 0
    rows = (out / "cin-instance-4styles.csv").read_text().splitlines()
    assert rows[1].startswith("size,photo,style,pixels,blobs")
    assert [r.split(",")[1] for r in rows[2:]] == ["beach"] * 4 + ["notes.txt"] * 4 + ["kitchen.jpg"] * 4
    assert [r.split(",")[3] for r in rows[2:]][::4] == ["85x64", "85x64", "64x85"]   # short side 64
    assert (out / "cin-instance-4styles_contact_64.png").is_file()
    assert "3 photos × its styles" in (out / "cin-instance-4styles.md").read_text()
    # the photos' own table names them the same way, and nothing written names the machine's folders
    assert [r.split(",")[1] for r in (out / "photos.csv").read_text().splitlines()[2:]] == ["beach", "notes.txt",
                                                                                           "kitchen.jpg"]
    for written in out.iterdir():
        if written.suffix in (".md", ".csv"):
            assert str(tmp_path) not in written.read_text()
    assert "ignored 1 file(s) that are not images" in capsys.readouterr().err   # readme.txt, said so


def test_twin_stems_a_missing_photo_or_an_out_folder_among_the_photos_are_one_line_errors(tmp_path, capsys):
    a, b = _png(tmp_path / "a" / "x.png"), _png(tmp_path / "b" / "x.png")
    with pytest.raises(StylelabError, match="named twice"):
        study.labels([str(a), str(b)])
    assert study.labels([str(a), "chicago"]) == ["x", "chicago"]
    code = study.main(["--sizes", "64", "--encoder", "vgg16_bn_craft", "--out", str(tmp_path / "o"),
                       "--photos", str(tmp_path / "nowhere.png")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("error:") and "\n" not in err
    assert not (tmp_path / "o" / "photos.md").exists()
    # the survey never writes among the photos it reads (its PNGs would be taken for photos next time)
    code = study.main(["--sizes", "64", "--encoder", "vgg16_bn_craft", "--out", str(tmp_path / "a"),
                       "--photos", str(tmp_path / "a")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "folder of its own" in err and "\n" not in err
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["x.png"]
