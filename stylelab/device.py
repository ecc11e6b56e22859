"""Device choice: "auto" means the current accelerator if there is one, else the CPU."""

from __future__ import annotations

import torch

from .errors import StylelabError


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        accelerator = torch.accelerator.current_accelerator() if torch.accelerator.is_available() else None
        return accelerator or torch.device("cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError:
        raise StylelabError(f"unknown device {device!r}; use 'auto', 'cpu', 'cuda' or 'cuda:N'") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise StylelabError(f"device {device!r} asked for, but this machine has no usable CUDA GPU; "
                            f"use 'cpu' or 'auto' (--device cpu on the command line)")
    return resolved


def describe(device: torch.device) -> str:
    """Human label for stamps, e.g. 'cpu' or 'cuda (NVIDIA H100 80GB HBM3)'."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return device.type
