"""Image I/O: anything image-like in, a float RGB tensor (1, 3, H, W) in [0, 1] out.

``load_image`` takes a path, an asset name (``"content/cornell"``), an http(s) URL, a PIL image,
a NumPy array or a tensor. It applies EXIF orientation, composites transparency on white, converts
palette / grayscale / CMYK / 16-bit images correctly, and resizes by short or long side.
Non-images, truncated files and decompression bombs are rejected with one-line errors, and the
working size is capped so that a huge photo gives a clear message rather than an out-of-memory crash.
"""

from __future__ import annotations

import io
import os
import urllib.request
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError
from torchvision.transforms.v2 import functional as TF

from .errors import StylelabError
from . import assets

#: Files with more pixels than this are refused before decoding (PIL's own bomb threshold).
MAX_DECODE_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485
#: Largest working image (after resizing): 4096 × 4096. VGG activations of a bigger image
#: need tens of GiB for Gatys' optimisation.
MAX_WORKING_PIXELS = 4096 * 4096


def _open_pil(source) -> Image.Image:
    if isinstance(source, Image.Image):
        return source
    if isinstance(source, (str, os.PathLike)):
        text = str(source)
        if text.startswith(("http://", "https://")):
            try:
                with urllib.request.urlopen(text, timeout=30) as response:
                    data = response.read()
            except Exception as exc:
                raise StylelabError(f"could not download image {text} ({getattr(exc, 'reason', exc)}); "
                                    f"save it locally and pass the path") from None
            return _decode(io.BytesIO(data), text)
        path = Path(text).expanduser()
        if not path.exists() and "/" in text and not path.suffix:
            path = assets.fetch(text)
        if not path.is_file():
            raise StylelabError(f"image file not found: {text}")
        return _decode(path, str(path))
    raise TypeError(type(source))


def _decode(fp, label: str) -> Image.Image:
    with warnings.catch_warnings():
        # PIL only warns between 1× and 2× its limit; a bomb is a bomb either way.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(fp)
            width, height = image.size
            if width * height > MAX_DECODE_PIXELS:
                raise StylelabError(f"{label}: {width}×{height} px exceeds the {MAX_DECODE_PIXELS:,} px decoding limit "
                                    f"(possible decompression bomb); refusing to decode it")
            image.load()
        except StylelabError:
            raise
        except UnidentifiedImageError:
            raise StylelabError(f"{label} is not an image file PIL can read") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise StylelabError(f"{label} exceeds the {MAX_DECODE_PIXELS:,} px decoding limit "
                                f"(possible decompression bomb); refusing to decode it") from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise StylelabError(f"{label} is damaged or truncated and cannot be decoded ({exc})") from None
    return image


def to_rgb(image: Image.Image) -> Image.Image:
    """Orient by EXIF and convert any PIL mode to 8-bit RGB (transparency composited on white)."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16/32-bit grey: scale the true range to 8 bits instead of clipping at 255.
        array = np.asarray(image, dtype=np.float64)
        peak = 65535.0 if image.mode.startswith("I;16") or array.max() > 255 else 255.0
        image = Image.fromarray(np.clip(array / peak * 255.0 + 0.5, 0, 255).astype(np.uint8), "L")
    elif image.mode == "F":
        array = np.asarray(image, dtype=np.float64)
        peak = 1.0 if array.max() <= 1.0 else 255.0
        image = Image.fromarray(np.clip(array / peak * 255.0 + 0.5, 0, 255).astype(np.uint8), "L")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    return image.convert("RGB")  # L, 1, CMYK, YCbCr, LAB, HSV → RGB


def _array_to_tensor(array) -> torch.Tensor:
    # Layout follows each library's convention: NumPy arrays are H×W×C (as PIL and matplotlib
    # give them), tensors are C×H×W (as torchvision gives them). Both may be 2-D (grey).
    is_numpy = not isinstance(array, torch.Tensor)
    tensor = torch.from_numpy(np.ascontiguousarray(array)) if is_numpy else array.detach().cpu()
    if tensor.dim() == 4 and tensor.shape[0] == 1:
        tensor = tensor[0]
    if tensor.dim() == 2:
        tensor = tensor.unsqueeze(-1) if is_numpy else tensor.unsqueeze(0)
    if tensor.dim() != 3:
        layout = "H×W or H×W×C" if is_numpy else "H×W, C×H×W or 1×C×H×W"
        raise StylelabError(f"an image {'array' if is_numpy else 'tensor'} must be {layout}, got shape {tuple(tensor.shape)}")
    if is_numpy:
        tensor = tensor.permute(2, 0, 1)
    if tensor.shape[0] not in (1, 3, 4):
        raise StylelabError(f"an image needs 1, 3 or 4 channels (NumPy: last axis, tensor: first axis), "
                            f"got shape {tuple(array.shape)}")
    if tensor.dtype == torch.uint8:
        tensor = tensor.float() / 255.0
    elif tensor.dtype == torch.uint16:
        tensor = tensor.float() / 65535.0
    elif tensor.dtype == torch.bool:
        tensor = tensor.float()
    elif not tensor.is_floating_point():  # other integer types: 8- or 16-bit ranges
        tensor = tensor.float()
        if tensor.min() < 0 or tensor.max() > 65535:
            raise StylelabError(f"integer image values must lie in [0, 255] or [0, 65535], got "
                                f"[{tensor.min():.0f}, {tensor.max():.0f}]")
        tensor = tensor / (65535.0 if tensor.max() > 255 else 255.0)
    else:
        tensor = tensor.float()
        if torch.isfinite(tensor).all():
            low, high = tensor.min().item(), tensor.max().item()
            if low < -1e-6 or high > 255.0:
                raise StylelabError(f"float image values must lie in [0, 1] (or [0, 255]), got [{low:.3g}, {high:.3g}]")
            if high > 1.0 + 1e-6:
                tensor = tensor / 255.0
    if not torch.isfinite(tensor).all():
        raise StylelabError("image array contains NaN or infinite values")
    if tensor.shape[0] == 4:  # RGBA → composite on white
        rgb, alpha = tensor[:3], tensor[3:].clamp(0, 1)
        tensor = rgb * alpha + (1 - alpha)
    elif tensor.shape[0] == 1:
        tensor = tensor.expand(3, -1, -1)
    return tensor.clamp(0, 1).contiguous()


def load_image(source, *, short_side: int | None = None, max_side: int | None = None,
               size: tuple[int, int] | None = None, device: str | torch.device = "cpu") -> torch.Tensor:
    """Load ``source`` as a (1, 3, H, W) float tensor in [0, 1].

    Give at most one of ``short_side`` (scale so the shorter side has this length), ``max_side``
    (scale so the longer side has this length, never up) and ``size`` ((H, W) exactly).
    """
    if sum(x is not None for x in (short_side, max_side, size)) > 1:
        raise StylelabError("give at most one of short_side, max_side and size")
    if isinstance(source, (np.ndarray, torch.Tensor)):
        tensor = _array_to_tensor(source)
    elif isinstance(source, (str, os.PathLike, Image.Image)):
        pil = _open_pil(source)
        tensor = TF.to_dtype(TF.pil_to_tensor(to_rgb(pil)), torch.float32, scale=True)
    else:
        raise StylelabError(f"cannot load an image from a {type(source).__name__}; pass a path, "
                            f"asset name, URL, PIL image, NumPy array or tensor")
    height, width = tensor.shape[-2:]
    if short_side is not None:
        target = _scaled(height, width, short_side / min(height, width))
    elif max_side is not None:
        target = _scaled(height, width, min(1.0, max_side / max(height, width)))
    elif size is not None:
        target = (int(size[0]), int(size[1]))
    else:
        target = (height, width)
    if target[0] * target[1] > MAX_WORKING_PIXELS:
        raise StylelabError(f"a {width}×{height} image at the size asked for would be {target[1]}×{target[0]} px, above "
                            f"stylelab's cap of {MAX_WORKING_PIXELS:,} px; ask for a smaller one (short_side= or "
                            f"max_side=; on the command line --content-size / --style-size)")
    if target != (height, width):
        tensor = TF.resize(tensor, list(target), antialias=True).clamp(0, 1)
    return tensor.unsqueeze(0).contiguous().to(device)


def _scaled(height: int, width: int, factor: float) -> tuple[int, int]:
    return max(1, round(height * factor)), max(1, round(width * factor))


def to_pil(image: torch.Tensor) -> Image.Image:
    """(1, 3, H, W) or (3, H, W) tensor in [0, 1] → PIL RGB image."""
    image = image.detach().cpu()
    if image.dim() == 4:
        if image.shape[0] != 1:
            raise StylelabError(f"to_pil takes one image, got a batch of {image.shape[0]}")
        image = image[0]
    return TF.to_pil_image(image.clamp(0, 1))


def save_image(image: torch.Tensor, path: str | os.PathLike) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    to_pil(image).save(path)
    return path


def show_images(images: Sequence, titles: Sequence[str] | None = None, *, ncols: int | None = None,
                size: float = 2.6, suptitle: str | None = None):
    """Grid of images (tensors, PIL images or arrays) in a matplotlib figure; returns the figure."""
    import matplotlib.pyplot as plt

    count = len(images)
    ncols = ncols or count
    nrows = -(-count // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + (0.4 if suptitle else 0)), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= count:
            continue
        image = images[i]
        if isinstance(image, torch.Tensor):
            image = to_pil(image if image.dim() == 4 or image.shape[0] in (1, 3) else image.unsqueeze(0))
        ax.imshow(image, cmap="gray" if getattr(image, "mode", "") == "L" else None)
        if titles is not None:
            ax.set_title(titles[i], fontsize=8)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    fig.tight_layout()
    return fig


def load_batch(sources: Sequence, side: int, device: str | torch.device = "cpu") -> torch.Tensor:
    """Several images as one (N, 3, side, side) batch: short side scaled to ``side``, centre-cropped."""
    tiles = [TF.center_crop(load_image(source, short_side=side), [side, side]) for source in sources]
    return torch.cat(tiles).to(device)


def slider_view(render, *, description: str = "t", minimum: float = 0.0, maximum: float = 1.0, step: float = 0.05,
                value: float = 0.5):
    """A slider and the image ``render(t)`` draws ((1, 3, H, W) in [0, 1]), as one ipywidgets box; moving the
    slider redraws the image. An Image widget and not ``ipywidgets.interact``: an interact whose function
    displays anything never finishes under papermill (nbclient 0.11, ipywidgets 8: its Output widget waits for a
    frontend), so a notebook run by hand through papermill hung there."""
    import ipywidgets as widgets

    slider = widgets.FloatSlider(min=minimum, max=maximum, step=step, value=value, description=description)
    view = widgets.Image(format="png")

    def draw(change=None) -> None:
        buffer = io.BytesIO()
        to_pil(render(slider.value)).save(buffer, "png")
        view.value = buffer.getvalue()

    slider.observe(draw, "value")
    draw()
    return widgets.VBox([slider, view])
