"""stylelab.datasets: the photo manifest's checks and RandomCropDataset's reproducibility.

Everything runs on small generated images and a monkeypatched manifest; one test checks the real
manifest against the installed Debian packages and skips where they are not installed.
"""

import hashlib
import shutil

import pytest
import torch
from PIL import Image

from stylelab import datasets
from stylelab.errors import StylelabError


def _image(path, size=(120, 80), colour=(200, 30, 30)):
    """A plain image, or a noise image where colour is None."""
    image = Image.effect_noise(size, 60).convert("RGB") if colour is None else Image.new("RGB", size, colour)
    image.save(path)
    return path


@pytest.fixture
def photos(tmp_path):
    """Six noise images of different shapes (so crops differ visibly)."""
    return [_image(tmp_path / f"p{i}.png", size=(60 + 10 * i, 50 + 7 * i), colour=None) for i in range(6)]


@pytest.fixture
def manifest(tmp_path, monkeypatch):
    """A two-row manifest over files in tmp_path; returns the files."""
    files = [_image(tmp_path / "a.png"), _image(tmp_path / "b.jpg", colour=(10, 200, 10))]
    rows = ["# test manifest", "name\tsource\tpath\tsha256\tsize_px\tlicence\tnote"]
    for name, f in zip(["a", "b"], files):
        rows.append(f"{name}\tdebian:pkg-{name}\t{f}\t{hashlib.sha256(f.read_bytes()).hexdigest()}\t120x80\tCC0\ttest")
    (tmp_path / "photos.tsv").write_text("\n".join(rows) + "\n")
    monkeypatch.setattr(datasets, "PHOTOS_MANIFEST", tmp_path / "photos.tsv")
    return files


def test_manifest_entries_and_named_selection(manifest):
    assert [e.name for e in datasets.photo_entries()] == ["a", "b"]
    assert datasets.training_photos(["b"]) == [manifest[1]]
    assert datasets.training_photos() == manifest


def test_unknown_name_lists_valid_ones(manifest):
    with pytest.raises(StylelabError, match=r"unknown training photo 'c'; valid names: a, b$"):
        datasets.training_photos(["c"])


def test_missing_file_names_the_package_and_setup(manifest):
    manifest[1].unlink()
    with pytest.raises(StylelabError, match=r"install the Debian package\(s\) pkg-b .*bash scripts/setup.sh") as err:
        datasets.training_photos()
    assert "\n" not in str(err.value)


def test_hash_mismatch_names_the_file(manifest):
    datasets.training_photos()  # verified and cached ...
    _image(manifest[0], colour=(0, 0, 255))  # ... then altered: checked again
    with pytest.raises(StylelabError, match=r"'a' at .*a.png fails its sha256 check") as err:
        datasets.training_photos()
    assert "\n" not in str(err.value)
    assert datasets.training_photos(verify=False) == manifest


def test_image_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    files = [_image(tmp_path / n) for n in ["b.JPG", "a.png"]]
    assert datasets.image_folder(tmp_path) == sorted(files)
    (tmp_path / "empty").mkdir()
    with pytest.raises(StylelabError, match="no images"):
        datasets.image_folder(tmp_path / "empty")


def test_items_are_reproducible_and_in_range(photos):
    ds = datasets.RandomCropDataset(photos, 32, seed=3)
    again = datasets.RandomCropDataset(photos, 32, seed=3)
    assert len(ds) == 6
    x = ds[4]
    assert x.shape == (3, 32, 32) and x.dtype == torch.float32 and 0 <= x.min() and x.max() <= 1
    assert torch.equal(again[4], x)  # same seed and index, fresh object, other order
    assert not torch.equal(datasets.RandomCropDataset(photos, 32, seed=4)[4], x)
    with pytest.raises(IndexError):
        ds[6]


def test_different_index_gives_a_different_crop_of_one_image(photos):
    ds = datasets.RandomCropDataset(photos[:1], 16, length=2)
    assert ds.image_index(0) == ds.image_index(1) == 0
    assert not torch.equal(ds[0], ds[1])


def test_batches_depend_only_on_seed_and_step(photos):
    ds = datasets.RandomCropDataset(photos, 16, seed=7)
    later = ds.batch(5, 4)
    first = ds.batch(0, 4)
    fresh = datasets.RandomCropDataset(photos, 16, seed=7)
    assert torch.equal(fresh.batch(0, 4), first) and torch.equal(fresh.batch(5, 4), later)
    assert later.shape == (4, 3, 16, 16)
    assert torch.equal(first[2], ds[2])  # batch items are the dataset's items


def test_every_image_once_per_epoch(photos):
    ds = datasets.RandomCropDataset(photos, 8, seed=1)
    epochs = [[ds.image_index(e * 6 + k) for k in range(6)] for e in range(3)]
    assert all(sorted(order) == list(range(6)) for order in epochs)
    assert len({tuple(order) for order in epochs}) > 1  # reshuffled between epochs


def test_downscale_caps_the_short_side(tmp_path):
    wide = _image(tmp_path / "wide.jpg", size=(300, 200))
    tall = _image(tmp_path / "tall.png", size=(40, 90))
    ds = datasets.RandomCropDataset([wide, tall], 24, max_side=64)
    assert ds.images[0].shape == (3, 64, 96) and ds.images[0].dtype == torch.uint8
    assert ds.images[1].shape == (3, 90, 40)  # smaller than the cap: kept as it is


def test_corrupt_image_is_a_one_line_error_naming_it(tmp_path, photos):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff not really a jpeg")
    with pytest.raises(StylelabError, match="cannot read training image .*broken.jpg") as err:
        datasets.RandomCropDataset([photos[0], bad], 16)
    assert "\n" not in str(err.value)


def test_coco_takes_an_extracted_folder(tmp_path):
    (tmp_path / "train2014").mkdir()
    shutil.copy(_image(tmp_path / "x.jpg"), tmp_path / "train2014" / "COCO_train2014_000000000009.jpg")
    assert [p.name for p in datasets.coco_images(tmp_path)] == ["COCO_train2014_000000000009.jpg"]
    assert datasets.COCO_TRAIN2014.sha256 == "md5:0da8c0bd3d6becc4dcb32757491aca88"


def test_installed_manifest_photos_verify():
    missing = [e.package for e in datasets.photo_entries() if not e.installed_path().is_file()]
    if missing:
        pytest.skip(f"photo packages not installed: {' '.join(sorted(set(missing)))} (bash scripts/setup.sh)")
    paths = datasets.training_photos()
    assert len(paths) >= 48 and len(set(paths)) == len(paths)


def test_coco_offline_is_one_clear_line(tmp_path, monkeypatch):
    import urllib.error

    def unreachable(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(datasets.urllib.request, "urlopen", unreachable)
    with pytest.raises(StylelabError, match=r"train2014.zip is unreachable .*training_photos\(\)") as err:
        datasets.coco_images(tmp_path)
    assert "\n" not in str(err.value)


def test_manifest_keeps_the_adain_test_images_out():
    from stylelab import assets

    adain = {assets.get(n).sha256 for n in assets.names("content")}
    entries = datasets.photo_entries()
    assert len({e.name for e in entries}) == len(entries) >= 48
    assert not adain & {e.sha256 for e in entries}


def test_uncached_dataset_gives_the_same_items_as_the_cached_one(tmp_path):
    from PIL import Image

    from stylelab.datasets import RandomCropDataset

    paths = []
    for i in range(3):
        paths.append(tmp_path / f"{i}.png")
        Image.fromarray((torch.rand(40, 50, 3, generator=torch.Generator().manual_seed(i)) * 255)
                        .to(torch.uint8).numpy()).save(paths[-1])
    cached = RandomCropDataset(paths, 16, max_side=32, seed=4)
    lazy = RandomCropDataset(paths, 16, max_side=32, seed=4, cache=False)
    assert cached.cache and not lazy.cache
    assert torch.equal(cached.batch(5, 3), lazy.batch(5, 3))
