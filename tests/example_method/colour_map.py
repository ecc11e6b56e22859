"""An example method, to show what adding one takes: this file dropped into ``stylelab/methods/`` is all
(the tests put it there for a while). A learned colour map: one 1×1 convolution, c ↦ A c + b per pixel,
trained on photos so that its outputs take one style's per-channel mean and standard deviation (the mean/std
style loss of AdaIN, on pixels instead of VGG features). It stylises, trains and is timed like the others.

    python -m stylelab train --method colour_map --style style/sketch --steps 200 --out palette.pt
    python -m stylelab stylize --method colour_map --weights palette.pt --content photos/ --out out/
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from stylelab import fastpath, images, timing
from stylelab.datasets import RandomCropDataset, training_photos
from stylelab.errors import StylelabError
from stylelab.losses import mean_std_style_loss
from stylelab.methods.base import Method, NoOptions, Speed
from stylelab.registry import resolve
from stylelab.training import check_run_settings, train
from stylelab.weights import config_from_dict, load_state, read_model, save_model


@dataclass(frozen=True)
class ColourMapConfig:
    styles: tuple[str, ...] = ("style/la_muse",)
    image_size: int = 64
    batch_size: int = 4
    lr: float = 0.05
    steps: int = 200
    photos: tuple[str, ...] | None = None
    max_side: int = 256
    seed: int = 0

    def validate(self) -> None:
        if len(self.styles) != 1:
            raise StylelabError(f"a colour map learns one style, got {len(self.styles)}")
        check_run_settings(lr=self.lr, image_size=self.image_size, max_side=self.max_side,
                           counts={"batch_size": self.batch_size, "steps": self.steps}, weights={})


@dataclass
class Trained:
    net: nn.Module
    config: ColourMapConfig
    history: dict = field(default_factory=dict)


def _net() -> nn.Module:
    net = nn.Conv2d(3, 3, 1)
    with torch.no_grad():  # start at the identity map
        net.weight.copy_(torch.eye(3).view(3, 3, 1, 1))
        net.bias.zero_()
    return net


def _time_row(size: int, ctx: timing.BenchContext) -> timing.SpeedRow:
    network = fastpath.Network("colour_map", _net().eval().to(ctx.device), timing.content_input(ctx),
                               lambda m, x: m(x).clamp(0, 1), trained=False, weights="identity map")
    return timing.feedforward_row(size, ctx, network)


class ColourMap(Method):
    name = "colour_map"
    summary = "a learned 1×1 colour map that gives photos one style's palette (an example method)"
    paper = "example"
    Options = NoOptions
    style_source = "net"
    weights_help = "a model file written by python -m stylelab train --method colour_map"
    train_config = ColourMapConfig
    speed = Speed(None, "feed-forward", "1", "one 1×1 convolution: one forward pass", _time_row)

    @classmethod
    def load(cls, weights=None, options=None, *, device="cpu", encoder="auto") -> "ColourMap":
        if weights is None:
            raise StylelabError(f"--method {cls.name} needs --weights: {cls.weights_help}")
        self = cls(options, device=device)
        self.trained = cls.load_trained(resolve(weights, "model"), device=device)
        return self

    def net_styles(self) -> list[str]:
        return list(self.trained.config.styles)

    def stylize(self, content, styles=(0,), **controls):
        with torch.no_grad():
            return self.trained.net(content).clamp(0, 1)

    @classmethod
    def load_trained(cls, path, *, device="cpu", encoder=None) -> Trained:
        state, config, _ = read_model(path, kind=cls.name)
        return Trained(load_state(_net(), state, path).to(device), config_from_dict(ColourMapConfig, config, cls.name))

    @classmethod
    def train(cls, config, encoder, *, checkpoint=None, checkpoint_every=200, progress=True, init_from=None):
        config.validate()
        torch.manual_seed(config.seed)
        net = cls.load_trained(init_from).net if init_from else _net()
        photos = RandomCropDataset(training_photos(config.photos), config.image_size, max_side=config.max_side,
                                   seed=config.seed)
        style = images.load_image(resolve(config.styles[0], "asset"), short_side=config.image_size)
        optimizer = torch.optim.Adam(net.parameters(), lr=config.lr)

        def step(i: int) -> dict:
            started = time.perf_counter()
            batch = photos.batch(i, config.batch_size)
            optimizer.zero_grad(set_to_none=True)
            loss = mean_std_style_loss({"rgb": net(batch)}, {"rgb": style})
            loss.backward()
            optimizer.step()
            return {"total": loss, "step_s": time.perf_counter() - started}

        history = train(step, config.steps, stateful={"net": net, "optimizer": optimizer}, checkpoint=checkpoint,
                        checkpoint_every=checkpoint_every, progress=progress, description=cls.name)
        return Trained(net.eval(), config, history)

    @classmethod
    def save(cls, path, trained, recipe):
        return save_model(path, trained.net, kind=cls.name, config=asdict(trained.config), recipe=recipe, half=False)
