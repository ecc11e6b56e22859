"""The talk's normalisation layers: BN, IN, CIN and AdaIN.

With μ, σ over the spatial axes of each sample n and channel c (the slide's equations):

    μ_nc(x) = 1/HW Σ_h Σ_w x_nchw
    σ_nc(x) = sqrt(1/HW Σ_h Σ_w (x_nchw − μ_nc(x))² + ε)

    IN(x)       = γ (x − μ(x)) / σ(x) + β
    CIN(x; s)   = γˢ (x − μ(x)) / σ(x) + βˢ          (Dumoulin et al.: one γ, β per style s)
    AdaIN(x, y) = σ(y) (x − μ(x)) / σ(x) + μ(y)       (Huang & Belongie)

BN uses the same formula with μ, σ over (N, H, W): statistics are shared by the whole batch, so
each sample keeps its own style; IN normalises every sample's style away.
"""

from __future__ import annotations

import torch
from torch import nn

from .errors import StylelabError

EPS = 1e-5  # the ε of the slide (and of torch.nn.InstanceNorm2d)


def _check_4d(x: torch.Tensor, name: str = "x") -> None:
    if x.dim() != 4:
        raise StylelabError(f"{name} must be a feature map (N, C, H, W), got shape {tuple(x.shape)}")


def mean_std(x: torch.Tensor, eps: float = EPS, unbiased: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample, per-channel μ_nc and σ_nc = sqrt(var + ε), shaped (N, C, 1, 1); the variance is the
    biased one (over HW) unless ``unbiased`` (over HW − 1, as the AdaIN port's ``calc_mean_std``)."""
    _check_4d(x)
    mean = x.mean(dim=(2, 3), keepdim=True)
    std = (x.var(dim=(2, 3), keepdim=True, unbiased=unbiased) + eps).sqrt()
    return mean, std


def instance_norm(x: torch.Tensor, eps: float = EPS) -> torch.Tensor:
    """(x − μ(x)) / σ(x) per sample and channel; equals ``nn.InstanceNorm2d(C, affine=False)``."""
    mean, std = mean_std(x, eps)
    return (x - mean) / std


def check_clip(clip: float, name: str = "clip") -> None:
    """The bound k of :func:`clipped_mean_std` is in standard deviations: 0 (off) or at least 1."""
    if clip < 0 or 0 < clip < 1:
        raise StylelabError(f"{name} is a bound in standard deviations (at least 1; 0: off), got {clip}")


def clipped_mean_std(x: torch.Tensor, clip: float, eps: float = EPS) -> tuple[torch.Tensor, torch.Tensor]:
    """μ̃_nc, σ̃_nc: :func:`mean_std` of x clipped to μ ± kσ (k = ``clip``; the bounds carry no gradient):

        x̃ = min(max(x, μ(x) − kσ(x)), μ(x) + kσ(x)),   μ̃ = μ(x̃),   σ̃ = σ(x̃)

    A narrow spike of area A among N pixels adds at most A k² σ² / N to σ̃², with σ the plain one (which the spike
    still inflates): its say in the channel's scale is cut, not removed (a spike of 100 among ±1 values: σ ≈ 10,
    σ̃ ≈ 3.2 at k = 3; issue #23). Max and min, not a clamp, so that ONNX exports it."""
    mean, std = mean_std(x.detach(), eps)
    clipped = torch.minimum(torch.maximum(x, mean - clip * std), mean + clip * std)
    return mean_std(clipped, eps)


def batch_norm(x: torch.Tensor, eps: float = EPS) -> torch.Tensor:
    """(x − μ) / σ with μ, σ over (N, H, W) per channel: training-mode ``nn.BatchNorm2d`` without affine."""
    _check_4d(x)
    mean = x.mean(dim=(0, 2, 3), keepdim=True)
    std = (x.var(dim=(0, 2, 3), keepdim=True, unbiased=False) + eps).sqrt()
    return (x - mean) / std


def adain(content: torch.Tensor, style: torch.Tensor, eps: float = EPS, unbiased: bool = False) -> torch.Tensor:
    """AdaIN(x, y) = σ(y) (x − μ(x)) / σ(x) + μ(y): x's normalised features with y's statistics
    (``unbiased``: both σ from the variance over HW − 1, as the AdaIN port)."""
    _check_4d(content, "content features")
    _check_4d(style, "style features")
    if content.shape[:2] != style.shape[:2] and not (style.shape[0] == 1 and content.shape[1] == style.shape[1]):
        raise StylelabError(f"AdaIN needs matching batch and channels, got content {tuple(content.shape)} "
                            f"and style {tuple(style.shape)}")
    (mean_x, std_x), (mean_y, std_y) = mean_std(content, eps, unbiased), mean_std(style, eps, unbiased)
    return std_y * (content - mean_x) / std_x + mean_y


def peak_excess(x: torch.Tensor, threshold: float, eps: float = EPS) -> torch.Tensor:
    """How far each channel's most extreme value stands out of its own statistics, beyond ``threshold``:

        peak(x) = mean_nc ( max(0, max_hw |x_nchw − μ_nc(x)| / σ_nc(x) − τ) )²

    Instance norm rescales every channel by its σ, so a net can defeat it with a narrow spike that dominates σ
    and sets the scale of the rest of the map (the "droplet" artefact, Karras et al. 2020, §2): that spike
    shows as a round blob in the image, and it grows as about sqrt(N/A) for a spike of area A in N pixels, i.e.
    with the image. Tried as a training penalty for issue #23 (``FeedForwardConfig.peak_weight``): the peaks fell,
    but the net spread each spike into a wider smudge instead (``stylelab/pretrained/cin_instance_4styles.md``)."""
    mean, std = mean_std(x, eps)
    peaks = ((x - mean).abs() / std).amax(dim=(2, 3))
    return (peaks - threshold).clamp_min(0).square().mean()


class NormInputPeaks:
    """:func:`peak_excess` of the input of every instance norm (IN or CIN) of ``net`` (``within``: only those
    inside these submodules, by name), collected by forward pre-hooks during a forward pass; :meth:`take`
    returns their mean and starts over.

        peaks = NormInputPeaks(net, threshold=8.0)
        out = net(x, style); penalty = peaks.take()
    """

    def __init__(self, net: nn.Module, threshold: float, within: tuple[str, ...] = ()):
        self.threshold = threshold
        self.terms: list[torch.Tensor] = []
        layers = [m for name, m in net.named_modules() if isinstance(m, (InstanceNorm, ConditionalInstanceNorm))
                  and (not within or any(name == w or name.startswith(w + ".") for w in within))]
        if not layers:
            where = f" within {', '.join(within)}" if within else ""
            raise StylelabError(f"{type(net).__name__} has no instance norm{where} whose input peaks could be "
                                f"penalised")
        self.handles = [m.register_forward_pre_hook(self._record) for m in layers]

    def _record(self, module: nn.Module, inputs: tuple) -> None:
        self.terms.append(peak_excess(inputs[0], self.threshold, module.eps))

    def take(self) -> torch.Tensor:
        if not self.terms:
            raise StylelabError("no forward pass since the last take(): nothing to penalise")
        value = torch.stack(self.terms).mean()
        self.terms.clear()
        return value

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()


class InstanceNorm(nn.Module):
    """IN(x) = γ (x − μ(x)) / σ(x) + β with learned γ, β (one pair per channel)."""

    def __init__(self, num_features: int, eps: float = EPS):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.weight.view(1, -1, 1, 1) * instance_norm(x, self.eps) + self.bias.view(1, -1, 1, 1)


class ConditionalInstanceNorm(nn.Module):
    """CIN(x; s) = γˢ (x − μ(x)) / σ(x) + βˢ: one (γ, β) pair per style, shared convolutions elsewhere.

    ``style`` is an int (same style for the batch), a LongTensor of N style indices, or an
    (N, num_styles) float tensor of mixing weights — Dumoulin et al.'s convex combination of styles.

    ``leak=True`` adds a learned per-channel path around the division by σ (issue #23):

        CIN_ℓ(x; s) = γˢ (x − μ(x)) / σ(x) + βˢ + ℓ (x − μ(x))

    Instance norm throws away each channel's scale; a net that needs it learns a narrow spike that dominates σ,
    so that the rest of the channel is divided by a constant (the droplet artefact, Karras et al. 2020): round
    blobs that grow with the image. ℓ offers the net the scale without a spike; with ℓ = 0 it is plain CIN. Tried
    for issue #23 (``FeedForwardConfig.norm_leak``), fine-tuned and from scratch, it did not stop the blobs
    (``stylelab/pretrained/cin_instance_4styles.md``).

    ``clip=k`` (> 0) takes μ, σ from x clipped to μ ± kσ (:func:`clipped_mean_std`), still
    γˢ (x − μ̃)/σ̃ + βˢ: the statistics no longer reward a spike, the droplets' reason rather than their colour
    (issue #23).
    """

    def __init__(self, num_features: int, num_styles: int, eps: float = EPS, leak: bool = False, clip: float = 0.0):
        super().__init__()
        if num_styles < 1:
            raise StylelabError(f"ConditionalInstanceNorm needs at least one style, got {num_styles}")
        check_clip(clip)
        self.num_styles = num_styles
        self.eps = eps
        self.clip = float(clip)
        self.weight = nn.Parameter(torch.ones(num_styles, num_features))  # γˢ
        self.bias = nn.Parameter(torch.zeros(num_styles, num_features))  # βˢ
        # ℓ of the leaky form (shared by the styles; zero: exactly CIN, so a trained CIN net starts unchanged)
        self.leak = nn.Parameter(torch.zeros(num_features)) if leak else None

    def style_weights(self, style, batch: int, device) -> torch.Tensor:
        if isinstance(style, int):
            # checked in Python: a tensor test would be a data-dependent branch that torch.export (the ONNX
            # path) and torch.compile cannot trace when the id is a constant
            if not 0 <= style < self.num_styles:
                raise StylelabError(f"style index out of range: [{style}] (this CIN has {self.num_styles} styles)")
            style = torch.full((batch,), style, dtype=torch.long, device=device)
            return nn.functional.one_hot(style, self.num_styles).float()
        style = torch.as_tensor(style, device=device)
        if style.dtype == torch.long:
            if style.dim() == 0:
                style = style.expand(batch)
            if ((style < 0) | (style >= self.num_styles)).any():
                raise StylelabError(f"style index out of range: {style.tolist()} (this CIN has {self.num_styles} styles)")
            return nn.functional.one_hot(style, self.num_styles).float()
        if style.shape != (batch, self.num_styles):
            raise StylelabError(f"style mixing weights must have shape ({batch}, {self.num_styles}), got {tuple(style.shape)}")
        return style.float()

    def forward(self, x: torch.Tensor, style) -> torch.Tensor:
        weights = self.style_weights(style, x.shape[0], x.device)
        gamma = (weights @ self.weight).view(x.shape[0], -1, 1, 1)
        beta = (weights @ self.bias).view(x.shape[0], -1, 1, 1)
        if self.leak is None and not self.clip:
            return gamma * instance_norm(x, self.eps) + beta
        mean, std = clipped_mean_std(x, self.clip, self.eps) if self.clip else mean_std(x, self.eps)
        y = gamma * (x - mean) / std + beta
        return y if self.leak is None else y + self.leak.view(1, -1, 1, 1) * (x - mean)

    def extra_repr(self) -> str:
        return f"{self.weight.shape[1]}, styles={self.num_styles}" + (f", clip={self.clip:g}" if self.clip else "")


class AdaIN(nn.Module):
    """Module form of :func:`adain` (no learned parameters: γ, β come from the style input)."""

    def __init__(self, eps: float = EPS):
        super().__init__()
        self.eps = eps

    def forward(self, content: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        return adain(content, style, self.eps)
