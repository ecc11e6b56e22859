"""What a notebook's first code cell calls: seed, device, encoder, profile settings and a stamp.

    run = experiment.start("gatys", profile=profile, device=device, encoder=encoder,
                           image_size=image_size, iterations=iterations, seed=seed, figures_dir=figures_dir)
    ...
    run.save_figure(fig, "01_gatys_result")
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import torch

from . import provenance
from .device import describe, resolve_device
from .encoders import MultiLayerEncoder, build_encoder, resolve_auto_encoder
from .profiles import label, settings


@dataclass
class Run:
    section: str
    profile: str
    device: torch.device
    encoder_name: str
    seed: int
    cfg: object
    figures: Path
    stamp: provenance.Stamp
    _encoders: dict = field(default_factory=dict, repr=False)

    def encoder(self, **kwargs) -> MultiLayerEncoder:
        """The run's encoder (built once per set of options)."""
        key = tuple(sorted(kwargs.items()))
        if key not in self._encoders:
            self._encoders[key] = build_encoder(self.encoder_name, device=self.device, seed=self.seed, **kwargs)
        return self._encoders[key]

    # Both return nothing, so a notebook cell that ends with them shows no Out[] path (which would differ
    # between runs and break nbval's output check); provenance.save_* return the paths.
    def save_figure(self, fig, name: str) -> None:
        provenance.save_figure(fig, name, self.stamp, self.figures)

    def save_image(self, image, name: str) -> None:
        provenance.save_image(image, name, self.stamp, self.figures)

    def save_table(self, rows: list[dict], name: str, title: str = "") -> None:
        provenance.save_table(rows, name, self.stamp, self.figures, title)

    @property
    def progress(self) -> bool:
        """Show progress bars? False under ``python -m stylelab.reproduce`` (``$STYLELAB_QUIET=1``), so
        committed notebooks carry no walls of bar lines; True when a person runs the notebook."""
        return os.environ.get("STYLELAB_QUIET", "") not in ("1", "true", "yes")

    def summary(self) -> str:
        return f"encoder: {self.encoder_name} · device: {self.device.type} · profile: {self.profile} · seed: {self.seed}"


def start(section: str, *, profile: str = "quick", device: str = "auto", encoder: str | None = "auto",
          seed: int = 0, figures_dir=None, encoder_label: str | None = None, smoke: bool = False, **overrides) -> Run:
    """Seed torch, resolve device and encoder (``auto`` → what is available here), load the profile.

    Sections that use no VGG encoder (the font notebook) pass ``encoder=None`` and describe their
    own networks in ``encoder_label`` for the stamp.

    ``smoke=True`` (full profile only): the full profile's code paths at toy sizes (``profiles.SMOKE``);
    the run is labelled ``full-smoke`` on its stamp and its figures go to ``figures/full-smoke/``.
    """
    torch.manual_seed(seed)
    _compact_inline_figures()
    cfg = settings(section, profile, smoke=smoke, **overrides)
    profile = label(profile, smoke)
    resolved_device = resolve_device(device)
    if encoder is None:
        encoder_name = encoder_label or "none"
    else:
        encoder_name = resolve_auto_encoder() if encoder == "auto" else encoder
    stamp = provenance.Stamp(encoder=encoder_name, device=describe(resolved_device), profile=profile)
    return Run(section, profile, resolved_device, encoder_name, seed, cfg,
               provenance.figures_dir(figures_dir, profile), stamp)


def _compact_inline_figures() -> None:
    """In a notebook, embed figures as JPEG: committed notebooks stay a few hundred kB instead of
    megabytes (noise-like textures barely compress as PNG). The saved figures stay PNG."""
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:
        return
    if get_ipython() is not None:
        set_matplotlib_formats("jpeg", pil_kwargs={"quality": 85})
