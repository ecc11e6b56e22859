"""Two artefacts of feed-forward nets measured on their outputs: dark blobs and a periodic crosshatch.

*Dark blobs* (the instance-norm "droplet" artefact): round near-black spots that follow no shape of the
photo. A blob is a connected region of the output where every channel is below ``dark`` (0.12), at least
``min_area`` (0.1 %) of the image, filling at least ``min_fill`` (45 %) of its bounding box, a box at most
``max_aspect`` (3) times longer than wide, where the photo is not black itself (less than ``photo_dark_share``
of the region is black in the photo by the same test: every channel below ``dark``; a dark-grey building is
not black, so a black blob over it counts; with ``photo_luminance`` the photo's luminance is tested instead,
so a very dark brown sideburn, RGB 0.19 / 0.08 / 0.05, counts as black). The aspect rule is the spots' stroke
rule: a style's thick dark outline along a roof or a mast is long and thin, a droplet is round
(``max_aspect=None`` counts both, as issue #23 first did).

*Spots* (:func:`spots`): the same compact regions of any colour (the red and white droplets a dark-only test
misses): pixels far, in RGB, from a wide blur of their surroundings, where the photo does not stand out too.

*Crosshatch*: a regular pattern laid over regions the photo leaves flat (sky, skin, water). The output's
grey level minus its 5×5 box blur keeps the fine texture; on every ``tile`` × ``tile`` tile where the photo
is flat (its own high-pass RMS below ``flat`` in [0, 1] units) the Hann-windowed power spectrum of that
texture is taken, and the spectra are averaged over the flat tiles. A periodic pattern puts its power in a
few frequencies, irregular brush texture spreads it; the measure is the RMS amplitude, in 8-bit grey
levels, carried by the ``peaks`` strongest peaks of that mean spectrum (each peak with its 3 × 3
neighbourhood, where the window spreads a pure frequency):

    crosshatch = 255 · sqrt( Σ_{k ∈ peak neighbourhoods} P̄(k) / tile² )

so a pure sinusoid of amplitude A levels on flat regions reads ≈ A/√2 · (window loss), noise spread over
all frequencies reads little. ``peak_share`` (the peaks' share of all texture power) says how periodic it is,
``period`` the wavelength in pixels of the strongest frequency.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage

from .errors import StylelabError
from .losses import LUMA, fine_texture


@dataclass(frozen=True)
class Blob:
    """One dark blob: centre (x, y) in pixels, area in pixels, bounding-box fill."""
    x: float
    y: float
    area: int
    fill: float


def _as_hw3(image: torch.Tensor) -> torch.Tensor:
    if image.dim() == 4:
        if image.shape[0] != 1:
            raise StylelabError(f"measure one image at a time, got a batch of {image.shape[0]}")
        image = image[0]
    if image.dim() != 3 or image.shape[0] != 3:
        raise StylelabError(f"expected an RGB image (3, H, W) in [0, 1], got shape {tuple(image.shape)}")
    return image.detach().float().cpu().clamp(0, 1)


def _luminance(image: torch.Tensor) -> torch.Tensor:
    r, g, b = image
    wr, wg, wb = LUMA
    return wr * r + wg * g + wb * b


def _matched(photo: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    if tuple(photo.shape[-2:]) == size:
        return photo
    return F.interpolate(photo[None], size=size, mode="bilinear", align_corners=False, antialias=True)[0]


def _compact_regions(mask: np.ndarray, excluded, *, min_area: float, min_fill: float,
                     max_aspect: float | None = None) -> list[Blob]:
    """The connected regions of ``mask`` of at least ``min_area`` of the image that fill at least ``min_fill``
    of their bounding box, whose box is at most ``max_aspect`` times longer than wide (None: any), and that
    ``excluded(box, region)`` does not exclude (the photo has the same thing there, say)."""
    labels, _ = ndimage.label(mask)
    height, width = mask.shape
    blobs = []
    for index, box in enumerate(ndimage.find_objects(labels), start=1):
        region = labels[box] == index
        area = int(region.sum())
        if area < min_area * height * width:
            continue
        fill = area / region.size
        long_side, short_side = max(region.shape), min(region.shape)
        if fill < min_fill or (max_aspect is not None and long_side > max_aspect * short_side):
            continue
        if excluded(box, region):
            continue
        ys, xs = np.nonzero(region)
        blobs.append(Blob(float(xs.mean() + box[1].start), float(ys.mean() + box[0].start), area, round(fill, 3)))
    return blobs


def dark_blobs(output: torch.Tensor, photo: torch.Tensor, *, dark: float = 0.12, min_area: float = 0.001,
               min_fill: float = 0.45, max_aspect: float | None = 3.0, photo_dark_share: float = 0.5,
               photo_luminance: bool = False) -> list[Blob]:
    """The dark blobs of ``output`` that the photo does not explain (see the module docstring)."""
    out = _as_hw3(output)
    ref = _matched(_as_hw3(photo), tuple(out.shape[-2:]))
    mask = (out < dark).all(dim=0).numpy()
    photo_dark = (_luminance(ref) < dark if photo_luminance else (ref < dark).all(dim=0)).numpy()
    return _compact_regions(mask, lambda box, region: photo_dark[box][region].mean() >= photo_dark_share,
                            min_area=min_area, min_fill=min_fill, max_aspect=max_aspect)


def _surround(image: torch.Tensor, sigma: float) -> np.ndarray:
    """Each pixel's surroundings: a Gaussian blur of standard deviation ``sigma`` pixels per channel (separable,
    reflected at the border; a 2-D kernel of σ = 82 px at 1024 px would cost 100× more)."""
    return ndimage.gaussian_filter(image.numpy(), sigma=(0, sigma, sigma), mode="reflect", truncate=3.0)


def spots(output: torch.Tensor, photo: torch.Tensor, *, surround: float = 0.08, contrast: float = 0.3,
          min_area: float = 0.001, min_fill: float = 0.45, max_aspect: float = 3.0, min_coherence: float = 0.8,
          photo_share: float = 0.5) -> list[Blob]:
    """Compact spots of any colour that the photo does not explain: a colour-agnostic companion of
    :func:`dark_blobs` (the red and white droplets a dark-only test misses).

    A pixel is spot-like where its RGB distance from its surroundings (a Gaussian blur of σ = ``surround`` ×
    the short side; 0.08: 41 px at 512 px, wide enough that a 60-px spot barely lifts its own surround),

        dev(x) = ‖ out(x) − G_σ * out (x) ‖₂   (RGB in [0, 1]; at most √3),

    exceeds ``contrast``; a spot is a connected set of such pixels of at least ``min_area`` of the image
    filling ``min_fill`` of its bounding box, a box at most ``max_aspect`` times longer than wide (a stroke or
    an edge is long and thin, or bent and fills little of its box), whose departures agree in direction,

        coherence = ‖ mean_region (out − G_σ * out) ‖₂ / mean_region dev  ≥ ``min_coherence``

    (a solid spot ≈ 1; a patch of a high-contrast weave, whose light and dark threads cancel, is far lower),
    unless the photo stands out there too: its own mean dev over the region at least ``photo_share`` of the
    output's (a red flower on green leaves is the photo's, not the net's)."""
    out = _as_hw3(output)
    ref = _matched(_as_hw3(photo), tuple(out.shape[-2:]))
    sigma = max(2.0, surround * min(out.shape[-2:]))
    departure = out.numpy() - _surround(out, sigma)
    dev = np.linalg.norm(departure, axis=0)
    photo_dev = np.linalg.norm(ref.numpy() - _surround(ref, sigma), axis=0)

    def not_a_spot(box, region) -> bool:
        inside = dev[box][region].mean()
        coherence = np.linalg.norm(departure[(slice(None), *box)][:, region].mean(axis=1)) / inside
        return coherence < min_coherence or photo_dev[box][region].mean() >= photo_share * inside

    return _compact_regions(dev > contrast, not_a_spot, min_area=min_area, min_fill=min_fill, max_aspect=max_aspect)


def _high_pass(grey: torch.Tensor) -> torch.Tensor:
    return fine_texture(grey[None, None])[0, 0]


def _peak_power(spectrum: torch.Tensor, peaks: int) -> torch.Tensor:
    """Power in the ``peaks`` strongest 3 × 3 neighbourhoods of a (periodic) spectrum, none counted twice."""
    remaining = spectrum.clone()
    total = spectrum.new_zeros(())
    for _ in range(peaks):
        around = sum(remaining.roll((dy, dx), (0, 1)) for dy in (-1, 0, 1) for dx in (-1, 0, 1))
        y, x = divmod(int(around.argmax()), spectrum.shape[1])
        total = total + around[y, x]
        rows = [(y + d) % spectrum.shape[0] for d in (-1, 0, 1)]
        cols = [(x + d) % spectrum.shape[1] for d in (-1, 0, 1)]
        remaining[torch.tensor(rows)[:, None], torch.tensor(cols)[None, :]] = 0.0
    return total


@dataclass(frozen=True)
class Crosshatch:
    amplitude: float     # 8-bit grey levels carried by the strongest frequencies on flat tiles
    peak_share: float    # their share of all fine-texture power there (1 = a pure periodic pattern)
    flat_tiles: int      # how many tiles of the photo were flat
    period: float = 0.0  # wavelength in pixels of the strongest frequency (4.0: a net's 1/4-resolution grid)


def crosshatch(output: torch.Tensor, photo: torch.Tensor, *, tile: int = 32, flat: float = 0.012,
               peaks: int = 4) -> Crosshatch:
    """The periodic pattern on the photo's flat regions (see the module docstring)."""
    out = _as_hw3(output)
    ref = _matched(_as_hw3(photo), tuple(out.shape[-2:]))
    texture = _high_pass(_luminance(out))
    photo_texture = _high_pass(_luminance(ref))
    height, width = texture.shape
    window = torch.outer(torch.hann_window(tile, periodic=False), torch.hann_window(tile, periodic=False))
    window = window / window.pow(2).mean().sqrt()  # keeps a tile's power (Parseval) under the window
    spectra = []
    for top in range(0, height - tile + 1, tile):
        for left in range(0, width - tile + 1, tile):
            if photo_texture[top:top + tile, left:left + tile].pow(2).mean().sqrt() > flat:
                continue
            patch = texture[top:top + tile, left:left + tile]
            spectra.append(torch.fft.fft2((patch - patch.mean()) * window).abs().pow(2) / tile ** 2)
    if not spectra:
        return Crosshatch(0.0, 0.0, 0)
    mean = torch.stack(spectra).mean(0)
    mean[0, 0] = 0.0
    strongest = _peak_power(mean, peaks)
    amplitude = 255.0 * (strongest / tile ** 2).sqrt()
    ky, kx = divmod(int(mean.argmax()), tile)
    ky, kx = (ky + tile // 2) % tile - tile // 2, (kx + tile // 2) % tile - tile // 2  # signed frequencies
    period = tile / (ky ** 2 + kx ** 2) ** 0.5 if (ky, kx) != (0, 0) else 0.0  # 0: no texture at all
    return Crosshatch(round(float(amplitude), 3), round(float(strongest / mean.sum().clamp_min(1e-12)), 4), len(spectra),
                      round(period, 2))
