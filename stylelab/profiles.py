"""Run profiles. ``quick``: small images and few steps, for CI on a 2-core CPU (all notebooks in
about 20 minutes). ``full``: the papers' sizes and step counts, for a GPU."""

from __future__ import annotations

from types import SimpleNamespace

from .errors import StylelabError

PROFILES: dict[str, dict[str, dict]] = {
    "quick": {
        "normalization": {"image_size": 128},
        "gatys": {
            "image_size": 128, "iterations": 60, "reconstruction_size": 96, "reconstruction_iterations": 40,
            "grid_size": 96, "grid_iterations": 25, "curve_iterations": 40,
        },
    },
    "full": {
        "normalization": {"image_size": 512},
        "gatys": {
            "image_size": 512, "iterations": 500, "reconstruction_size": 256, "reconstruction_iterations": 300,
            "grid_size": 256, "grid_iterations": 200, "curve_iterations": 300,
        },
    },
}


def settings(section: str, profile: str, **overrides) -> SimpleNamespace:
    """The profile's settings for one notebook section; ``None`` overrides keep the profile value."""
    if profile not in PROFILES:
        raise StylelabError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    if section not in PROFILES[profile]:
        raise StylelabError(f"profile {profile!r} has no settings for {section!r}")
    values = dict(PROFILES[profile][section])
    for key, value in overrides.items():
        if value is not None:
            values[key] = value
    return SimpleNamespace(**values)
