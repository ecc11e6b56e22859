"""The pix2pix baseline (Isola et al., 2017) for glyphs: one model per target style.

A U-Net maps a glyph in a fixed *source* font to the same character in *one* target font; a
PatchGAN discriminator judges (source, glyph) pairs. The loss is pix2pix's: adversarial + λ·L1
with λ = 100. What the deck's Table 1 says about it shows here: the mapping is learnt for one
target style from paired glyphs of that style, so a new style needs a new model and enough
glyphs to train it; given only the r reference glyphs EMD gets, it has little to learn from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .. import distributed
from ..errors import StylelabError
from ..training import History, train
from .emd import encoder_sizes


class UNetGenerator(nn.Module):
    """Source glyph (B, 1, H, W) → target-style glyph (B, 1, H, W) in [0, 1].

    Down: 3×3 stride-2 conv → BatchNorm → LeakyReLU(0.2) to 1×1 (the first without BatchNorm, as in
    pix2pix); up: 3×3 stride-2 transposed conv → BatchNorm → ReLU with the mirrored down feature
    concatenated, dropout 0.5 in the three innermost up blocks; sigmoid output on [0, 1]. Stride-2
    3×3 kernels (instead of pix2pix's 4×4) give the same size ladder as EMD for any image size.
    """

    def __init__(self, image_size: int = 80, width: int = 64):
        super().__init__()
        sizes = encoder_sizes(image_size)[1:]  # after each stride-2 block: 40, 20, …, 1 for 80
        channels = [min(width * 2 ** k, width * 8) for k in range(len(sizes))]
        self.down = nn.ModuleList()
        in_channels = 1
        for k, out_channels in enumerate(channels):
            layers = [nn.Conv2d(in_channels, out_channels, 3, 2, padding=1, bias=k == 0)]
            if k > 0:
                layers.append(nn.BatchNorm2d(out_channels))
            layers.append(nn.LeakyReLU(0.2))
            self.down.append(nn.Sequential(*layers))
            in_channels = out_channels
        all_sizes = [image_size, *sizes]
        self.up = nn.ModuleList()
        for k in range(len(sizes)):  # from sizes[-1] (1×1) back up to image_size
            size_in, size_out = all_sizes[-1 - k], all_sizes[-2 - k]
            skip = 0 if k == 0 else channels[-1 - k]
            last = k == len(sizes) - 1
            out_channels = 1 if last else channels[-2 - k]
            deconv = nn.ConvTranspose2d(in_channels + skip, out_channels, 3, 2, padding=1,
                                        output_padding=size_out - (2 * size_in - 1), bias=last)
            layers = [deconv] if last else [deconv, nn.BatchNorm2d(out_channels), nn.ReLU()]
            if not last and k < 3:
                layers.append(nn.Dropout(0.5))
            self.up.append(nn.Sequential(*layers))
            in_channels = out_channels

    def forward(self, source: torch.Tensor) -> torch.Tensor:
        features, x = [], source
        for block in self.down:
            x = block(x)
            features.append(x)
        for k, block in enumerate(self.up):
            x = block(x if k == 0 else torch.cat([x, features[-1 - k]], dim=1))
        return torch.sigmoid(x)


class PatchDiscriminator(nn.Module):
    """pix2pix's PatchGAN: (source, glyph) pair → a map of real/fake logits, one per patch.

    Three layers after the first (pix2pix's 70×70 receptive field) where the image is large enough;
    fewer for tiny glyphs, so the patch map keeps at least one cell."""

    def __init__(self, width: int = 64, n_layers: int = 3, image_size: int | None = None):
        super().__init__()
        if image_size is not None:
            # After the stride-2 layers the map is image_size / 2^n_layers; two 4×4 stride-1 convs take 2 off.
            while n_layers > 1 and image_size // 2 ** n_layers - 2 < 1:
                n_layers -= 1
        layers, in_channels = [nn.Conv2d(2, width, 4, 2, 1), nn.LeakyReLU(0.2)], width
        for k in range(1, n_layers + 1):
            out_channels = width * min(2 ** k, 8)
            stride = 2 if k < n_layers else 1
            layers += [nn.Conv2d(in_channels, out_channels, 4, stride, 1, bias=False), nn.BatchNorm2d(out_channels),
                       nn.LeakyReLU(0.2)]
            in_channels = out_channels
        layers.append(nn.Conv2d(in_channels, 1, 4, 1, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, source: torch.Tensor, glyph: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([source, glyph], dim=1))


@dataclass
class Pix2PixConfig:
    steps: int = 2000
    batch_size: int = 16
    width: int = 64
    lr: float = 2e-4
    l1_weight: float = 100.0  # pix2pix's λ


def train_pix2pix(source: torch.Tensor, target: torch.Tensor, config: Pix2PixConfig | None = None, *,
                  seed: int = 0, checkpoint: str | os.PathLike | None = None, checkpoint_every: int = 500,
                  description: str = "pix2pix", progress: bool = True) -> tuple[UNetGenerator, History]:
    """Train one generator on paired glyphs ``source[k] → target[k]`` (N, 1, H, W) on their device."""
    config = config or Pix2PixConfig()
    if source.shape != target.shape or source.dim() != 4 or source.shape[1] != 1:
        raise StylelabError(f"pix2pix needs paired (N, 1, H, W) glyphs, got {tuple(source.shape)} and "
                            f"{tuple(target.shape)}")
    if len(source) < 1:
        raise StylelabError("pix2pix needs at least one training pair")
    torch.manual_seed(seed)
    device = source.device
    generator = UNetGenerator(source.shape[-1], config.width).to(device)
    discriminator = PatchDiscriminator(config.width, image_size=source.shape[-1]).to(device)
    opt_g = torch.optim.Adam(generator.parameters(), config.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), config.lr, betas=(0.5, 0.999))
    n = len(source)
    # Under torchrun each rank trains on its rows of the global batch through DDP (stylelab.distributed); on
    # the CPU each rank's BatchNorm normalises with its own rows (SyncBatchNorm on CUDA).
    share = distributed.group().rows(config.batch_size)
    gen, disc = distributed.wrap(generator, device), distributed.wrap(discriminator, device)

    def step(i: int) -> dict[str, float]:
        rows = torch.randint(n, (config.batch_size,), generator=torch.Generator().manual_seed(seed * 1_000_003 + i))
        rows = rows[share]
        src, real = source[rows.to(device)], target[rows.to(device)]
        fake = gen(src)
        # Discriminator: real pairs → 1, generated pairs → 0.
        real_logits, fake_logits = disc(src, real), disc(src, fake.detach())
        loss_d = 0.5 * (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                        + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        # Generator: fool the discriminator and stay close to the target in L1.
        fooled = disc(src, fake)
        loss_gan = F.binary_cross_entropy_with_logits(fooled, torch.ones_like(fooled))
        loss_l1 = (fake - real).abs().mean()
        loss_g = loss_gan + config.l1_weight * loss_l1
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        return {"l1": loss_l1.item(), "gan": loss_gan.item(), "d": loss_d.item()}

    generator.train()
    discriminator.train()
    history = train(step, config.steps, stateful={"generator": generator, "discriminator": discriminator,
                                                 "opt_g": opt_g, "opt_d": opt_d},
                    checkpoint=checkpoint, checkpoint_every=checkpoint_every, description=description,
                    progress=progress, extra={"config": vars(config)})
    generator.eval()
    return generator, history


@torch.no_grad()
def translate(generator: UNetGenerator, source: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """Apply a trained generator (eval mode) to source glyphs (N, 1, H, W)."""
    generator.eval()
    return torch.cat([generator(source[k:k + batch_size]) for k in range(0, len(source), batch_size)])
