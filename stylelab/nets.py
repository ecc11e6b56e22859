"""Building blocks of the trained networks (Johnson, Ulyanov, CIN, AdaIN's decoder), built once.

Every block has ``forward(x, style=None)``: the style id (or mixing weights) threads through the
network to the conditional instance norms, which is why the nets are not ``nn.Sequential``
(Dumoulin et al.'s CIN needs the style at every normalisation layer). Blocks use reflection
padding, so borders carry no zero-padding seams, and upsample by nearest-neighbour interpolation
followed by a convolution instead of a transposed convolution, which leaves checkerboard artefacts
(Odena et al., 2016).

``norm`` chooses the normalisation of every block:

* ``"batch"``     BatchNorm2d: statistics over the batch (Johnson et al.'s original);
* ``"instance"``  instance norm with learned γ, β (Ulyanov et al. 2016);
* ``"conditional_instance"``  CIN(x; s) = γˢ (x − μ(x)) / σ(x) + βˢ with ``num_styles`` pairs;
* ``"none"``      no normalisation (AdaIN's decoder).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .errors import StylelabError
from .norms import ConditionalInstanceNorm, InstanceNorm

NORMS = ("batch", "instance", "conditional_instance", "none")


def pad_to_multiple(x: torch.Tensor, multiple: int) -> torch.Tensor:
    """``x`` padded by reflection at the bottom and right to height and width multiples of ``multiple`` (a net's
    strides need them; the caller crops the output back). Unconditional, so an ONNX export keeps any size."""
    h, w = x.shape[-2], x.shape[-1]
    pad_h, pad_w = (multiple - h % multiple) % multiple, (multiple - w % multiple) % multiple
    return F.pad(x, (0, pad_w, 0, pad_h), mode="reflect")


class Norm(nn.Module):
    """One normalisation layer of the chosen kind; ``forward(x, style)`` ignores ``style`` unless CIN."""

    def __init__(self, kind: str, channels: int, num_styles: int = 1, leak: bool = False, clip: float = 0.0):
        super().__init__()
        if kind not in NORMS:
            raise StylelabError(f"norm must be one of {', '.join(NORMS)}, not {kind!r}")
        if leak and kind != "conditional_instance":
            raise StylelabError(f"the leaky path (leak=True) belongs to norm='conditional_instance', not {kind!r}")
        if clip and kind != "conditional_instance":
            raise StylelabError(f"clipped statistics (clip={clip:g}) belong to norm='conditional_instance', "
                                f"not {kind!r}")
        self.kind = kind
        if kind == "batch":
            self.layer = nn.BatchNorm2d(channels)
        elif kind == "instance":
            self.layer = InstanceNorm(channels)
        elif kind == "conditional_instance":
            self.layer = ConditionalInstanceNorm(channels, num_styles, leak=leak, clip=clip)
        else:
            self.layer = nn.Identity()

    def forward(self, x: torch.Tensor, style=None) -> torch.Tensor:
        if self.kind == "conditional_instance":
            if style is None:
                raise StylelabError("a conditional-instance-norm network needs a style id (or mixing weights)")
            return self.layer(x, style)
        return self.layer(x)


class ConvBlock(nn.Module):
    """Reflection pad → conv (stride s) → norm → ReLU (``relu=False``: no norm, no ReLU: an output layer)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, *,
                 norm: str = "instance", num_styles: int = 1, relu: bool = True, upsample: int = 1,
                 leak: bool = False, clip: float = 0.0):
        super().__init__()
        self.upsample = upsample
        self.pad = nn.ReflectionPad2d(kernel_size // 2)
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride)
        self.norm = Norm(norm if relu else "none", out_channels, num_styles, leak and relu, clip if relu else 0.0)
        self.relu = relu

    def forward(self, x: torch.Tensor, style=None) -> torch.Tensor:
        if self.upsample > 1:
            x = F.interpolate(x, scale_factor=self.upsample, mode="nearest")
        x = self.norm(self.conv(self.pad(x)), style)
        return F.relu(x) if self.relu else x


class ResidualBlock(nn.Module):
    """x + norm(conv(relu(norm(conv(x))))): Johnson et al.'s residual block (no ReLU after the sum)."""

    def __init__(self, channels: int, *, norm: str = "instance", num_styles: int = 1, leak: bool = False,
                 clip: float = 0.0):
        super().__init__()
        self.first = ConvBlock(channels, channels, 3, norm=norm, num_styles=num_styles, leak=leak, clip=clip)
        self.pad = nn.ReflectionPad2d(1)
        self.conv = nn.Conv2d(channels, channels, 3)
        self.norm = Norm(norm, channels, num_styles, leak, clip)

    def forward(self, x: torch.Tensor, style=None) -> torch.Tensor:
        return x + self.norm(self.conv(self.pad(self.first(x, style))), style)


class StyledSequential(nn.ModuleList):
    """``nn.Sequential`` that hands the style to every block."""

    def forward(self, x: torch.Tensor, style=None) -> torch.Tensor:
        for block in self:
            x = block(x, style)
        return x


def check_image_batch(x: torch.Tensor, name: str = "input") -> None:
    if x.dim() != 4 or x.shape[1] != 3:
        raise StylelabError(f"{name} must be a batch of RGB images (N, 3, H, W), got shape {tuple(x.shape)}")


class TransformNet(nn.Module):
    """Johnson et al.'s image transformation network (supplementary, Table 1), 1.68 M parameters:

    c9s1-32, d64, d128, R128 ×5, u64, u32, c9s1-3; the output goes through a sigmoid into [0, 1].
    ("3 down-convs": the 9×9 stride-1 input conv and the two stride-2 convs; "2 up-convs".)
    """

    def __init__(self, norm: str = "instance", num_styles: int = 1, width: int = 32, residual_blocks: int = 5,
                 leak: bool = False, clip: float = 0.0):
        super().__init__()
        # leak, clip: CIN's leaky form and clipped statistics (norms.ConditionalInstanceNorm)
        kw = dict(norm=norm, num_styles=num_styles, leak=leak, clip=clip)
        self.norm_kind, self.num_styles = norm, num_styles
        self.body = StyledSequential([
            ConvBlock(3, width, 9, **kw),
            ConvBlock(width, 2 * width, 3, 2, **kw),
            ConvBlock(2 * width, 4 * width, 3, 2, **kw),
            *[ResidualBlock(4 * width, **kw) for _ in range(residual_blocks)],
            ConvBlock(4 * width, 2 * width, 3, upsample=2, **kw),
            ConvBlock(2 * width, width, 3, upsample=2, **kw),
            ConvBlock(width, 3, 9, relu=False),
        ])

    def forward(self, x: torch.Tensor, style=None) -> torch.Tensor:
        check_image_batch(x)
        if x.shape[-1] % 4 or x.shape[-2] % 4:
            raise StylelabError(f"the transform net halves the image twice: height and width must be multiples "
                                f"of 4, got {tuple(x.shape[-2:])}")
        return torch.sigmoid(self.body(x, style))


class TextureNet(nn.Module):
    """Ulyanov et al.'s multi-scale generator (ICML 2016, Fig. 2), for stylisation.

    At each of ``scales`` resolutions (full, 1/2, 1/4, …) the content image, downsampled, is joined
    with uniform noise and passed through a conv block (3×3, 3×3, 1×1, ``width`` channels). From the
    coarsest up, each result is upsampled ×2, normalised, concatenated with the next finer branch
    (normalised too), and mixed by another conv block, so the channel count grows by ``width`` per
    scale; a final 1×1 convolution maps to RGB.
    """

    def __init__(self, norm: str = "instance", num_styles: int = 1, scales: int = 5, width: int = 8,
                 noise_channels: int = 3):
        super().__init__()
        if scales < 1:
            raise StylelabError(f"the texture net needs at least one scale, got {scales}")
        kw = dict(norm=norm, num_styles=num_styles)
        self.norm_kind, self.num_styles = norm, num_styles
        self.scales, self.noise_channels = scales, noise_channels

        def branch(cin: int, cout: int) -> StyledSequential:
            return StyledSequential([ConvBlock(cin, cout, 3, **kw), ConvBlock(cout, cout, 3, **kw),
                                     ConvBlock(cout, cout, 1, **kw)])

        self.inputs = nn.ModuleList([branch(3 + noise_channels, width) for _ in range(scales)])
        self.join_coarse = nn.ModuleList([Norm(norm, width * (k + 1), num_styles) for k in range(scales - 1)])
        self.join_fine = nn.ModuleList([Norm(norm, width, num_styles) for _ in range(scales - 1)])
        self.mix = nn.ModuleList([branch(width * (k + 2), width * (k + 2)) for k in range(scales - 1)])
        self.output = nn.Conv2d(width * scales, 3, 1)

    def forward(self, x: torch.Tensor, style=None, *, generator: torch.Generator | None = None,
                noise: list[torch.Tensor] | None = None) -> torch.Tensor:
        """``noise``: one (N, noise_channels, H/2ᵏ, W/2ᵏ) tensor per scale k (an exported graph's input, so that
        onnxruntime and torch draw the same numbers); None: uniform noise drawn here (from ``generator``)."""
        check_image_batch(x)
        factor = 2 ** (self.scales - 1)
        if x.shape[-1] % factor or x.shape[-2] % factor:
            raise StylelabError(f"the texture net with {self.scales} scales needs height and width divisible by "
                                f"{factor}, got {tuple(x.shape[-2:])}")
        pyramid = [x] + [F.avg_pool2d(x, 2 ** k) for k in range(1, self.scales)]
        branches = []
        for k, (image, block) in enumerate(zip(pyramid, self.inputs)):
            if noise is None:
                drawn = torch.rand(image.shape[0], self.noise_channels, *image.shape[-2:], generator=generator,
                                   device="cpu" if generator is not None else image.device).to(image)
            else:
                drawn = noise[k]
            branches.append(block(torch.cat([image, drawn], 1), style))
        y = branches[-1]  # the coarsest
        for k, fine in enumerate(reversed(branches[:-1])):
            y = F.interpolate(y, scale_factor=2, mode="nearest")
            y = torch.cat([self.join_coarse[k](y, style), self.join_fine[k](fine, style)], 1)
            y = self.mix[k](y, style)
        return torch.sigmoid(self.output(y))


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
