import io

import numpy as np
import pytest
import torch
from PIL import Image

from stylelab import images
from stylelab.errors import StylelabError


def _save(image: Image.Image, path, **kwargs):
    image.save(path, **kwargs)
    return path


def test_rgb_file_loads_as_unit_range_batch(tmp_path):
    array = np.zeros((10, 20, 3), np.uint8)
    array[..., 0] = 255
    x = images.load_image(_save(Image.fromarray(array), tmp_path / "red.png"))
    assert x.shape == (1, 3, 10, 20) and x.dtype == torch.float32
    assert torch.allclose(x[0, :, 0, 0], torch.tensor([1.0, 0.0, 0.0]))


def test_grayscale_becomes_three_equal_channels(tmp_path):
    x = images.load_image(_save(Image.new("L", (8, 6), 128), tmp_path / "grey.png"))
    assert x.shape == (1, 3, 6, 8)
    assert torch.allclose(x, torch.full_like(x, 128 / 255))


def test_palette_image_is_converted_through_its_palette(tmp_path):
    palette_image = Image.new("RGB", (4, 4), (0, 0, 255)).convert("P", palette=Image.ADAPTIVE, colors=4)
    x = images.load_image(_save(palette_image, tmp_path / "p.png"))
    assert torch.allclose(x[0, :, 0, 0], torch.tensor([0.0, 0.0, 1.0]))


def test_rgba_is_composited_on_white(tmp_path):
    rgba = Image.new("RGBA", (4, 4), (255, 0, 0, 0))  # fully transparent red
    rgba.putpixel((0, 0), (255, 0, 0, 255))
    rgba.putpixel((1, 0), (0, 0, 0, 128))
    x = images.load_image(_save(rgba, tmp_path / "a.png"))
    assert torch.allclose(x[0, :, 1, 1], torch.ones(3))  # transparent → white
    assert torch.allclose(x[0, :, 0, 0], torch.tensor([1.0, 0.0, 0.0]))
    assert torch.allclose(x[0, :, 0, 1], torch.full((3,), 127 / 255), atol=1 / 255)  # half black on white


def test_cmyk_jpeg_is_converted_to_rgb(tmp_path):
    cmyk = Image.new("CMYK", (8, 8), (0, 255, 255, 0))  # pure red in CMYK
    x = images.load_image(_save(cmyk, tmp_path / "cmyk.jpg", quality=100))
    assert x.shape == (1, 3, 8, 8)
    assert x[0, 0].mean() > 0.9 and x[0, 1].mean() < 0.1 and x[0, 2].mean() < 0.1


def test_16_bit_grey_keeps_its_full_range(tmp_path):
    array = np.array([[0, 32768, 65535]], dtype=np.uint16)
    x = images.load_image(_save(Image.fromarray(array), tmp_path / "deep.png"))
    assert torch.allclose(x[0, 0, 0], torch.tensor([0.0, 128 / 255, 1.0]), atol=1 / 255)


def test_exif_orientation_is_applied(tmp_path):
    image = Image.new("RGB", (30, 10), (0, 255, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise on display
    x = images.load_image(_save(image, tmp_path / "rotated.jpg", exif=exif))
    assert x.shape == (1, 3, 30, 10)


def test_resize_by_short_side_and_max_side(tmp_path):
    path = _save(Image.new("RGB", (200, 100)), tmp_path / "wide.png")
    assert images.load_image(path, short_side=50).shape == (1, 3, 50, 100)
    assert images.load_image(path, max_side=80).shape == (1, 3, 40, 80)
    assert images.load_image(path, max_side=1000).shape == (1, 3, 100, 200)  # never upscales
    assert images.load_image(path, size=(32, 48)).shape == (1, 3, 32, 48)
    with pytest.raises(StylelabError, match="at most one of"):
        images.load_image(path, short_side=50, max_side=80)


def test_arrays_tensors_and_pil_are_accepted():
    hwc = np.full((4, 5, 3), 255, np.uint8)
    assert torch.allclose(images.load_image(hwc), torch.ones(1, 3, 4, 5))
    chw = torch.rand(3, 4, 5)
    assert torch.allclose(images.load_image(chw), chw.unsqueeze(0))
    assert images.load_image(np.zeros((4, 5), np.float32)).shape == (1, 3, 4, 5)
    assert images.load_image(Image.new("RGB", (5, 4))).shape == (1, 3, 4, 5)
    with pytest.raises(StylelabError, match="NaN"):
        images.load_image(np.full((4, 4), np.nan, np.float32))
    with pytest.raises(StylelabError, match="cannot load an image from a dict"):
        images.load_image({})


def test_non_image_file_is_rejected_in_one_line(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("this is not a picture")
    with pytest.raises(StylelabError) as info:
        images.load_image(path)
    assert "not an image" in str(info.value) and "\n" not in str(info.value)


def test_truncated_file_is_rejected(tmp_path):
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(buffer, "JPEG")
    path = tmp_path / "cut.jpg"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(StylelabError, match="damaged or truncated"):
        images.load_image(path)


def test_decompression_bomb_is_refused_before_decoding(tmp_path, monkeypatch):
    path = _save(Image.new("L", (100, 100)), tmp_path / "bomb.png")
    monkeypatch.setattr(images, "MAX_DECODE_PIXELS", 5_000)
    with pytest.raises(StylelabError, match="decompression bomb"):
        images.load_image(path)


def test_working_size_is_capped_with_a_clear_message(monkeypatch):
    monkeypatch.setattr(images, "MAX_WORKING_PIXELS", 64 * 64)
    with pytest.raises(StylelabError, match="a 100×100 image .* would be 100×100 px, above stylelab's cap.*short_side"):
        images.load_image(torch.rand(3, 100, 100))
    with pytest.raises(StylelabError, match="a 400×1 image .* would be 204800×512 px"):  # a strip, short side to 512
        images.load_image(torch.rand(3, 1, 400), short_side=512)
    assert images.load_image(torch.rand(3, 100, 100), short_side=50).shape == (1, 3, 50, 50)


def test_missing_file_and_asset_names(tmp_path, mirror):
    with pytest.raises(StylelabError, match="not found"):
        images.load_image(tmp_path / "nope.png")
    x = images.load_image("content/cornell", short_side=32)
    assert x.shape[:3] == (1, 3, 32)


def test_save_and_reload_round_trip(tmp_path):
    x = torch.rand(1, 3, 6, 7)
    path = images.save_image(x, tmp_path / "out" / "x.png")
    assert torch.allclose(images.load_image(path), x, atol=1 / 255)


def test_show_images_builds_a_grid():
    fig = images.show_images([torch.rand(1, 3, 8, 8)] * 3, ["a", "b", "c"], ncols=2)
    assert len(fig.axes) == 4
    assert [ax.get_title() for ax in fig.axes[:3]] == ["a", "b", "c"]


def test_array_value_ranges_are_converted_or_refused():
    assert torch.allclose(images.load_image(np.array([[0, 65535]], np.uint16))[0, 0, 0], torch.tensor([0.0, 1.0]))
    assert torch.allclose(images.load_image(np.array([[0, 255]], np.int32))[0, 0, 0], torch.tensor([0.0, 1.0]))
    assert torch.allclose(images.load_image(np.array([[0.0, 127.5]]))[0, 0, 0], torch.tensor([0.0, 0.5]))
    with pytest.raises(StylelabError, match=r"must lie in \[0, 1\]"):
        images.load_image(np.array([[-0.5, 0.5]]))
    with pytest.raises(StylelabError, match="3 or 4 channels"):
        images.load_image(np.zeros((4, 4, 7), np.uint8))


def test_the_slider_view_redraws_its_image_when_the_slider_moves():
    # a grey level that follows the slider (0.2 → 51, 0.6 → 153): the PNG the view holds is the image render(t) draws
    box = images.slider_view(lambda t: torch.full((1, 3, 4, 6), t), value=0.2)
    slider, view = box.children
    first = np.asarray(Image.open(io.BytesIO(view.value)))
    assert first.shape == (4, 6, 3) and (first == 51).all()
    slider.value = 0.6
    assert (np.asarray(Image.open(io.BytesIO(view.value))) == 153).all()
