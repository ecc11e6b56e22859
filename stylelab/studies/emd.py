"""Notebook 05's experiments (EMD font style transfer) as tested functions; figures in ``fonts.figures``.

    run, study = emd_study.start(profile="quick")        # run: stamp and figures; study: typed settings
    data = emd_study.load_data(study, "zh")               # rendered glyphs, known / novel splits
    tests = emd_study.test_sets(study, data)              # fixed D1–D4 test triplets
    main = emd_study.train(study, data)                   # fonts.emd.train_emd with the profile's EMDConfig
    rows = emd_study.compare({"EMD": main.predict, ...}, tests)

Every setting comes from the profile's ``"emd"`` section (``stylelab/profiles.py``); the model and its
training recipe live in :mod:`stylelab.fonts.emd` and see only an :class:`~stylelab.fonts.emd.EMDConfig`.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .. import experiment
from ..errors import StylelabError
from ..profiles import EMDProfile, settings
from ..provenance import REPO_ROOT
from ..fonts import emd as emd_model
from ..fonts import glyphs
from ..fonts.data import FontData, Triplets, TripletDataset, build_font_data, train_test_pairs
from ..fonts.emd import EMDConfig, TrainedEMD
from ..fonts.metrics import METRICS, glyph_metrics, l1, pdar, pdar_all_pixels, rmse, rmse_batch
from ..fonts.pix2pix import Pix2PixConfig, train_pix2pix, translate

COPY = "copy content reference"

#: The deck's metric table (Zhang et al. 2018, Table 2 as printed on the slide; blank: not reported).
PAPER_METRICS = [
    {"method": "Pix2pix", "L1": 0.0105, "RMSE": 0.0202, "PDAR": None},
    {"method": "AEGN", "L1": 0.0112, "RMSE": 0.0202, "PDAR": None},
    {"method": "Zi2zi", "L1": 0.0091, "RMSE": 0.0184, "PDAR": 0.1659},
    {"method": "C-GAN", "L1": 0.0112, "RMSE": 0.0200, "PDAR": 0.3685},
    {"method": "EMD", "L1": 0.0087, "RMSE": 0.0184, "PDAR": 0.1332},
]


#: The deck's Table 1 (Zhang et al. 2018): each method's data, whether it generalises to new styles, what a
#: new style needs and what the model learned, Korean beside the deck's English.
_TRANSLATION = ("특정 원본 스타일에서 특정 목표 스타일로의 변환",
                "the translation from a certain source style to a specific target style")
_RETRAIN = ("아니요: 다시 학습", "no: retrain")
_PAIRS = ("원본·목표 스타일의 많은 학습 이미지", "many training images of a source and a target style")
_FEW = ("참조 이미지 1장 또는 몇 장", "one or a small set of reference images")
_PERCEPTUAL = ("많은 콘텐츠 이미지와 스타일 이미지 1장", "many content images and one style image")
_SPECIFIC = ("정해진 스타일들 사이의 변환", "transformation among specific styles")
_DATA = {"paired": "쌍", "unpaired": "쌍 없음", "triplet": "트리플렛"}
METHODS_TABLE = [
    *({"method": m, "data": d, "new styles": _RETRAIN, "needs": _PAIRS, "learned": _TRANSLATION}
      for m, d in (("Pix2pix", "paired"), ("CoGAN", "unpaired"), ("CycleGAN", "unpaired"), ("Rewrite", "paired"),
                   ("Zi-to-zi", "paired"), ("AEGN", "paired"))),
    {"method": "Perceptual (Johnson)", "data": "unpaired", "new styles": _RETRAIN, "needs": _PERCEPTUAL,
     "learned": _SPECIFIC},
    {"method": "StyleBank", "data": "unpaired", "new styles": _RETRAIN, "needs": _PERCEPTUAL, "learned": _SPECIFIC},
    {"method": "Patch-based (style swap)", "data": "unpaired", "new styles": ("예", "yes"), "needs": _FEW,
     "learned": ("스타일/콘텐츠 특징 맵의 교환", "the swap of style/content feature maps")},
    {"method": "AdaIN", "data": "unpaired", "new styles": ("예", "yes"), "needs": _FEW,
     "learned": ("특징 통계의 전달", "the transferring of feature statistics")},
    {"method": "EMD", "data": "triplet", "new styles": ("예", "yes"), "needs": _FEW,
     "learned": ("스타일/콘텐츠의 특징 표현", "the feature representation of style/content")},
]


def methods_table() -> list[dict]:
    """The deck's Table 1 as bilingual rows (every column, "What the model learned?" included)."""
    def both(pair):
        return f"{pair[0]} · {pair[1]}"

    return [{"방법 · method": r["method"], "데이터 · data": f"{_DATA[r['data']]} · {r['data']}",
             "새 스타일에 일반화? · generalizable?": both(r["new styles"]),
             "새 스타일에 필요한 것 · requirements": both(r["needs"]),
             "모델이 배운 것 · what the model learned": both(r["learned"])} for r in METHODS_TABLE]


def paper_value(method: str, metric: str) -> float | None:
    """One number of the deck's metric table (:data:`PAPER_METRICS`, the one home of those numbers)."""
    row = next((r for r in PAPER_METRICS if r["method"] == method), None)
    if row is None:
        raise StylelabError(f"the deck's table has no row {method!r}; rows: "
                            + ", ".join(r["method"] for r in PAPER_METRICS))
    return row[metric]


@dataclass(frozen=True)
class EMDStudy:
    """What the studies need from a notebook run, typed: the profile's ``emd`` settings, device, seed,
    and where checkpoints go (None: no checkpoints)."""

    settings: EMDProfile
    profile: str
    device: torch.device
    seed: int = 0
    checkpoint_dir: Path | None = None

    def config(self, **changes) -> EMDConfig:
        """The profile's EMD model and training recipe as an :class:`EMDConfig` (``changes`` override)."""
        s = self.settings
        base = EMDConfig(r=s.r, image_size=s.image_size, factor=s.factor, width=s.width, bn_eps=s.bn_eps,
                         bn_momentum=s.bn_momentum, lr=s.lr, batch_size=s.batch_size, steps=s.train_steps,
                         test_per_split=s.test_per_split, seed=self.seed, checkpoint_dir=self.checkpoint_dir,
                         checkpoint_every=s.checkpoint_every)
        return base.replace(**{k: v for k, v in changes.items() if v is not None})

    def checkpoint(self, label: str, key: dict) -> Path | None:
        if self.checkpoint_dir is None:
            return None
        digest = hashlib.sha1(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:10]
        return Path(self.checkpoint_dir) / f"{label}-{digest}.pt"


def start(*, profile: str = "quick", device: str = "auto", seed: int = 0, figures_dir=None, checkpoint_dir=None,
          smoke: bool = False, **overrides) -> tuple[experiment.Run, EMDStudy]:
    """``experiment.start("emd", …)`` with a stamp that names EMD's own networks, and the typed study.

    On the CPU, the profile's ``threads`` (if set) caps torch's intra-op threads for this process:
    the quick profile's small convolutions gain little from a second thread and, when another
    process holds a core, OpenMP's spin-waiting makes each step 2–3× slower (measured).

    ``smoke=True``: the full profile's code paths at toy sizes (``profiles.SMOKE``); its checkpoints go to
    a fresh temporary folder, never next to a real run's."""
    cfg = settings("emd", profile, smoke=smoke, **overrides)
    label = f"EMD (own encoders, factor={cfg.factor}, width={cfg.width}, {cfg.image_size}px)"
    run = experiment.start("emd", profile=profile, device=device, encoder=None, encoder_label=label, seed=seed,
                           figures_dir=figures_dir, smoke=smoke, **overrides)
    if run.device.type == "cpu" and cfg.threads:
        torch.set_num_threads(cfg.threads)
    if checkpoint_dir is None and cfg.checkpoints:
        checkpoint_dir = (tempfile.mkdtemp(prefix="stylelab-emd-smoke-") if smoke
                          else REPO_ROOT / "checkpoints" / "emd" / profile)
    return run, EMDStudy(run.cfg, profile, run.device, seed, Path(checkpoint_dir) if checkpoint_dir else None)


def load_data(study: EMDStudy, script: str = "zh", *, progress: bool = False) -> FontData:
    """Render the profile's fonts for ``script`` and split them; glyphs go to the study's device."""
    s = study.settings
    n_known, n_novel = s.contents[script]
    data = build_font_data(script, profile=s.fonts, n_known_contents=n_known, n_novel_contents=n_novel,
                           image_size=s.image_size, fill=s.fill, progress=progress)
    return data.to(study.device)


def split_summary(data: FontData) -> dict[str, int]:
    """Style, character and pair counts (deterministic: the notebook checks them)."""
    return data.sizes()


def style_distances(data: FontData) -> list[dict]:
    """How far each style is from its nearest *known* style: mean |a − b| over the known characters.

    A novel style much closer to a known one than known styles are to each other is a near-copy, and
    D3/D4 on it test little; one farther than any known pair is truly new to the model."""
    images = data.table.images[:, data.known_contents].float() / 255
    names = data.table.style_names
    rows = []
    for kind, styles in (("known", data.known_styles), ("novel", data.novel_styles)):
        for s in styles.tolist():
            others = [k for k in data.known_styles.tolist() if k != s]
            dist = torch.stack([(images[s] - images[k]).abs().mean() for k in others])
            nearest = int(dist.argmin())
            rows.append({"style": names[s], "split": kind, "nearest known style": names[others[nearest]],
                         "L1 to it": float(dist[nearest]), "ink fraction": float((images[s] < 0.5).float().mean())})
    return rows


def copy_content_reference(triplets: Triplets) -> torch.Tensor:
    """The copy baseline: answer with the first content reference (right character, other style)."""
    return triplets.content_refs[:, :1]


def untrained(study: EMDStudy, r: int | None = None) -> emd_model.EMD:
    """The network as :func:`train` starts it (same seed), never trained."""
    return emd_model.build(study.config(r=r), study.device)


def train(study: EMDStudy, data: FontData, *, r: int | None = None, nt: int | None = None, loss: str | None = None,
          steps: int | None = None, label: str = "emd", progress: bool = True) -> TrainedEMD:
    """``fonts.emd.train_emd`` with the profile's config; ``r``, ``nt``, ``loss``, ``steps`` override it."""
    return emd_model.train_emd(study.config(r=r, nt=nt, loss=loss, steps=steps), data, label=label, progress=progress)


def test_sets(study: EMDStudy, data: FontData, r: int | None = None) -> dict[str, Triplets]:
    """The fixed D1–D4 test triplets (``test_per_split`` targets each, references seeded)."""
    _, tests = train_test_pairs(data, n_test=study.settings.test_per_split, seed=study.seed)
    return {split: TripletDataset(data, pairs, r or study.settings.r, seed=study.seed).all(batch_seed=study.seed + 1)
            for split, pairs in tests.items()}


def compare(methods: dict[str, Callable[[Triplets], torch.Tensor]], tests: dict[str, Triplets], *,
            all_pixel_ratio: bool = False) -> list[dict]:
    """Metric rows (method, split, L1, RMSE, PDAR[, disagree/all px]) for every method on every split."""
    rows = []
    for name, method in methods.items():
        for split, triplets in tests.items():
            output = method(triplets).to(triplets.target.device)
            rows.append({"method": name, "split": split,
                         **glyph_metrics(output, triplets.target, all_pixel_ratio=all_pixel_ratio)})
    return rows


def compare_by_style(methods: dict[str, Callable[[Triplets], torch.Tensor]], triplets: Triplets,
                     data: FontData) -> list[dict]:
    """Metric rows per target style within one test set (e.g. D3: one row per novel face and method)."""
    rows = []
    for s in triplets.style.unique().tolist():
        keep = (triplets.style == s).nonzero().flatten()
        part = Triplets(*(getattr(triplets, f)[keep.to(getattr(triplets, f).device)]
                          for f in triplets.__dataclass_fields__))
        for name, method in methods.items():
            rows.append({"style": data.table.style_names[s], "method": name, "split": "", "targets": len(keep),
                         **glyph_metrics(method(part).to(part.target.device), part.target)})
    return rows


def relative_to(rows: list[dict], baseline: str = COPY, metrics=METRICS) -> list[dict]:
    """Each method's metrics divided by the baseline's on the same split (and style, where rows have
    one): 1 = no better than the baseline, 0.5 = half its error."""
    def key(r):
        return r["split"], r.get("style")

    base = {key(r): r for r in rows if r["method"] == baseline}
    out = []
    for r in rows:
        if r["method"] == baseline or key(r) not in base:
            continue
        row = {k: r[k] for k in ("style", "method", "split") if k in r}
        row.update({f"{m} / copy": r[m] / base[key(r)][m] for m in metrics})
        out.append(row)
    return out


def beats(rows: list[dict], winner: str, others: list[str], metrics=METRICS) -> bool:
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
    """The deck's rows beside ours (mean over D1–D4). Our PDAR: disagreeing pixels / the target's ink;
    the deck does not say which test split its rows average over."""
    out = [{"source": "deck (paper: 80², r=10, 832 fonts)", **row} for row in PAPER_METRICS]
    for method in methods:
        mine = [r for r in rows if r["method"] == method]
        if mine:
            out.append({"source": "ours, mean of " + "/".join(r["split"] for r in mine), "method": method,
                        **{m: float(np.mean([r[m] for r in mine])) for m in METRICS}})
    return [{k: ("–" if v is None else v) for k, v in row.items()} for row in out]


def metric_readings(output: torch.Tensor, target: torch.Tensor, upsampled_to: int = 80) -> list[dict]:
    """One set of outputs scored under the readings the deck leaves open: value range, which pixels,
    per image or per batch, and the image size (by upsampling output and target to ``upsampled_to``)."""
    ink = target < 0.5
    err = (output - target).abs()
    up = torch.nn.functional.interpolate
    o80 = up(output, size=upsampled_to, mode="bilinear", align_corners=False)
    t80 = up(target, size=upsampled_to, mode="bilinear", align_corners=False)
    shifted = torch.roll(target, shifts=1, dims=-1)
    return [
        {"reading": "ours: L1 per pixel on [0, 1], all pixels, mean of per-image values", "value": float(l1(output, target).mean())},
        {"reading": "L1, one mean over every pixel of the batch", "value": float(err.mean())},
        {"reading": "L1 on [0, 255]", "value": float(l1(output, target).mean() * 255)},
        {"reading": "L1 over the target's ink pixels only", "value": float(err[ink].mean())},
        {"reading": "L1 over background pixels only", "value": float(err[~ink].mean())},
        {"reading": f"L1 after upsampling output and target to {upsampled_to}²", "value": float(l1(o80, t80).mean())},
        {"reading": "ours: RMSE per image, averaged", "value": float(rmse(output, target).mean())},
        {"reading": "RMSE over every pixel of the batch", "value": rmse_batch(output, target)},
        {"reading": "ours: PDAR = disagreeing / target ink pixels", "value": float(pdar(output, target).mean())},
        {"reading": "disagreeing / all pixels (not the paper's PDAR)", "value": float(pdar_all_pixels(output, target).mean())},
        {"reading": "floor: the target itself shifted by 1 px, L1", "value": float(l1(shifted, target).mean())},
        {"reading": "floor: the target shifted by 1 px, PDAR", "value": float(pdar(shifted, target).mean())},
    ]


# ----------------------------------------------------------------------------------------------
# Studies: Nt, r, loss weighting, pix2pix
# ----------------------------------------------------------------------------------------------

def nt_study(study: EMDStudy, data: FontData, main: TrainedEMD, tests: dict[str, Triplets], *,
             progress: bool = True) -> tuple[list[dict], dict[str, TrainedEMD]]:
    """EMD trained on Nt ∈ ``nt_sizes`` targets (plus the main run's Nt), same steps; rows + models."""
    models = {}
    for nt in study.settings.nt_sizes:
        if nt < main.nt:
            models[f"Nt={nt}"] = train(study, data, nt=nt, steps=main.steps, label=f"emd-nt{nt}", progress=progress)
    models[f"Nt={main.nt}"] = main
    rows = compare({name: m.predict for name, m in models.items()}, tests)
    for row in rows:
        row["Nt"] = int(row["method"].split("=")[1])
    return rows, models


def r_study(study: EMDStudy, data: FontData, main: TrainedEMD, *, progress: bool = True) -> list[dict]:
    """EMD with r ∈ ``r_values`` references (plus the main r), same steps; rows with an ``r`` column."""
    rows = []
    for r in sorted(set(study.settings.r_values) | {main.r}):
        trained = main if r == main.r else train(study, data, r=r, steps=main.steps, label=f"emd-r{r}",
                                                 progress=progress)
        for row in compare({f"EMD r={r}": trained.predict}, test_sets(study, data, r)):
            rows.append({"r": r, **row})
    return rows


def loss_ablation(study: EMDStudy, data: FontData, main: TrainedEMD, tests: dict[str, Triplets], *,
                  progress: bool = True) -> list[dict]:
    """The paper's weighted L1 against plain per-pixel L1, same everything else."""
    plain = train(study, data, loss="l1", steps=main.steps, label="emd-plain-l1", progress=progress)
    return compare({"EMD, weighted L1 (W_st·W_b)": main.predict, "EMD, plain L1": plain.predict}, tests)


@dataclass
class Pix2PixRun:
    style: str
    kind: str  # "known" or "novel"
    train_contents: torch.Tensor
    rows: list[dict]
    examples: dict[str, torch.Tensor]  # target / EMD / pix2pix images of the first few test glyphs


def pix2pix_comparison(study: EMDStudy, data: FontData, main: TrainedEMD, *, progress: bool = True) -> list[Pix2PixRun]:
    """pix2pix trained per target style (``pix2pix_styles``) against EMD on the same targets.

    Known style: pix2pix learns source font → style from every D1 training glyph of the style, and is
    tested on its held-out D1 and its D2 glyphs. Novel style: pix2pix gets the same r reference glyphs
    EMD gets (a fixed set for the style), and both are tested on the style's other D3 and its D4 glyphs.
    """
    cfg = study.settings
    names = data.table.style_names
    source = names.index(cfg.pix2pix_source[data.script])
    _, tests = train_test_pairs(data, n_test=cfg.test_per_split, seed=study.seed)
    available = data.table.available
    images = data.table.images
    runs = []
    for k, name in enumerate(cfg.pix2pix_styles[data.script]):
        if name not in names:
            raise StylelabError(f"pix2pix style {name!r} is not among the {data.script} fonts of this profile")
        style = names.index(name)
        novel = bool((data.novel_styles == style).any())
        generator = torch.Generator().manual_seed(study.seed * 31 + k)
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
        config = Pix2PixConfig(steps=cfg.pix2pix_steps, batch_size=cfg.pix2pix_batch_size, width=cfg.width,
                               lr=cfg.lr)
        gen, _ = train_pix2pix(src, tgt, config, seed=study.seed + k, description=f"pix2pix → {name}",
                               checkpoint=study.checkpoint(f"pix2pix-{name}", {"n": len(train_contents),
                                                                              "seed": study.seed, "cfg": vars(config)}),
                               checkpoint_every=cfg.checkpoint_every, progress=progress)
        rows, examples = [], {}
        for split, pairs in splits.items():
            triplets = TripletDataset(data, pairs, main.r, seed=study.seed, fixed_style_refs=fixed).all(study.seed + 1)
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
# Readings the notebook renders its sentences from (and asserts on)
# ----------------------------------------------------------------------------------------------

def by_split(rows: list[dict], method: str, metric: str = "L1", key: str = "method") -> dict[str, float]:
    """``{split: value}`` of one method's ``metric`` (``key``: the column naming the method)."""
    return {r["split"]: float(r[metric]) for r in rows if r[key] == method}


def r_gains(r_rows: list[dict], metric: str = "L1") -> list[dict]:
    """Per split: ``metric`` with the fewest and the most references, the gain and the relative gain,
    sorted by gain (largest first)."""
    lo, hi = min(r["r"] for r in r_rows), max(r["r"] for r in r_rows)
    few = {r["split"]: r[metric] for r in r_rows if r["r"] == lo}
    many = {r["split"]: r[metric] for r in r_rows if r["r"] == hi}
    rows = [{"split": s, f"{metric} r={lo}": few[s], f"{metric} r={hi}": many[s], "gain": few[s] - many[s],
             "gain / value at r=" + str(lo): (few[s] - many[s]) / few[s]} for s in few if s in many]
    return sorted(rows, key=lambda r: -r["gain"])


def largest_difference(rows: list[dict], a: str, b: str, metrics=METRICS) -> float:
    """The largest |a − b| over splits and metrics between two methods' rows on the same splits."""
    table = {(r["method"], r["split"]): r for r in rows}
    splits = {r["split"] for r in rows}
    return max(abs(table[(a, s)][m] - table[(b, s)][m]) for s in splits for m in metrics)


def scale_gap(rows: list[dict], method: str = "EMD", paper_method: str = "EMD",
              metrics=("L1", "RMSE")) -> dict[str, float]:
    """How many times the deck's value our mean over the splits is, per metric."""
    return {m: float(np.mean([r[m] for r in rows if r["method"] == method])) / paper_value(paper_method, m)
            for m in metrics}


def settings_rows(study: EMDStudy) -> list[dict]:
    """The run's model and training settings as table rows (설정 · setting, 값 · value)."""
    c, s = study.config(), study.settings
    values = [("글리프 크기 · glyph size (px)", c.image_size), ("참조 수 · references r", c.r),
              ("요인 크기 · factor size K", c.factor), ("첫 블록 채널 · first block's channels", c.width),
              ("배치 · batch", c.batch_size), ("학습률 · learning rate (Adam)", c.lr),
              ("학습 스텝 · training steps per model", c.steps), ("한글 학습 스텝 · Hangul steps", s.hangul_steps),
              ("pix2pix 학습 스텝 · pix2pix steps", s.pix2pix_steps),
              ("분할당 테스트 목표 · test targets per split", c.test_per_split),
              ("CPU 스레드 · CPU threads", torch.get_num_threads())]
    return [{"설정 · setting": k, "값 · value": str(v)} for k, v in values]


def face_vs_copy(study: EMDStudy, data: FontData, model: TrainedEMD, face: str) -> list[dict]:
    """One face on the novel characters (its D2 or D4 pairs): EMD and the copy baseline, and how far the
    face is from its nearest *other* known face. For the near-duplicate exercise."""
    names = data.table.style_names
    if face not in names:
        raise StylelabError(f"no face {face!r} in this run; faces: {', '.join(names)}")
    style = names.index(face)
    known = bool((data.known_styles == style).any())
    pairs = data.split_pairs("D2" if known else "D4")
    pairs = pairs[pairs[:, 0] == style]
    triplets = TripletDataset(data, pairs, model.r, seed=study.seed).all(batch_seed=study.seed + 1)
    nearest = next(r for r in style_distances(data) if r["style"] == face)
    emd_l1 = float(l1(model.predict(triplets), triplets.target).mean())
    copy_l1 = float(l1(copy_content_reference(triplets), triplets.target).mean())
    return [{"face": face, "split": "known" if known else "novel", "targets": len(pairs),
             "nearest other known face": nearest["nearest known style"], "L1 to it": nearest["L1 to it"],
             "EMD L1": emd_l1, "copy L1": copy_l1, "EMD / copy": emd_l1 / copy_l1}]
