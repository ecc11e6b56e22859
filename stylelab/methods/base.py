"""The one method interface and the one registry behind ``stylize``, ``train`` and ``bench``.

A method of the talk is one module under :mod:`stylelab.methods` that defines a :class:`Method` subclass
with a ``name``. The registry finds it by importing every module of the package, so adding a method is
one new file (plus its tests): ``python -m stylelab stylize --list``, ``train --list`` and ``bench
--list`` then show it, and their options come from its dataclasses. A method declares

* ``name`` and ``aliases`` (the paper's names: ``dumoulin`` → ``cin``, ``chen_schmidt`` → ``style_swap``);
* ``Options``: a frozen dataclass of its stylising controls (``alpha``, ``iterations``, ...), read by
  :meth:`Method.load`, which also loads what the method needs (our model files, published weights);
* ``stylize(content, styles, **controls) -> Tensor`` in [0, 1], the same argument order everywhere:
  ``styles`` are style images (1, 3, h, w), or, for a net trained on fixed styles, its style ids;
* ``train_config``: the frozen dataclass of its training run, if it trains (``train_fixed`` names the
  fields the method sets itself, e.g. CIN's norm), and :meth:`train` / :meth:`save`;
* ``speed``: what the speed table times for it (:class:`Speed`), if it is timed.
* :meth:`Method.onnx_graph`: its network as an ONNX graph (:class:`OnnxGraph`), if it exports
  (``python -m stylelab export``, :mod:`stylelab.export`).

Nothing outside this registry branches on a method's name.

    from stylelab.methods import base
    method = base.get("adain").load(device="cpu")            # the committed decoder
    out = method.stylize(content, [style], alpha=0.8)
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import torch

from ..encoders import build_encoder
from ..errors import StylelabError

#: how ``--style`` is read: "images" (files, folders, asset names) or "net" (names of a trained net's styles)
STYLE_SOURCES = ("images", "net")


@dataclass(frozen=True)
class NoOptions:
    """A method without stylising controls."""


@dataclass(frozen=True)
class Speed:
    """How the speed table (the AdaIN paper's Table 1) times a method.

    ``paper_row``: the key of its row in :data:`stylelab.bench.paper.PAPER_SPEED` (None: not in the paper's
    table); ``kind``: "feed-forward" (one forward pass, timed along the fast paths) or "optimisation";
    ``styles``: styles one of our models paints ("∞": any); ``what``: one line on what is timed;
    ``time``: ``time(size, ctx) -> SpeedRow`` (:mod:`stylelab.timing`)."""

    paper_row: str | None
    kind: str
    styles: str
    what: str
    time: Callable[..., Any]


@dataclass(frozen=True)
class OnnxGraph:
    """What :meth:`Method.onnx_graph` returns: a loaded method's network as :mod:`stylelab.export` exports it.

    ``module``: ``forward(*inputs)`` → the stylised image (1, 3, H, W) in [0, 1], padding and cropping inside,
    so any image size runs; ``inputs``: name → an example input, in ``forward``'s order (batch 1);
    ``dynamic``: name → {axis: dimension name} of the axes left free (image heights and widths);
    ``feeds(content, styles, **controls)``: the inputs of one :meth:`Method.stylize` call, in order (a one-line
    error for a control the graph does not take); ``describe``: input name → what to feed it (written into the
    file's metadata, for a caller outside Python); ``min_side``: the smallest image side the graph takes;
    ``metadata``: more name → text pairs for the file (e.g. a net's style names)."""

    module: torch.nn.Module
    inputs: dict[str, torch.Tensor]
    dynamic: dict[str, dict[int, str]]
    feeds: Callable[..., tuple]
    describe: dict[str, str] = dataclasses.field(default_factory=dict)
    min_side: int = 16
    output: str = "image"
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class StyleChoice:
    """One style a stylising job uses: an image file (``path``) or a trained net's style (``index``)."""

    label: str
    path: Path | None = None
    index: int | None = None


class Method:
    """The interface every method implements (see the module doc); subclasses set the class attributes."""

    name: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    summary: ClassVar[str] = ""  # one line for --list
    paper: ClassVar[str] = ""  # the paper, short
    Options: ClassVar[type] = NoOptions
    style_source: ClassVar[str] = "images"
    weights_help: ClassVar[str | None] = None  # what --weights takes; None: the method loads no weights
    uses_encoder: ClassVar[bool] = False  # whether --encoder applies (optimisation methods)
    train_config: ClassVar[type | None] = None
    train_fixed: ClassVar[dict[str, Any]] = {}
    train_hidden: ClassVar[tuple[str, ...]] = ()  # config fields set from elsewhere (the encoder built)
    speed: ClassVar[Speed | None] = None

    def __init__(self, options=None, *, device: torch.device | str = "cpu"):
        self.options = options if options is not None else self.Options()
        self.device = torch.device(device)

    # --- stylising -------------------------------------------------------------------------------

    @classmethod
    def load(cls, weights: str | None = None, options=None, *, device="cpu", encoder: str = "auto") -> "Method":
        """The method ready to stylise: ``weights`` (a registered name or a file; None: the method's default)."""
        if weights is not None and cls.weights_help is None:
            raise StylelabError(f"--weights does not apply to --method {cls.name}: it loads no weights")
        return cls(options, device=device)

    def stylize(self, content: torch.Tensor, styles: Sequence, **controls) -> torch.Tensor:
        """``content`` (1, 3, H, W) in [0, 1] in the given styles: (1, 3, H, W) in [0, 1]."""
        raise NotImplementedError

    def controls(self) -> dict[str, Any]:
        """The keyword controls of :meth:`stylize` that ``Options`` set (the CLI passes them on)."""
        return {}

    def net_styles(self) -> list[str]:
        """The styles a net trained on fixed styles paints (``style_source == "net"``)."""
        return []

    def combined(self) -> str | None:
        """A name for the output when all styles go into one image (interpolation, mask), else None."""
        return None

    def check_styles(self, count: int) -> None:
        """A one-line error when ``count`` style images do not suit the controls (two for a mask, ...)."""

    def describe(self) -> str:
        """Its weights, one line (for output names and progress bars)."""
        return self.name

    def onnx_graph(self) -> OnnxGraph:
        """The loaded network as an ONNX graph (:class:`OnnxGraph`); a method that does not export keeps this."""
        raise StylelabError(f"--method {self.name} does not export to ONNX (exportable: {', '.join(exportable())})")

    # --- training --------------------------------------------------------------------------------

    @classmethod
    def default_config(cls):
        """The training config with the method's fixed fields set (CLI defaults come from here)."""
        if cls.train_config is None:
            raise StylelabError(f"--method {cls.name} does not train; trainable: {', '.join(trainable())}")
        return cls.train_config(**cls.train_fixed)

    @classmethod
    def train(cls, config, encoder, *, checkpoint=None, checkpoint_every: int = 200, progress: bool = True,
              init_from: Path | None = None):
        """Train with ``config`` against the frozen ``encoder``; resumable from ``checkpoint``. Returns what
        :meth:`save` writes. ``init_from``: a model file of this method to start from (fine-tuning).

        A method that scales out also takes ``workers`` (DataLoader processes) and ``amp`` ("bf16" on CUDA) and
        runs under torchrun through :mod:`stylelab.distributed`; ``train --workers/--amp`` is a one-line error for
        a method whose ``train`` does not name them."""
        raise StylelabError(f"--method {cls.name} does not train")

    @classmethod
    def save(cls, path: Path, trained, recipe: dict) -> Path:
        raise NotImplementedError

    @classmethod
    def train_options_excluded(cls) -> tuple[str, ...]:
        """Config fields that are not command-line flags for this method (fixed or set from elsewhere)."""
        return tuple(cls.train_fixed) + cls.train_hidden

    @classmethod
    def describe_trained(cls, trained) -> str:
        """One line for the weights registry's description column."""
        styles = getattr(trained.config, "styles", None) or ()
        return f"{cls.name} on {', '.join(styles)}"

    @classmethod
    def train_encoder_layer(cls) -> str | None:
        """The deepest encoder layer training needs (None: all of the encoder)."""
        return None


class OptimisationMethod(Method):
    """A method that optimises an image against a frozen encoder (Gatys, style swap): ``--encoder`` applies,
    one style image per output, and its ``Options`` are fields of its run config ``config_class``, whose other
    fields keep their defaults; ``stylize``'s controls override any config field."""

    uses_encoder = True
    config_class: ClassVar[type]

    @classmethod
    def config_from_options(cls, options):
        return dataclasses.replace(cls.config_class(), **dataclasses.asdict(options))

    @classmethod
    def load(cls, weights=None, options=None, *, device="cpu", encoder="auto") -> "OptimisationMethod":
        self = super().load(weights, options, device=device)
        self.encoder = build_encoder(encoder, device=device)
        self.config = cls.config_from_options(self.options)
        self.config.validate(self.encoder)
        return self

    def check_styles(self, count: int) -> None:
        if count != 1:
            raise StylelabError(f"{self.name} takes one style image per output, got {count}")

    def stylize(self, content: torch.Tensor, styles: Sequence, **controls) -> torch.Tensor:
        self.check_styles(len(styles))
        return self.optimise(content, styles[0], dataclasses.replace(self.config, **controls))

    def optimise(self, content: torch.Tensor, style: torch.Tensor, config) -> torch.Tensor:
        """The method's run on one pair with ``config``: the result image in [0, 1]."""
        raise NotImplementedError


# --- options built from dataclasses ------------------------------------------------------------

def flag(field_name: str) -> str:
    """``style_weight`` → ``--style-weight``; a config's ``styles`` is the repeatable ``--style``."""
    return "--style" if field_name == "styles" else "--" + field_name.replace("_", "-")


def _unwrap(hint) -> tuple[Any, bool]:
    """(the type inside ``X | None``, whether None is allowed)."""
    args = typing.get_args(hint)
    if type(None) in args:
        inner = [a for a in args if a is not type(None)]
        return inner[0], True
    return hint, False


def option_fields(dataclass_type: type, fixed: Sequence[str] = ()) -> dict[str, tuple[dataclasses.Field, Any]]:
    """{field name: (field, type hint)} of the fields a user may set on the command line."""
    hints = typing.get_type_hints(dataclass_type)
    return {f.name: (f, hints[f.name]) for f in dataclasses.fields(dataclass_type)
            if f.name not in fixed and not f.metadata.get("internal")}


def nargs_of(field: dataclasses.Field, hint) -> str | None:
    """How many command-line values a field takes: a tuple several ("+"); a switch (bool, or a field with a
    ``const`` for the bare flag) none or one ("?"); else one."""
    inner, optional = _unwrap(hint)
    if typing.get_origin(inner) is tuple:
        return "+"
    if inner is bool or "const" in field.metadata:
        return "?"
    return None


def convert(field: dataclasses.Field, raw, hint):
    """A command-line value (a string, a list of strings, or None for a bare flag) as the field's type."""
    name = field.name
    inner, optional = _unwrap(hint)
    if raw is None:  # the bare flag
        return field.metadata.get("const", True if inner is bool else None)
    choices = field.metadata.get("choices")
    if choices and raw not in choices:
        raise StylelabError(f"{flag(name)} takes one of {', '.join(choices)}, got {raw!r}")
    if typing.get_origin(inner) is tuple:
        args = typing.get_args(inner)
        element = args[0]
        if len(args) != 2 or args[1] is not Ellipsis:
            if len(raw) != len(args):
                raise StylelabError(f"{flag(name)} takes {len(args)} values, got {len(raw)}")
        return tuple(convert(field, value, element) for value in raw)
    if isinstance(raw, list):
        raw = raw[-1]
    if optional and str(raw).lower() == "none":
        return None
    try:
        if inner is bool:
            if str(raw).lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(raw)
            return str(raw).lower() in ("true", "1", "yes")
        return inner(raw)
    except (TypeError, ValueError):
        raise StylelabError(f"{flag(name)} takes {getattr(inner, '__name__', inner)}, got {raw!r}") from None


def build(dataclass_type: type, given: dict[str, Any], base=None, *, method: str, fixed: Sequence[str] = ()):
    """``base`` (default: the dataclass's defaults) with the given command-line values, converted;
    a value for a field the method does not have is a one-line error naming the method and the flag."""
    fields = option_fields(dataclass_type, fixed)
    unknown = [name for name in given if name not in fields]
    if unknown:
        own = ", ".join(flag(n) for n in fields) or "none"
        raise StylelabError(f"{', '.join(flag(n) for n in unknown)} does not apply to --method {method} "
                            f"(its options: {own})")
    values = {name: convert(fields[name][0], raw, fields[name][1]) for name, raw in given.items()}
    base = base if base is not None else dataclass_type()
    return dataclasses.replace(base, **values)


def field_help(field: dataclasses.Field) -> str:
    return field.metadata.get("help", "")


# --- the registry ------------------------------------------------------------------------------

_REGISTRY: dict[str, type[Method]] = {}
_DISCOVERED = False


def register(cls: type[Method]) -> type[Method]:
    """Add a method (a decorator; the package's modules are found without it, tests use it)."""
    if not cls.name:
        raise StylelabError(f"{cls.__name__} has no name")
    if cls.style_source not in STYLE_SOURCES:
        raise StylelabError(f"{cls.__name__}.style_source must be one of {', '.join(STYLE_SOURCES)}")
    for key in (cls.name, *cls.aliases):
        owner = _REGISTRY.get(key)
        if owner is not None and owner is not cls and owner.name != cls.name:
            raise StylelabError(f"method name {key!r} is taken by {owner.__name__}")
    _REGISTRY[cls.name] = cls
    return cls


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)


def _discover() -> None:
    """Import every module under stylelab.methods; each Method subclass with a name registers itself."""
    global _DISCOVERED
    if _DISCOVERED:
        return
    _DISCOVERED = True
    package = importlib.import_module(__package__)
    found = {info.name for info in pkgutil.iter_modules(package.__path__, prefix=f"{__package__}.")} - {__name__}
    for module in sorted(found):
        importlib.import_module(module)
    stack = list(Method.__subclasses__())
    while stack:
        cls = stack.pop()
        stack += cls.__subclasses__()
        top = ".".join(cls.__module__.split(".")[:3])  # stylelab.methods.<module or package>
        if cls.name and cls.name not in _REGISTRY and top in found:
            register(cls)


def methods() -> dict[str, type[Method]]:
    """Every registered method by name, in the talk's order (then by name)."""
    _discover()
    order = ("gatys", "style_swap", "johnson", "ulyanov", "cin", "adain")
    return dict(sorted(_REGISTRY.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order), kv[0])))


def get(name: str) -> type[Method]:
    """A method by name or alias ('-' and '_' alike, any case); else a one-line error listing them."""
    key = name.replace("-", "_").lower()
    for cls in methods().values():
        if key == cls.name or key in cls.aliases:
            return cls
    raise StylelabError(f"unknown method {name!r}; choose from {', '.join(names())}")


def names() -> list[str]:
    return [f"{cls.name} ({', '.join(cls.aliases)})" if cls.aliases else cls.name for cls in methods().values()]


def trainable() -> list[str]:
    return [name for name, cls in methods().items() if cls.train_config is not None]


def timed() -> list[str]:
    return [name for name, cls in methods().items() if cls.speed is not None]


def exportable() -> list[str]:
    """The methods whose class overrides :meth:`Method.onnx_graph` (``python -m stylelab export --list``)."""
    return [name for name, cls in methods().items() if cls.onnx_graph is not Method.onnx_graph]


def listing(which: str) -> str:
    """The ``--list`` text of a command: "stylize", "train" or "bench"."""
    lines = []
    for name, cls in methods().items():
        alias = f" (= {', '.join(cls.aliases)})" if cls.aliases else ""
        if which == "stylize":
            lines.append(f"{name}{alias}: {cls.summary} [{cls.paper}]")
        elif which == "train" and cls.train_config is not None:
            lines.append(f"{name}{alias}: {cls.train_config.__name__}" +
                         (f" with {', '.join(f'{k}={v}' for k, v in cls.train_fixed.items())}" if cls.train_fixed else ""))
        elif which == "bench" and cls.speed is not None:
            row = f"paper row {cls.speed.paper_row}" if cls.speed.paper_row else "not in the paper's table"
            lines.append(f"{name}{alias}: {cls.speed.kind}, {cls.speed.styles} styles, {row}: {cls.speed.what}")
    return "\n".join(lines)
