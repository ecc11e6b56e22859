import hashlib

import pytest

from stylelab import assets
from stylelab.errors import StylelabError


def test_registry_lists_the_adain_images_with_facts():
    assert len(assets.names("content")) == 11
    assert len(assets.names("style")) == 20
    assert assets.names("mask") == ["mask/mask"]
    cornell = assets.get("content/cornell")
    assert cornell.url.startswith("https://") and cornell.url.endswith("cornell.jpg")
    assert len(cornell.sha256) == 64 and cornell.size > 0 and cornell.licence


def test_unknown_asset_names_the_close_matches():
    with pytest.raises(StylelabError, match="did you mean content/cornell"):
        assets.get("cornell")


def test_mirror_file_is_verified_and_used_in_place(mirror, monkeypatch, tmp_path):
    monkeypatch.setenv("STYLELAB_CACHE", str(tmp_path / "cache"))
    path = assets.fetch("style/woman_with_hat_matisse")
    assert path == mirror / "adain/style/woman_with_hat_matisse.jpg"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == assets.get("style/woman_with_hat_matisse").sha256
    assert not (tmp_path / "cache").exists()  # never copied


def _fake_asset(monkeypatch, tmp_path, payload: bytes):
    """Register one asset whose upstream URL cannot be reached."""
    asset = assets.Asset("test/blob", "test/blob.bin", hashlib.sha256(payload).hexdigest(), len(payload),
                         "https://unreachable.invalid/blob.bin", "test")
    monkeypatch.setitem(assets.registry(), asset.name, asset)
    monkeypatch.setenv("STYLELAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("STYLELAB_ASSET_MIRROR", str(tmp_path / "mirror"))
    return asset


def test_offline_and_not_mirrored_gives_one_actionable_line(monkeypatch, tmp_path):
    asset = _fake_asset(monkeypatch, tmp_path, b"hello")
    with pytest.raises(StylelabError) as info:
        assets.fetch(asset.name)
    message = str(info.value)
    assert "\n" not in message
    assert "'test/blob'" in message and asset.url in message and "STYLELAB_ASSET_MIRROR" in message


def test_tampered_mirror_file_is_rejected(monkeypatch, tmp_path):
    asset = _fake_asset(monkeypatch, tmp_path, b"the real bytes")
    (tmp_path / "mirror/test").mkdir(parents=True)
    (tmp_path / "mirror/test/blob.bin").write_bytes(b"the real byte")  # truncated
    with pytest.raises(StylelabError, match="fails its hash check.*truncated or altered"):
        assets.fetch(asset.name)


def test_good_cache_file_is_reused_and_bad_one_is_not_used(monkeypatch, tmp_path):
    asset = _fake_asset(monkeypatch, tmp_path, b"payload")
    cached = tmp_path / "cache/test/blob.bin"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"payload")
    assert assets.fetch(asset.name) == cached
    cached.write_bytes(b"tampered")
    with pytest.raises(StylelabError, match="not available"):
        assets.fetch(asset.name)  # re-download fails offline; the tampered file is dropped, not used
    assert not cached.exists()


def test_download_is_verified_before_it_enters_the_cache(monkeypatch, tmp_path):
    asset = _fake_asset(monkeypatch, tmp_path, b"expected")

    def fake_download(url, dst, progress=False):
        with open(dst, "wb") as f:
            f.write(b"something else")

    monkeypatch.setattr("torch.hub.download_url_to_file", fake_download)
    with pytest.raises(StylelabError, match="fails its hash check"):
        assets.fetch(asset.name)
    assert not list((tmp_path / "cache").rglob("*.bin*"))

    def good_download(url, dst, progress=False):
        with open(dst, "wb") as f:
            f.write(b"expected")

    monkeypatch.setattr("torch.hub.download_url_to_file", good_download)
    assert assets.fetch(asset.name).read_bytes() == b"expected"


def test_one_file_hash_for_assets_and_model_files(tmp_path):
    from stylelab import weights

    path = tmp_path / "blob.bin"
    path.write_bytes(b"stylelab" * 300_000)  # more than one 1 MiB block
    assert weights.sha256_of is assets.sha256_of
    assert assets.sha256_of(path) == hashlib.sha256(path.read_bytes()).hexdigest()
    assert assets.sha256_of(str(path), "md5") == hashlib.md5(path.read_bytes()).hexdigest()
