"""The EMD notebook's experiments as functions, so that ``05_emd_font_transfer.ipynb`` stays thin.

    run = study.start(profile="quick")                    # experiment.start with EMD's stamp label
    data = study.load_data(run, "zh")                     # rendered glyphs, known / novel splits
    tests = study.test_sets(run, data)                    # fixed D1–D4 test triplets
    emd = study.train_emd(run, data)                      # EMD via training.train (checkpoints, resume)
    rows = study.compare(run, {"EMD": emd.predict, ...}, tests)

Every setting comes from the profile's ``"emd"`` section (``stylelab/profiles.py``); the quick
profile is CPU-sized, the full profile uses the paper's (80², r = 10, batch 50, K = 512).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .. import experiment
from ..errors import StylelabError
from ..profiles import settings
from ..provenance import REPO_ROOT
from ..training import History, train
from . import emd as emd_model
from . import glyphs
from .data import SPLIT_LABELS, SPLITS, FontData, Triplets, TripletDataset, build_font_data, epoch_indices, \
    train_test_pairs
from .metrics import glyph_metrics
from .pix2pix import Pix2PixConfig, train_pix2pix, translate

#: The deck's metric table (Zhang et al. 2018, Table 2 as printed on the slide; blank: not reported).
PAPER_METRICS = [
    {"method": "Pix2pix", "L1": 0.0105, "RMSE": 0.0202, "PDAR": None},
    {"method": "AEGN", "L1": 0.0112, "RMSE": 0.0202, "PDAR": None},
    {"method": "Zi2zi", "L1": 0.0091, "RMSE": 0.0184, "PDAR": 0.1659},
    {"method": "C-GAN", "L1": 0.0112, "RMSE": 0.0200, "PDAR": 0.3685},
    {"method": "EMD", "L1": 0.0087, "RMSE": 0.0184, "PDAR": 0.1332},
]


#: The deck's Table 1 (Zhang et al. 2018): what each method needs for a new style and what it learns.
METHODS_TABLE = [
    {"method": "Pix2pix", "data": "paired", "new styles?": "no: retrain", "needs for a new style": "many image pairs",
     "learns": "a translation from one source style to one target style"},
    {"method": "CoGAN", "data": "unpaired", "new styles?": "no: retrain", "needs for a new style": "many images",
     "learns": "a translation from one source style to one target style"},
    {"method": "CycleGAN", "data": "unpaired", "new styles?": "no: retrain", "needs for a new style": "many images",
     "learns": "a translation from one source style to one target style"},
    {"method": "Rewrite", "data": "paired", "new styles?": "no: retrain", "needs for a new style": "many image pairs",
     "learns": "a translation from one source style to one target style"},
    {"method": "Zi-to-zi", "data": "paired", "new styles?": "no: retrain", "needs for a new style": "many image pairs",
     "learns": "a translation from one source style to one target style"},
    {"method": "AEGN", "data": "paired", "new styles?": "no: retrain", "needs for a new style": "many image pairs",
     "learns": "a translation from one source style to one target style"},
    {"method": "Perceptual (Johnson)", "data": "unpaired", "new styles?": "no: retrain",
     "needs for a new style": "many content images and one style image", "learns": "transformations among specific styles"},
    {"method": "StyleBank", "data": "unpaired", "new styles?": "no: retrain",
     "needs for a new style": "many content images and one style image", "learns": "transformations among specific styles"},
    {"method": "Patch-based (style swap)", "data": "unpaired", "new styles?": "yes",
     "needs for a new style": "one or a few reference images", "learns": "the swap of style/content feature patches"},
    {"method": "AdaIN", "data": "unpaired", "new styles?": "yes", "needs for a new style": "one or a few reference images",
     "learns": "the transfer of feature statistics"},
    {"method": "EMD", "data": "triplet", "new styles?": "yes", "needs for a new style": "a few reference images (r)",
     "learns": "separate representations of style and content"},
]


def start(*, profile: str = "quick", device: str = "auto", seed: int = 0, figures_dir=None, **overrides):
    """``experiment.start("emd", …)`` with a stamp that names EMD's own networks and their sizes.

    On the CPU, the profile's ``threads`` (if set) caps torch's intra-op threads for this process:
    the quick profile's small convolutions gain little from a second thread and, when another
    process holds a core, OpenMP's spin-waiting makes each step 2–3× slower (measured)."""
    cfg = settings("emd", profile, **overrides)
    label = f"EMD (own encoders, factor={cfg.factor}, width={cfg.width}, {cfg.image_size}px)"
    run = experiment.start("emd", profile=profile, device=device, encoder=None, encoder_label=label, seed=seed,
                           figures_dir=figures_dir, **overrides)
    if run.device.type == "cpu" and getattr(cfg, "threads", None):
        torch.set_num_threads(cfg.threads)
    return run


def load_data(run, script: str = "zh", *, progress: bool = False) -> FontData:
    """Render the profile's fonts for ``script`` and split them; glyphs go to the run's device."""
    cfg = run.cfg
    n_known, n_novel = cfg.contents[script]
    data = build_font_data(script, profile=run.profile, n_known_contents=n_known, n_novel_contents=n_novel,
                           image_size=cfg.image_size, fill=cfg.fill, progress=progress)
    return data.to(run.device)


def split_summary(data: FontData) -> dict[str, int]:
    """Style, character and pair counts (deterministic: the notebook checks them)."""
    return data.sizes()


# ----------------------------------------------------------------------------------------------
# Training and prediction
# ----------------------------------------------------------------------------------------------

@dataclass
class TrainedEMD:
    """A trained EMD with what it was trained on."""

    model: emd_model.EMD
    history: History
    r: int
    nt: int
    loss: str
    steps: int
    label: str
    settings: dict = field(default_factory=dict)

    @torch.no_grad()
    def predict(self, triplets: Triplets, batch_size: int = 250) -> torch.Tensor:
        return predict(self.model, triplets, batch_size)


@torch.no_grad()
def predict(model: emd_model.EMD, triplets: Triplets, batch_size: int = 250) -> torch.Tensor:
    """EMD outputs (N, 1, H, W) in eval mode (BatchNorm with its running statistics)."""
    model.eval()
    device = next(model.parameters()).device
    outputs = [model(part.style_refs.to(device), part.content_refs.to(device))
               for part in (triplets.slice(k, k + batch_size) for k in range(0, len(triplets), batch_size))]
    return torch.cat(outputs)


def copy_content_reference(triplets: Triplets) -> torch.Tensor:
    """The copy baseline: answer with the first content reference (right character, other style)."""
    return triplets.content_refs[:, :1]


def new_model(run, r: int | None = None, seed_offset: int = 0) -> emd_model.EMD:
    cfg = run.cfg
    torch.manual_seed(run.seed + seed_offset)
    return emd_model.EMD(r or cfg.r, cfg.image_size, factor=cfg.factor, width=cfg.width, bn_eps=cfg.bn_eps,
                         bn_momentum=cfg.bn_momentum).to(run.device)


def _checkpoint_path(run, label: str, key: dict):
    if not run.cfg.checkpoints:
        return None
    digest = hashlib.sha1(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:10]
    folder = getattr(run.cfg, "checkpoint_dir", None) or REPO_ROOT / "checkpoints" / "emd" / run.profile
    return Path(folder) / f"{label}-{digest}.pt"


def train_emd(run, data: FontData, *, r: int | None = None, nt: int | None = None, loss: str = "weighted_l1",
              steps: int | None = None, label: str = "emd", progress: bool = True) -> TrainedEMD:
    """Train EMD on D1 targets with the profile's settings; ``r``, ``nt`` (training targets),
    ``loss`` ("weighted_l1" or "l1") and ``steps`` override them for the studies.

    Uses ``training.train``: a tqdm bar, the NaN guard and, in profiles with checkpoints, a
    checkpoint every ``checkpoint_every`` steps that a second call resumes from.
    """
    cfg = run.cfg
    r, steps = r or cfg.r, steps or cfg.iterations
    if loss not in emd_model.LOSSES:
        raise StylelabError(f"unknown loss {loss!r}; choose one of {', '.join(emd_model.LOSSES)}")
    train_pairs, _ = train_test_pairs(data, n_train=nt, n_test=cfg.test_per_split, seed=run.seed)
    dataset = TripletDataset(data, train_pairs, r, seed=run.seed)
    model = new_model(run, r)
    optimiser = torch.optim.Adam(model.parameters(), lr=cfg.lr, betas=(0.9, 0.999))
    loss_fn = emd_model.LOSSES[loss]
    batch_size = min(cfg.batch_size, len(dataset))

    def step(i: int) -> dict[str, float]:
        indices = epoch_indices(i, batch_size, len(dataset), run.seed)
        batch = dataset.batch(indices, torch.Generator().manual_seed(run.seed * 7919 + i))
        output = model(batch.style_refs, batch.content_refs)
        value = loss_fn(output, batch.target)
        optimiser.zero_grad(set_to_none=True)
        value.backward()
        optimiser.step()
        return {"loss": value.item()}

    key = {"script": data.script, "styles": data.table.style_names, "chars": data.table.chars, "r": r,
           "nt": len(dataset), "loss": loss, "seed": run.seed,
           **{k: getattr(cfg, k) for k in ("image_size", "factor", "width", "lr", "batch_size", "bn_momentum")}}
    model.train()
    history = train(step, steps, stateful={"model": model, "optimiser": optimiser},
                    checkpoint=_checkpoint_path(run, label, key), checkpoint_every=cfg.checkpoint_every,
                    description=f"{label} (r={r}, Nt={len(dataset)})", progress=progress, extra={"settings": key})
    model.eval()
    return TrainedEMD(model, history, r, len(dataset), loss, steps, label, key)


def test_sets(run, data: FontData, r: int | None = None) -> dict[str, Triplets]:
    """The fixed D1–D4 test triplets (``test_per_split`` targets each, references seeded)."""
    _, tests = train_test_pairs(data, n_test=run.cfg.test_per_split, seed=run.seed)
    return {split: TripletDataset(data, pairs, r or run.cfg.r, seed=run.seed).all(batch_seed=run.seed + 1)
            for split, pairs in tests.items()}


def compare(methods: dict[str, Callable[[Triplets], torch.Tensor]], tests: dict[str, Triplets]) -> list[dict]:
    """Metric rows (method, split, L1, RMSE, PDAR) for every method on every split."""
    rows = []
    for name, method in methods.items():
        for split, triplets in tests.items():
            output = method(triplets).to(triplets.target.device)
            rows.append({"method": name, "split": split, **glyph_metrics(output, triplets.target)})
    return rows


def beats(rows: list[dict], winner: str, others: list[str], metrics=("L1", "RMSE", "PDAR")) -> bool:
    """True when ``winner`` has a lower value than each of ``others`` on every split and metric."""
    table = {(r["method"], r["split"]): r for r in rows}
    splits = sorted({r["split"] for r in rows if r["method"] == winner})
    return bool(splits) and all(table[(winner, s)][m] < table[(o, s)][m]
                                for s in splits for o in others for m in metrics)


def wide_table(rows: list[dict], metric: str) -> list[dict]:
    """One row per method, one column per split, for one metric."""
    methods = list(dict.fromkeys(r["method"] for r in rows))
    splits = list(dict.fromkeys(r["split"] for r in rows))
    table = {(r["method"], r["split"]): r[metric] for r in rows}
    return [{"method": m, **{s: table.get((m, s), "") for s in splits}} for m in methods]


def paper_comparison(rows: list[dict], methods: list[str]) -> list[dict]:
    """Our methods (mean over D1–D4) beside the deck's numbers (whose test split the deck does not say)."""
    out = [{"source": "deck (paper, 80², r=10)", **row} for row in PAPER_METRICS]
    for method in methods:
        mine = [r for r in rows if r["method"] == method]
        if mine:
            out.append({"source": "ours, mean of " + "/".join(r["split"] for r in mine), "method": method,
                        **{m: float(np.mean([r[m] for r in mine])) for m in ("L1", "RMSE", "PDAR")}})
    return [{k: ("–" if v is None else v) for k, v in row.items()} for row in out]


# ----------------------------------------------------------------------------------------------
# Studies: Nt, r, loss weighting, pix2pix
# ----------------------------------------------------------------------------------------------

def nt_study(run, data: FontData, main: TrainedEMD, tests: dict[str, Triplets], *,
             progress: bool = True) -> tuple[list[dict], dict[str, TrainedEMD]]:
    """EMD trained on Nt ∈ ``nt_sizes`` targets (plus the main run's Nt), same steps; rows + models."""
    models = {}
    for nt in run.cfg.nt_sizes:
        if nt < main.nt:
            models[f"Nt={nt}"] = train_emd(run, data, nt=nt, steps=main.steps, label=f"emd-nt{nt}", progress=progress)
    models[f"Nt={main.nt}"] = main
    rows = compare({name: m.predict for name, m in models.items()}, tests)
    for row in rows:
        row["Nt"] = int(row["method"].split("=")[1])
    return rows, models


def r_study(run, data: FontData, main: TrainedEMD, *, progress: bool = True) -> list[dict]:
    """EMD with r ∈ ``r_values`` references (plus the main r), same steps; rows with an ``r`` column."""
    rows = []
    for r in sorted(set(run.cfg.r_values) | {main.r}):
        trained = main if r == main.r else train_emd(run, data, r=r, steps=main.steps, label=f"emd-r{r}",
                                                      progress=progress)
        for row in compare({f"EMD r={r}": trained.predict}, test_sets(run, data, r)):
            rows.append({"r": r, **row})
    return rows


def loss_ablation(run, data: FontData, main: TrainedEMD, tests: dict[str, Triplets], *,
                  progress: bool = True) -> list[dict]:
    """The paper's weighted L1 against plain per-pixel L1, same everything else."""
    plain = train_emd(run, data, loss="l1", steps=main.steps, label="emd-plain-l1", progress=progress)
    return compare({"EMD, weighted L1 (W_st·W_b)": main.predict, "EMD, plain L1": plain.predict}, tests)


@dataclass
class Pix2PixRun:
    style: str
    kind: str  # "known" or "novel"
    train_contents: torch.Tensor
    rows: list[dict]
    examples: dict[str, torch.Tensor]  # target / EMD / pix2pix images of the first few test glyphs


def pix2pix_comparison(run, data: FontData, main: TrainedEMD, *, progress: bool = True) -> list[Pix2PixRun]:
    """pix2pix trained per target style (``pix2pix_styles``) against EMD on the same targets.

    Known style: pix2pix learns source font → style from every D1 training glyph of the style, and is
    tested on its held-out D1 and its D2 glyphs. Novel style: pix2pix gets the same r reference glyphs
    EMD gets (a fixed set for the style), and both are tested on the style's other D3 and its D4 glyphs.
    """
    cfg = run.cfg
    names = data.table.style_names
    source = names.index(cfg.pix2pix_source[data.script])
    _, tests = train_test_pairs(data, n_test=cfg.test_per_split, seed=run.seed)
    available = data.table.available
    images = data.table.images
    runs = []
    for k, name in enumerate(cfg.pix2pix_styles[data.script]):
        if name not in names:
            raise StylelabError(f"pix2pix style {name!r} is not among the {data.script} fonts of this profile")
        style = names.index(name)
        novel = bool((data.novel_styles == style).any())
        generator = torch.Generator().manual_seed(run.seed * 31 + k)
        known_here = data.known_contents[available[style, data.known_contents] & available[source, data.known_contents]]
        if novel:
            train_contents = known_here[torch.randperm(len(known_here), generator=generator)[:main.r]]
            splits = {"D3": data.split_pairs("D3"), "D4": data.split_pairs("D4")}
            splits = {s: p[(p[:, 0] == style) & ~torch.isin(p[:, 1], train_contents)] for s, p in splits.items()}
            fixed = train_contents
        else:
            held_out = tests["D1"][tests["D1"][:, 0] == style]
            train_contents = known_here[~torch.isin(known_here, held_out[:, 1])]
            d2 = data.split_pairs("D2")
            splits = {"D1": held_out, "D2": d2[d2[:, 0] == style]}
            fixed = None
        splits = {s: p[available[source, p[:, 1]]] for s, p in splits.items()}
        device = images.device
        src = images[source, train_contents.to(device)].unsqueeze(1).float() / 255
        tgt = images[style, train_contents.to(device)].unsqueeze(1).float() / 255
        config = Pix2PixConfig(steps=cfg.pix2pix_iterations, batch_size=cfg.pix2pix_batch_size, width=cfg.width,
                               lr=cfg.lr)
        gen, _ = train_pix2pix(src, tgt, config, seed=run.seed + k, description=f"pix2pix → {name}",
                               checkpoint=_checkpoint_path(run, f"pix2pix-{name}", {"n": len(train_contents),
                                                                                   "seed": run.seed,
                                                                                   "cfg": vars(config)}),
                               checkpoint_every=cfg.checkpoint_every, progress=progress)
        rows, examples = [], {}
        for split, pairs in splits.items():
            triplets = TripletDataset(data, pairs, main.r, seed=run.seed, fixed_style_refs=fixed).all(run.seed + 1)
            source_glyphs = images[source, pairs[:, 1].to(device)].unsqueeze(1).float() / 255
            outputs = {"EMD": main.predict(triplets), "pix2pix": translate(gen, source_glyphs),
                       "copy content reference": copy_content_reference(triplets)}
            for method, output in outputs.items():
                rows.append({"style": name, "style split": "novel" if novel else "known", "split": split,
                             "method": method, "targets": len(pairs), **glyph_metrics(output, triplets.target)})
            examples[split] = torch.cat([triplets.target[:8], outputs["EMD"][:8], outputs["pix2pix"][:8]], dim=1)
        runs.append(Pix2PixRun(name, "novel" if novel else "known", train_contents, rows, examples))
    return runs


# ----------------------------------------------------------------------------------------------
# Figures
# ----------------------------------------------------------------------------------------------

def cjk_font_family() -> list[str]:
    """matplotlib font families with a CJK fallback (Noto Sans CJK SC, else WenQuanYi Zen Hei), so
    titles that name a character draw it instead of a tofu box; the default family if neither is
    installed."""
    from matplotlib import font_manager, rcParams

    families = list(rcParams["font.family"])
    for name in ("noto-sans-sc-regular", "wqy-zenhei"):
        spec = glyphs.font_spec(name)
        if not glyphs.missing_fonts([spec]):
            path = glyphs.locate(spec)[name]
            font_manager.fontManager.addfont(str(path))
            # A .ttc registers its first face's family name; that face covers the CJK block either way.
            family = font_manager.FontProperties(fname=str(path)).get_name()
            return [f for f in rcParams["font.sans-serif"][:1]] + [family]
    return families


def _mosaic(rows: list[torch.Tensor], gap: int = 2) -> np.ndarray:
    """Rows of glyphs (each (n, 1, H, W) or (n, H, W)) → one grey image with white gaps."""
    rows = [r.detach().float().cpu().reshape(-1, *r.shape[-2:]) for r in rows]
    n = max(len(r) for r in rows)
    h, w = rows[0].shape[-2:]
    canvas = np.ones((len(rows) * (h + gap) - gap, n * (w + gap) - gap), dtype=np.float32)
    for i, row in enumerate(rows):
        for j, glyph in enumerate(row):
            canvas[i * (h + gap): i * (h + gap) + h, j * (w + gap): j * (w + gap) + w] = glyph.numpy()
    return canvas


def _labelled(ax, mosaic: np.ndarray, labels: list[str], title: str = "") -> None:
    ax.imshow(mosaic, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    step = mosaic.shape[0] / len(labels)
    ax.set_yticks([step * (k + 0.5) for k in range(len(labels))], labels, fontsize=7)
    ax.set_xticks([])
    for side in ax.spines.values():
        side.set_visible(False)
    ax.tick_params(length=0)
    if title:
        ax.set_title(title, fontsize=9)


def glyph_figure(data: FontData, n_chars: int = 6):
    """Sample glyphs: one row per style (known, then novel), known then novel characters."""
    import matplotlib.pyplot as plt

    table = data.table
    contents = torch.cat([data.known_contents[:n_chars], data.novel_contents[:n_chars]])
    styles = torch.cat([data.known_styles, data.novel_styles])
    rows = [table.images[s, contents].float() / 255 for s in styles.tolist()]
    labels = [f"{table.style_names[s]} ({'novel' if k >= len(data.known_styles) else 'known'})"
              for k, s in enumerate(styles.tolist())]
    fig, ax = plt.subplots(figsize=(0.5 * len(contents) + 2.5, 0.42 * len(rows) + 0.6))
    _labelled(ax, _mosaic(rows), labels, f"{len(styles)} {glyphs.SCRIPTS[data.script]} styles: "
                                          f"{n_chars} known | {n_chars} novel characters")
    return fig


def triplet_figure(triplets: Triplets, index: int = 0, data: FontData | None = None):
    """One triplet: the target, its r style references and its r content references."""
    import matplotlib.pyplot as plt

    r = triplets.style_refs.shape[1]
    names = data.table.style_names if data else None
    style, content = int(triplets.style[index]), int(triplets.content[index])
    title = (f"target: {data.table.chars[content]} (U+{ord(data.table.chars[content]):04X}) in {names[style]}"
             if data else "target")
    with plt.rc_context({"font.family": cjk_font_family()}):  # the title names the character
        fig, axes = plt.subplots(3, 1, figsize=(0.55 * r + 2.5, 2.4), gridspec_kw={"hspace": 0.5})
        for ax, row, label in ((axes[0], triplets.target[index], title),
                               (axes[1], triplets.style_refs[index], "style references: same font, other characters"),
                               (axes[2], triplets.content_refs[index], "content references: same character, other fonts")):
            _labelled(ax, _mosaic([row]), [""], label)
    return fig


def loss_figure(histories: dict[str, History], window: int = 20):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3))
    for name, history in histories.items():
        values = np.asarray(history["loss"])
        smooth = np.convolve(values, np.ones(window) / window, mode="valid") if len(values) > window else values
        ax.plot(np.arange(len(smooth)) + (len(values) - len(smooth)), smooth, label=name)
    ax.set_xlabel("step")
    ax.set_ylabel(f"training loss (mean of {window})")
    ax.set_yscale("log")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def split_grid_figure(tests: dict[str, Triplets], outputs: dict[str, Callable[[Triplets], torch.Tensor]],
                      n: int = 8):
    """The deck's Figure 4: D1 | D2 over D3 | D4, each a target row (TG) and one row per output."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(2 * (0.5 * n + 1.4), 2 * (0.5 * (len(outputs) + 1) + 0.5)))
    for ax, split in zip(axes.ravel(), SPLITS):
        part = tests[split].slice(0, n)
        rows = [part.target] + [fn(part) for fn in outputs.values()]
        _labelled(ax, _mosaic(rows), ["TG"] + [f"O{k + 1}" for k in range(len(outputs))],
                  f"{split}: {SPLIT_LABELS[split]}")
    legend = " · ".join(f"O{k + 1}: {name}" for k, name in enumerate(outputs))
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.text(0.01, 0.03, "TG: target · " + legend, ha="left", va="bottom", fontsize=8)  # the stamp goes below
    return fig


def study_plot(rows: list[dict], x: str, metric: str = "L1", log_x: bool = False):
    """One line per split: ``metric`` against ``x`` (e.g. "Nt", "r")."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.5, 3))
    for split in SPLITS:
        points = sorted((r[x], r[metric]) for r in rows if r["split"] == split)
        if points:
            ax.plot(*zip(*points), marker="o", label=f"{split}: {SPLIT_LABELS[split]}")
    ax.set_xlabel(x)
    ax.set_ylabel(metric)
    if log_x:
        ax.set_xscale("log")
    ax.set_xticks(sorted({r[x] for r in rows}))
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def pix2pix_figure(runs: list[Pix2PixRun]):
    """Per pix2pix style and split: target, EMD and pix2pix rows."""
    import matplotlib.pyplot as plt

    panels = [(run, split, ex) for run in runs for split, ex in run.examples.items()]
    fig, axes = plt.subplots(len(panels), 1, figsize=(6, 1.5 * len(panels) + 0.3), squeeze=False)
    for ax, (run, split, ex) in zip(axes[:, 0], panels):
        rows = [ex[:, 0], ex[:, 1], ex[:, 2]]
        _labelled(ax, _mosaic(rows), ["target", "EMD", "pix2pix"],
                  f"{run.style} ({run.kind} style; pix2pix trained on {len(run.train_contents)} glyphs) · {split}")
    fig.tight_layout()
    return fig
