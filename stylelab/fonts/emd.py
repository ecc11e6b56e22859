"""EMD (Zhang, Zhang & Cai, CVPR 2018): style encoder, content encoder, bilinear mixer, decoder.

    model = EMD(r=10, image_size=80, factor=512)           # the paper's sizes
    output = model(style_refs, content_refs)               # (B, r, H, W) each → (B, 1, H, W) in [0, 1]
    loss = weighted_l1_loss(output, target)                # W_st · W_b · |output − target|
    trained = train_emd(EMDConfig(steps=30_000), data)     # the paper's training recipe, typed config

* The r reference glyphs are stacked on the channel axis (not averaged): each encoder sees an
  r-channel image. Encoders: conv (no bias) → BatchNorm → LeakyReLU(0.2) blocks, a 5×5 stride-1
  block then 3×3 stride-2 blocks until the map is 1×1 (80 → 80, 40, 20, 10, 5, 3, 2, 1).
* Mixer: F_k = Σ_i Σ_j S_i C_j W_ijk, a K×K×K tensor with no bias and no nonlinearity (K = 512 in
  the paper: 134 M weights, most of the model).
* Decoder: 3×3 stride-2 transposed convs → BatchNorm → ReLU back up to the image size, each block's
  input concatenated with the content encoder's feature of the same size (skip connections from the
  content side only: the content fixes the glyph's layout), then a 5×5 transposed conv to one
  channel and a sigmoid.
* BatchNorm as TensorFlow's defaults, which the official code used: eps 1e-3, momentum 0.01 in
  PyTorch's convention (TF's decay 0.99).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import torch
from torch import nn

from .. import distributed
from ..errors import StylelabError
from ..training import History, train
from .data import FontData, Triplets, TripletDataset, epoch_indices, train_test_pairs


def encoder_sizes(image_size: int) -> list[int]:
    """Spatial size after each encoder block: ``image_size`` then halvings (rounded up) down to 1."""
    sizes = [image_size]
    while sizes[-1] > 1:
        sizes.append((sizes[-1] + 1) // 2)  # k3 s2 p1 conv: ceil(n / 2)
    return sizes


def encoder_channels(n_blocks: int, width: int, factor: int) -> list[int]:
    """width, 2·width, 4·width, then 8·width, the last block giving the factor size K.

    With the paper's width 64 and K = 512 this is 64, 128, 256, 512, 512, 512, 512, 512."""
    channels = [min(width * 2 ** k, width * 8) for k in range(n_blocks)]
    channels[-1] = factor
    return channels


def _norm(channels: int, eps: float, momentum: float) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=eps, momentum=momentum)


class Encoder(nn.Module):
    """r stacked reference glyphs → the list of block outputs (the last one is B×K×1×1)."""

    def __init__(self, r: int, image_size: int, width: int, factor: int, bn_eps: float, bn_momentum: float):
        super().__init__()
        sizes = encoder_sizes(image_size)
        channels = encoder_channels(len(sizes), width, factor)
        blocks, in_channels = [], r
        for k, out_channels in enumerate(channels):
            kernel, stride = (5, 1) if k == 0 else (3, 2)
            blocks.append(nn.Sequential(
                nn.Conv2d(in_channels, out_channels, kernel, stride, padding=kernel // 2, bias=False),
                _norm(out_channels, bn_eps, bn_momentum),
                nn.LeakyReLU(0.2),
            ))
            in_channels = out_channels
        self.blocks = nn.ModuleList(blocks)
        self.sizes, self.channels = sizes, channels

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        features = []
        for block in self.blocks:
            x = block(x)
            features.append(x)
        return features


class BilinearMixer(nn.Module):
    """F_k = Σ_i Σ_j S_i C_j W_ijk: the style and content factors interact only through W."""

    def __init__(self, factor: int):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(factor, factor, factor))
        nn.init.normal_(self.weight, 0.0, 0.02)  # the official code's initialiser

    def forward(self, style: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
        # (B, K) × (B, K) → (B, K); contract the style axis first: one (B, K) @ (K, K·K) matmul.
        k = self.weight.shape[0]
        style_weighted = (style @ self.weight.reshape(k, k * k)).reshape(-1, k, k)
        return torch.einsum("bj,bjk->bk", content, style_weighted)


class Decoder(nn.Module):
    """Mixer output (B, K, 1, 1) and the content features → the glyph (B, 1, H, W) in [0, 1]."""

    def __init__(self, sizes: list[int], channels: list[int], factor: int, bn_eps: float, bn_momentum: float):
        super().__init__()
        blocks, in_channels = [], factor
        # Block k goes from size sizes[-1-k] to sizes[-2-k]; its input is the previous output
        # concatenated with the content feature of size sizes[-1-k].
        for k in range(len(sizes) - 1):
            size_in, size_out = sizes[-1 - k], sizes[-2 - k]
            out_channels = channels[-2 - k]
            output_padding = size_out - (2 * size_in - 1)  # k3 s2 p1: out = 2·in − 1 + output_padding
            blocks.append(nn.Sequential(
                nn.ConvTranspose2d(in_channels + channels[-1 - k], out_channels, 3, 2, padding=1,
                                   output_padding=output_padding, bias=False),
                _norm(out_channels, bn_eps, bn_momentum),
                nn.ReLU(),
            ))
            in_channels = out_channels
        self.blocks = nn.ModuleList(blocks)
        # Last layer: ⊕ the content encoder's first (full-size) feature, 5×5 stride 1, no BatchNorm.
        self.to_glyph = nn.ConvTranspose2d(in_channels + channels[0], 1, 5, 1, padding=2)

    def forward(self, mixed: torch.Tensor, content_features: list[torch.Tensor]) -> torch.Tensor:
        x = mixed
        for k, block in enumerate(self.blocks):
            x = block(torch.cat([x, content_features[-1 - k]], dim=1))
        return torch.sigmoid(self.to_glyph(torch.cat([x, content_features[0]], dim=1)))


class EMD(nn.Module):
    """Encoder–Mixer–Decoder. ``factor`` is K, the style/content factor size (512 in the paper);
    ``width`` the first encoder block's channels (64 in the paper)."""

    def __init__(self, r: int = 10, image_size: int = 80, *, factor: int = 512, width: int = 64,
                 bn_eps: float = 1e-3, bn_momentum: float = 0.01):
        super().__init__()
        if r < 1:
            raise StylelabError(f"r = {r}: EMD needs at least one style and one content reference")
        if image_size < 8:
            raise StylelabError(f"image_size {image_size} is too small; use at least 8 pixels")
        if factor < 1 or width < 1:
            raise StylelabError(f"factor ({factor}) and width ({width}) must be positive")
        self.r, self.image_size, self.factor, self.width = r, image_size, factor, width
        self.style_encoder = Encoder(r, image_size, width, factor, bn_eps, bn_momentum)
        self.content_encoder = Encoder(r, image_size, width, factor, bn_eps, bn_momentum)
        self.mixer = BilinearMixer(factor)
        self.decoder = Decoder(self.content_encoder.sizes, self.content_encoder.channels, factor, bn_eps,
                               bn_momentum)

    def factors(self, style_refs: torch.Tensor, content_refs: torch.Tensor):
        """Style factor S (B, K), content factor C (B, K) and the content features for the skips."""
        self._check(style_refs, "style_refs")
        self._check(content_refs, "content_refs")
        style = self.style_encoder(style_refs)[-1].flatten(1)
        content_features = self.content_encoder(content_refs)
        return style, content_features[-1].flatten(1), content_features

    def forward(self, style_refs: torch.Tensor, content_refs: torch.Tensor) -> torch.Tensor:
        style, content, content_features = self.factors(style_refs, content_refs)
        mixed = self.mixer(style, content)[:, :, None, None]
        return self.decoder(mixed, content_features)

    def _check(self, refs: torch.Tensor, name: str) -> None:
        expected = (self.r, self.image_size, self.image_size)
        if refs.dim() != 4 or tuple(refs.shape[1:]) != expected:
            raise StylelabError(f"{name} must have shape (batch, r={self.r}, {self.image_size}, {self.image_size}), "
                                f"got {tuple(refs.shape)}")


def architecture_rows(model: EMD) -> list[dict]:
    """One row per block: part, layer, output shape (C×H×W) and parameters, for a table."""
    rows = []
    enc = model.content_encoder
    for name, encoder in (("style encoder", model.style_encoder), ("content encoder", enc)):
        for k, (block, size, channels) in enumerate(zip(encoder.blocks, encoder.sizes, encoder.channels)):
            conv = block[0]
            rows.append({"part": name, "layer": f"conv{k + 1} {conv.kernel_size[0]}×{conv.kernel_size[0]} "
                                                f"s{conv.stride[0]} + BN + LReLU",
                         "output": f"{channels}×{size}×{size}", "parameters": _count(block)})
    k_ = model.factor
    rows.append({"part": "mixer", "layer": "bilinear F_k = Σ S_i C_j W_ijk", "output": f"{k_}×1×1",
                 "parameters": _count(model.mixer)})
    sizes, channels = enc.sizes, enc.channels
    for k, block in enumerate(model.decoder.blocks):
        size, ch = sizes[-2 - k], channels[-2 - k]
        rows.append({"part": "decoder", "layer": f"deconv{k + 1} 3×3 s2 + BN + ReLU (⊕ content {sizes[-1 - k]}²)",
                     "output": f"{ch}×{size}×{size}", "parameters": _count(block)})
    rows.append({"part": "decoder", "layer": f"deconv 5×5 s1 + sigmoid (⊕ content {sizes[0]}²)",
                 "output": f"1×{sizes[0]}×{sizes[0]}", "parameters": _count(model.decoder.to_glyph)})
    return rows


def _count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


# ----------------------------------------------------------------------------------------------
# The loss
# ----------------------------------------------------------------------------------------------

def emd_loss_weights(target: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """Per-target weight W_st · W_b (B,), from the targets only.

    W_st = 1 / N_b with N_b the target's black pixels (+1, as the official code, so a blank target
    cannot divide by zero): every glyph counts the same whatever its ink area.
    W_b = softmax over the minibatch of mean_b, the mean value of the target's black pixels (the
    deck's softmax runs over the whole training set; the code, and we, over the minibatch), times the
    batch size so that equal means give weight 1: darker (bolder, crisper) glyphs count a little less.
    """
    flat = target.reshape(target.shape[0], -1)
    black = flat < threshold
    n_black = black.sum(1).to(flat.dtype) + 1.0
    mean_black = (flat * black).sum(1) / n_black
    w_st = 1.0 / n_black
    w_b = torch.softmax(mean_black, dim=0) * flat.shape[0]
    return w_st * w_b


def weighted_l1_loss(output: torch.Tensor, target: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
    """mean over the batch of W_st · W_b · Σ_pixels |output − target| (the paper's training loss).
    ``weights``: W_st · W_b given (one process's rows of the global batch's weights, under DDP)."""
    weights = (emd_loss_weights(target) if weights is None else weights).detach()
    per_image = (output - target).abs().reshape(output.shape[0], -1).sum(1)
    return (per_image * weights).mean()


def plain_l1_loss(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean absolute error per pixel: the unweighted ablation."""
    return (output - target).abs().mean()


LOSSES = {"weighted_l1": weighted_l1_loss, "l1": plain_l1_loss}


# ----------------------------------------------------------------------------------------------
# The training recipe (Adam 2e-4, batches of D1 targets, references re-drawn every step)
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EMDConfig:
    """Everything that defines one EMD model and its training run (defaults: the paper's).

    ``steps`` Adam steps of ``batch_size`` D1 targets; ``nt`` caps the training targets (None: every
    D1 pair not held out); ``test_per_split`` D1 targets are held out of training for testing.
    ``checkpoint_dir`` (None: no checkpoints) holds a checkpoint every ``checkpoint_every`` steps,
    keyed by the config and the data, that a second call with the same config resumes from."""

    r: int = 10
    image_size: int = 80
    factor: int = 512
    width: int = 64
    bn_eps: float = 1e-3
    bn_momentum: float = 0.01
    lr: float = 2e-4
    batch_size: int = 50
    steps: int = 30_000
    loss: str = "weighted_l1"
    nt: int | None = None
    test_per_split: int = 64
    seed: int = 0
    checkpoint_dir: Path | None = field(default=None, compare=False)
    checkpoint_every: int = 1000

    def __post_init__(self):
        if self.loss not in LOSSES:
            raise StylelabError(f"unknown loss {self.loss!r}; choose one of {', '.join(LOSSES)}")
        for name in ("r", "image_size", "factor", "width", "batch_size", "steps", "checkpoint_every"):
            if int(getattr(self, name)) < 1:
                raise StylelabError(f"EMDConfig.{name} must be a positive integer, got {getattr(self, name)!r}")

    def replace(self, **changes) -> EMDConfig:
        return replace(self, **changes)


@dataclass
class TrainedEMD:
    """A trained EMD, its loss history, the config it was trained with and its real Nt."""

    model: EMD
    history: History
    config: EMDConfig
    nt: int
    label: str = "emd"

    @property
    def r(self) -> int:
        return self.config.r

    @property
    def steps(self) -> int:
        return self.config.steps

    def predict(self, triplets: Triplets, batch_size: int = 250) -> torch.Tensor:
        return predict(self.model, triplets, batch_size)


def build(config: EMDConfig, device: torch.device | str = "cpu") -> EMD:
    """A fresh EMD for ``config``, initialised from ``config.seed``."""
    torch.manual_seed(config.seed)
    return EMD(config.r, config.image_size, factor=config.factor, width=config.width, bn_eps=config.bn_eps,
               bn_momentum=config.bn_momentum).to(device)


@torch.no_grad()
def predict(model: EMD, triplets: Triplets, batch_size: int = 250) -> torch.Tensor:
    """EMD outputs (N, 1, H, W) in eval mode (BatchNorm with its running statistics)."""
    model.eval()
    device = next(model.parameters()).device
    outputs = [model(part.style_refs.to(device), part.content_refs.to(device))
               for part in (triplets.slice(k, k + batch_size) for k in range(0, len(triplets), batch_size))]
    return torch.cat(outputs)


def train_emd(config: EMDConfig, data: FontData, *, label: str = "emd", progress: bool = True) -> TrainedEMD:
    """Train EMD on D1 targets (minus the held-out D1 test targets) on the glyphs' device.

    Batches cover every training target once per epoch; each step draws the targets' r style and r
    content references afresh. Runs through ``training.train``: progress bar, NaN guard and, with a
    ``checkpoint_dir``, checkpoints that a second call resumes from."""
    train_pairs, _ = train_test_pairs(data, n_train=config.nt, n_test=config.test_per_split, seed=config.seed)
    dataset = TripletDataset(data, train_pairs, config.r, seed=config.seed)
    device = data.table.images.device
    model = build(config, device)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr, betas=(0.9, 0.999))
    loss_fn = LOSSES[config.loss]
    batch_size = min(config.batch_size, len(dataset))
    # Under torchrun each rank trains on its rows of the global batch through DDP (stylelab.distributed); the
    # loss's W_b softmax is taken over the global batch, but on the CPU each rank's BatchNorm normalises
    # with its own rows' statistics (SyncBatchNorm on CUDA), so N CPU processes are not one.
    group = distributed.group()
    rows = group.rows(batch_size)
    net = distributed.wrap(model, device)

    def step(i: int) -> dict[str, float]:
        indices = epoch_indices(i, batch_size, len(dataset), config.seed)
        batch = dataset.batch(indices, torch.Generator().manual_seed(config.seed * 7919 + i))
        if group.distributed:  # the glyph batch is cheap to draw whole (its references share one generator)
            weights = emd_loss_weights(batch.target)[rows] if config.loss == "weighted_l1" else None
            batch = batch.slice(rows.start, rows.stop)
            output = net(batch.style_refs, batch.content_refs)
            value = loss_fn(output, batch.target) if weights is None else weighted_l1_loss(output, batch.target, weights)
        else:
            value = loss_fn(net(batch.style_refs, batch.content_refs), batch.target)
        optimiser.zero_grad(set_to_none=True)
        value.backward()
        optimiser.step()
        return {"loss": value.item()}

    key = {"script": data.script, "styles": data.table.style_names, "chars": data.table.chars,
           "nt": len(dataset), **{k: v for k, v in asdict(config).items() if k not in ("checkpoint_dir", "steps",
                                                                                    "checkpoint_every")}}
    checkpoint = None
    if config.checkpoint_dir is not None:
        digest = hashlib.sha1(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:10]
        checkpoint = Path(config.checkpoint_dir) / f"{label}-{digest}.pt"
    model.train()
    history = train(step, config.steps, stateful={"model": model, "optimiser": optimiser}, checkpoint=checkpoint,
                    checkpoint_every=config.checkpoint_every, description=f"{label} (r={config.r}, Nt={len(dataset)})",
                    progress=progress, extra={"settings": key})
    model.eval()
    return TrainedEMD(model, history, config, len(dataset), label)
