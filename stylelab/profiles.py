"""Run profiles, one frozen dataclass per notebook section.

``quick``: small images and few steps, for CI on a 2-core CPU (budget: all notebooks in about 20 minutes;
measured 12 min on 2 idle cores, 39 min on a 2-core machine 2.5-3x slower, see README).
``full``: the papers' sizes and step counts, for a GPU.

One meaning per name: ``*_steps`` count training steps (Adam or GAN updates of a network's weights),
``*_iterations`` count optimiser iterations on an image (L-BFGS, or the style-swap inverse);
``*_size`` is a short side in pixels and ``*_sizes`` a tuple of them.

``settings(section, profile, smoke=True)`` is the full profile's *code paths* at toy sizes (see
:data:`SMOKE`): every switch of the full profile kept (coarse-to-fine scales, checkpoints,
torch.compile, ...), only sizes and counts shrunk, so that ``python -m stylelab.reproduce --profile
full --smoke`` runs every full-profile branch on a CPU in minutes before a GPU run does.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field

from .errors import StylelabError


@dataclass(frozen=True)
class NormalizationProfile:
    """Notebook 00 (BN / IN / CIN / AdaIN on VGG features)."""

    image_size: int  # short side of the content and style images


@dataclass(frozen=True)
class GatysProfile:
    """Notebook 01 (Gatys et al.): every count is L-BFGS iterations on the image."""

    image_size: int  # short side of the final result's content and style
    final_iterations: int  # L-BFGS iterations of the final result (per scale when coarse to fine)
    final_scales: tuple[int, ...]  # coarse-to-fine short sides of the final result; () = one scale
    reconstruction_size: int  # content / style reconstructions from noise
    reconstruction_iterations: int
    texture_iterations: int
    texture_normalize: str  # "per_layer" or "none"
    texture_pooling: str  # "avg" or "max"
    grid_size: int  # the content/style trade-off grid
    grid_iterations: int
    grid_init: str  # "noise" (the paper's Figure 3) or "content"
    grid_style_weights: tuple[float, ...]
    curve_iterations: int  # the optimiser comparison curves
    bench_sizes: tuple[int, ...]
    bench_iterations: int  # L-BFGS iterations timed per size


@dataclass(frozen=True)
class FeedForwardProfile:
    """Notebook 02 (Johnson / Ulyanov feed-forward nets)."""

    image_size: int  # short side of the test photographs
    style_size: int
    style: str
    contents: tuple[str, ...]
    pretrained: str  # the committed Johnson net
    before_pretrained: str  # the Johnson net before issue #23's flat-region fine-tune, for before / after
    artefact_size: int  # short side of the before / after comparison (the size users run the nets at)
    texture_pretrained: str  # the committed Ulyanov texture net
    demo_steps: int  # training steps of the demonstration Johnson net (the live loop)
    demo_image_size: int  # its training crops
    study_steps: int  # training steps per curve of the IN-vs-BN study
    study_image_size: int
    study_style: str
    gatys_contents: int  # how many contents Gatys runs on for the ratio comparison
    gatys_iterations: int  # its L-BFGS iterations
    bench_sizes: tuple[int, ...]
    bench_repeats: int  # timed forward passes per net and size
    gatys_bench_iterations: int  # L-BFGS iterations timed per size
    threads: int | None  # torch threads on a CPU; None: torch's default


@dataclass(frozen=True)
class CINProfile:
    """Notebook 03 (conditional instance normalisation)."""

    image_size: int
    style_size: int
    pretrained: str  # the committed 4-style CIN net
    before_pretrained: str  # the CIN net before issue #23's fine-tune (128-px crops), for before / after
    artefact_size: int  # short side of the before / after comparison (the size users run the nets at)
    artefact_contents: tuple[str, ...]  # the photos of that comparison (each through every style, both nets)
    contents: tuple[str, ...]
    new_style_steps: int  # training steps that learn a fifth style's γ, β
    new_style_lr: float  # their learning rate (a style row takes larger steps than the whole net's 4e-4)
    new_style_image_size: int  # their training crops
    new_style: str
    strip_n: int  # images in the two-style interpolation strip
    blend_n: int  # rows and columns of the four-style blend grid
    bench_sizes: tuple[int, ...]
    bench_repeats: int


@dataclass(frozen=True)
class AdaINProfile:
    """Notebook 04 (AdaIN, and style swap's optimisation-based inverse)."""

    image_size: int
    style_size: int
    pretrained: str  # the committed decoder
    contents: tuple[str, ...]
    demo_steps: int  # training steps of the demonstration decoder
    demo_image_size: int
    alphas: tuple[float, ...]  # content/style trade-off strip
    blend_n: int  # rows and columns of the style interpolation grid
    gatys_pairs: int  # content/style pairs Gatys runs on for the ratio comparison
    gatys_iterations: int  # its L-BFGS iterations
    swap_size: int
    swap_iterations: int  # iterations of style swap's optimisation-based inverse
    bench_sizes: tuple[int, ...]
    bench_repeats: int


@dataclass(frozen=True)
class SpeedProfile:
    """Notebook 06 (the AdaIN paper's Table 1): a :class:`stylelab.bench.BenchSettings` and threads."""

    sizes: tuple[int, ...]
    repeats: int  # timed forward passes per feed-forward net, size and fast path
    warmup: int
    slow_repeats: int  # timed runs of the optimisation methods
    slow_warmup: int  # untimed runs of the optimisation methods first
    gatys_iterations: int  # L-BFGS iterations run (fewer than 500: extrapolated and marked)
    inverse_iterations: int | None  # style-swap inverse iterations run; None: all of them
    fast_paths: bool
    fast_path_sizes: tuple[int, ...] | None  # the sizes timed along the fast paths; None: every size
    compile: bool  # torch.compile among the fast paths
    more_threads: bool  # on a CPU, also time all cores as threads
    adain_decoder: str | None
    threads: int | None


@dataclass(frozen=True)
class CapstoneProfile:
    """Notebook 07 (the capstone): one content/style pair through every registered method."""

    image_size: int  # short side of the content photograph
    style_size: int
    content: str
    style: str  # a style every fixed-style net was trained on
    unseen_style: str  # a style no net (nor the AdaIN decoder) was trained on
    optimisation_iterations: int  # Gatys' L-BFGS iterations and the style-swap inverse's
    bench_size: int  # the timing table's size (a multiple of 16)
    bench_repeats: int  # timed forward passes per feed-forward net
    bench_iterations: int  # optimisation iterations timed, multiplied out to the full count


@dataclass(frozen=True)
class EMDProfile:
    """Notebook 05 (EMD font style transfer, and pix2pix per style)."""

    image_size: int  # glyph side in pixels
    fill: float
    fonts: str  # which manifest profile's faces are rendered (stylelab/data/fonts.tsv): "quick" or "full"
    contents: dict[str, tuple[int, int]]  # characters per script: (known, novel)
    r: int  # style / content references per target
    batch_size: int
    factor: int  # K, the style/content factor size
    width: int  # the encoders' first block's channels
    lr: float
    bn_eps: float
    bn_momentum: float
    train_steps: int  # training steps of the main EMD model (and of each Nt / r / loss variant)
    test_per_split: int
    nt_sizes: tuple[int, ...]  # training-set sizes of the Nt study (those below the main run's Nt)
    r_values: tuple[int, ...]  # reference counts of the r study
    pix2pix_source: dict[str, str]
    pix2pix_styles: dict[str, tuple[str, ...]]
    pix2pix_steps: int  # training steps per pix2pix model
    pix2pix_batch_size: int
    hangul_steps: int  # training steps of the Hangul EMD model
    checkpoints: bool  # save (and resume from) checkpoints under checkpoints/emd/<profile>/
    checkpoint_every: int  # steps between checkpoints
    loss_ablation: bool
    threads: int | None


SECTIONS: dict[str, type] = {
    "normalization": NormalizationProfile, "gatys": GatysProfile, "feedforward": FeedForwardProfile,
    "cin": CINProfile, "adain": AdaINProfile, "emd": EMDProfile, "speed": SpeedProfile,
    "capstone": CapstoneProfile,
}

_SIX_PHOTOS = ("cornell", "golden_gate", "brad_pitt", "sailboat", "chicago", "lenna")

PROFILES: dict[str, dict[str, object]] = {
    "quick": {
        "normalization": NormalizationProfile(image_size=128),
        # Notebook 01 in about 3 min: reconstructions and textures at 96 px (textures: 200 iterations so that
        # the deep layer sets converge; content: 60); the trade-off grid starts from noise (the paper's
        # Figure 3), so it needs 60 iterations at 80 px; the benchmark times 2 of Gatys' 500 iterations at 256 px
        # (notebook 06 has the paper's two sizes; the full profile times both here too).
        "gatys": GatysProfile(
            image_size=128, final_iterations=80, final_scales=(), reconstruction_size=96,
            reconstruction_iterations=60, texture_iterations=200, texture_normalize="per_layer",
            texture_pooling="avg", grid_size=80, grid_iterations=60, grid_init="noise",
            grid_style_weights=(1, 10, 100, 1000), curve_iterations=40, bench_sizes=(256,), bench_iterations=2,
        ),
        # Notebook 02 on a 2-core CPU: the committed Johnson and Ulyanov nets are applied at 256 px; a
        # 40-step training at 64 px shows the loop; the IN-vs-BN study trains 6 nets for 30 steps at 64 px
        # (60 steps: BN/IN 2.13 on the original images, 173 s of a slow day's 284 s notebook; 40 steps: 1.96,
        # 124 s); Gatys runs on one of the pairs for the ratio comparison (30 L-BFGS iterations at 256 px, ~25 s
        # a pair on a slow day); the speed comparison at 256 px (512 px: notebook 06 and the full profile); ~4 min.
        "feedforward": FeedForwardProfile(
            image_size=256, style_size=256, style="style/la_muse", contents=("cornell", "golden_gate", "brad_pitt", "sailboat"),
            pretrained="johnson-instance-la_muse", texture_pretrained="ulyanov-instance-la_muse", demo_steps=40,
            before_pretrained="johnson-instance-la_muse-no-flat-term", artefact_size=512,
            demo_image_size=64, study_steps=30, study_image_size=64, study_style="style/woman_with_hat_matisse",
            gatys_contents=1, gatys_iterations=30,
            bench_sizes=(256,), bench_repeats=3, gatys_bench_iterations=2, threads=None,
        ),
        # Notebook 03 on a 2-core CPU: the committed 4-style CIN net applied at 256 px; a new style
        # learned from its γ, β alone for 100 steps at 64 px, learning rate 4e-3 (to show the mechanism,
        # not to converge; 2026-12-04: ratios 0.59 / 0.65 / 0.56 in 50 s, against 0.66 / 0.74 / 0.66 in
        # 123 s for 240 steps at the net's 4e-4); before / after issue #23's fine-tune at 512 px on the two photos
        # where the old net drew blobs at 256 px (golden_gate, brad_pitt: 8 outputs x 2 nets, ~70 s; with sailboat
        # 108 s of a slow day); timed at 256 px.
        "cin": CINProfile(
            image_size=256, style_size=256, pretrained="cin-instance-4styles",
            before_pretrained="cin-instance-4styles-128crops", artefact_size=512,
            artefact_contents=("golden_gate", "brad_pitt"), contents=("golden_gate", "brad_pitt", "sailboat"),
            new_style_steps=100, new_style_lr=4e-3, new_style_image_size=64, new_style="style/picasso_self_portrait",
            strip_n=5,
            blend_n=3, bench_sizes=(256,), bench_repeats=3,
        ),
        # Notebook 04 on a 2-core CPU: the committed decoder (trained on this CPU) applied at 256 px to
        # 3 unseen photos x the 4 held-out styles; a 20-step training at 64 px shows the loop; Gatys on
        # one of the pairs for the ratio comparison (30 L-BFGS iterations, as notebook 02); style swap
        # with a 20-iteration L-BFGS inverse; the speed rows and fast paths at 256 px (512 px: notebook 06
        # and the full profile); ~150 s.
        "adain": AdaINProfile(
            image_size=256, style_size=256, pretrained="adain-decoder-craft", contents=("golden_gate", "brad_pitt", "sailboat"),
            demo_steps=20, demo_image_size=64, alphas=(0.0, 0.25, 0.5, 0.75, 1.0), blend_n=3, gatys_pairs=1,
            gatys_iterations=30, swap_size=256, swap_iterations=20, bench_sizes=(256,), bench_repeats=3,
        ),
        # EMD on a 2-core CPU: 48² glyphs, 10 Chinese fonts, 300 characters, K = 64 (the paper's
        # 512³ mixer alone is 134 M weights). BatchNorm momentum 0.1: 0.01 needs thousands of steps
        # before the running statistics used at test time settle. 150 steps per Chinese model (4 of
        # them), 120 for Hangul, 200 per pix2pix (2): notebook 05 in about 3 min (it was 247 s with
        # 200/200/400; at 160 steps EMD's L1 relative to copying moved by at most 0.02). threads = None
        # (torch's default, every core): on an idle 2-core machine notebook 05 took 151 s with 2 threads
        # against 274 s with 1 (2026-12-02); a single thread only pays off when another process holds a core.
        "emd": EMDProfile(
            image_size=48, fill=0.8, fonts="quick", contents={"zh": (240, 60), "ko": (240, 60)}, r=4, batch_size=32,
            factor=64, width=16, lr=2e-4, bn_eps=1e-3, bn_momentum=0.1, train_steps=150, test_per_split=64,
            nt_sizes=(240,), r_values=(1,), pix2pix_source={"zh": "noto-sans-sc-regular", "ko": "nanum-gothic"},
            pix2pix_styles={"zh": ("noto-serif-sc-bold", "ar-pl-ukai-cn"), "ko": ()}, pix2pix_steps=200,
            pix2pix_batch_size=16, hangul_steps=120, checkpoints=False, checkpoint_every=500, loss_ablation=True,
            threads=None,
        ),
        # Notebook 06 (the AdaIN paper's Table 1) on a 2-core CPU in about 3 min: both of the paper's sizes in
        # fp32 eager, the fast paths at 256 px only (at 512 px they cost ~140 s of a slow 2-core day; the full
        # profile times them at both); the feed-forward nets timed 3 times per path; Gatys for 2 of its 500
        # iterations and the style-swap inverse for 2 of its 30, both extrapolated and marked, with no untimed
        # run first (the 512-px swap alone takes ~20 s: a first call's overhead is lost in it); no torch.compile
        # (tens of seconds per net and size to compile; python -m stylelab bench --compile has it); no
        # extra-threads path (the notebook runs at the threads it is given: ``threads``, None = torch's default).
        "speed": SpeedProfile(
            sizes=(256, 512), repeats=3, warmup=1, slow_repeats=1, slow_warmup=0, gatys_iterations=2,
            inverse_iterations=2,
            fast_paths=True, fast_path_sizes=(256,), compile=False, more_threads=False, adain_decoder="auto",
            threads=None,
        ),
        # Notebook 07 on a 2-core CPU in about a minute: 128 px, 20 L-BFGS iterations for Gatys (and 20 for the
        # style-swap inverse); the timing table at 128 px, the optimisation rows timed for 2 iterations.
        "capstone": CapstoneProfile(
            image_size=128, style_size=128, content="content/golden_gate", style="style/la_muse",
            unseen_style="style/antimonocromatismo", optimisation_iterations=20, bench_size=128, bench_repeats=3,
            bench_iterations=2,
        ),
    },
    "full": {
        "normalization": NormalizationProfile(image_size=512),
        "gatys": GatysProfile(
            image_size=512, final_iterations=500, final_scales=(256, 512), reconstruction_size=256,
            reconstruction_iterations=300, texture_iterations=500, texture_normalize="per_layer",
            texture_pooling="avg", grid_size=256, grid_iterations=300, grid_init="noise",
            grid_style_weights=(1, 10, 100, 1000), curve_iterations=300, bench_sizes=(256, 512), bench_iterations=500,
        ),
        # The papers' sizes, for a GPU: Johnson's 256 px crops, batch 4, 40k steps for a new net (the
        # paper's 2 epochs of COCO); the IN-vs-BN study for 2,000 steps per curve; Gatys' 500 iterations.
        "feedforward": FeedForwardProfile(
            image_size=512, style_size=512, style="style/la_muse", contents=_SIX_PHOTOS,
            pretrained="johnson-instance-la_muse", texture_pretrained="ulyanov-instance-la_muse",
            before_pretrained="johnson-instance-la_muse-no-flat-term", artefact_size=512,
            demo_steps=2000, demo_image_size=256, study_steps=2000,
            study_image_size=256, study_style="style/woman_with_hat_matisse", gatys_contents=6, gatys_iterations=500,
            bench_sizes=(256, 512), bench_repeats=20, gatys_bench_iterations=500, threads=None,
        ),
        # The papers' sizes: the CIN net at 512 px; a new style trained for 4,000 steps at 256 px.
        "cin": CINProfile(
            image_size=512, style_size=512, pretrained="cin-instance-4styles",
            before_pretrained="cin-instance-4styles-128crops", artefact_size=512, artefact_contents=_SIX_PHOTOS,
            contents=_SIX_PHOTOS,
            new_style_steps=4000, new_style_lr=4e-3, new_style_image_size=256, new_style="style/picasso_self_portrait",
            strip_n=7,
            blend_n=5, bench_sizes=(256, 512), bench_repeats=20,
        ),
        # The paper's sizes: 512 px, six photos x the 4 held-out styles, Gatys' 500 iterations.
        "adain": AdaINProfile(
            image_size=512, style_size=256, pretrained="adain-decoder-craft", contents=_SIX_PHOTOS,
            demo_steps=2000, demo_image_size=256, alphas=(0.0, 0.25, 0.5, 0.75, 1.0), blend_n=5, gatys_pairs=4,
            gatys_iterations=500, swap_size=512, swap_iterations=100, bench_sizes=(256, 512), bench_repeats=20,
        ),
        # EMD at the paper's sizes (80², r = 10, batch 50, K = 512, Adam 2e-4, TF BatchNorm), on
        # all 3,755 GB2312 level-1 characters and the manifest's 29 Chinese / 55 Hangul faces.
        # Step counts fit one GPU session (the paper ran 200 epochs per Nt); checkpoints resume.
        "emd": EMDProfile(
            image_size=80, fill=0.8, fonts="full", contents={"zh": (3000, 755), "ko": (1880, 470)}, r=10,
            batch_size=50, factor=512, width=64, lr=2e-4, bn_eps=1e-3, bn_momentum=0.01, train_steps=30000,
            test_per_split=1000, nt_sizes=(5000, 20000), r_values=(1, 5),
            pix2pix_source={"zh": "noto-sans-sc-regular", "ko": "nanum-gothic"},
            pix2pix_styles={"zh": ("noto-serif-sc-bold", "ar-pl-ukai-cn", "wqy-zenhei", "ar-pl-uming-cn",
                                   "wqy-microhei", "noto-sans-sc-medium", "noto-serif-sc-semibold",
                                   "lxgw-wenkai-regular", "cwtex-fangsong"), "ko": ()},
            pix2pix_steps=3000, pix2pix_batch_size=16, hangul_steps=20000, checkpoints=True, checkpoint_every=1000,
            loss_ablation=True, threads=None,
        ),
        # The paper's protocol on a GPU: all 500 Gatys iterations and all 30 inverse iterations, 20 timed
        # forward passes, torch.compile (max-autotune) and CUDA graphs among the fast paths.
        "speed": SpeedProfile(
            sizes=(256, 512), repeats=20, warmup=3, slow_repeats=3, slow_warmup=1, gatys_iterations=500,
            inverse_iterations=None,
            fast_paths=True, fast_path_sizes=None, compile=True, more_threads=True, adain_decoder="auto",
            threads=None,
        ),
        # The papers' protocol: 512 px, Gatys' 500 iterations, the timing table at 512 px.
        "capstone": CapstoneProfile(
            image_size=512, style_size=512, content="content/golden_gate", style="style/la_muse",
            unseen_style="style/antimonocromatismo", optimisation_iterations=500, bench_size=512, bench_repeats=10,
            bench_iterations=500,
        ),
    },
}

#: The smoke variant of the full profile: per section, the only fields that differ from ``full``. They shrink
#: sizes and counts (32-64 px images, 1-3 steps or iterations, one or two of each thing); every switch
#: (bools, modes, ``None`` meaning "all", coarse-to-fine scales, the photo lists) stays the full profile's,
#: so each full-profile branch runs. tests/test_profiles.py checks that. Sizes: 32 px is the smallest the
#: VGG encoders (relu5_1 at 2x2), the texture net (four halvings) and the benchmark (multiples of 16) take.
SMOKE: dict[str, dict[str, object]] = {
    "normalization": {"image_size": 32},
    "gatys": {
        "image_size": 64, "final_iterations": 2, "final_scales": (32, 64), "reconstruction_size": 32,
        "reconstruction_iterations": 2, "texture_iterations": 2, "grid_size": 32, "grid_iterations": 2,
        "curve_iterations": 2, "bench_sizes": (32, 64), "bench_iterations": 1,
    },
    "feedforward": {
        "image_size": 32, "style_size": 32, "demo_steps": 2, "demo_image_size": 32, "study_steps": 2,
        "study_image_size": 32, "gatys_contents": 2, "gatys_iterations": 2, "bench_sizes": (32, 64),
        "bench_repeats": 1, "gatys_bench_iterations": 1, "artefact_size": 64,
    },
    "cin": {
        "image_size": 32, "style_size": 32, "artefact_size": 64, "new_style_steps": 2, "new_style_image_size": 32, "strip_n": 3,
        "blend_n": 2, "bench_sizes": (32, 64), "bench_repeats": 1,
    },
    "adain": {
        "image_size": 32, "style_size": 32, "demo_steps": 2, "demo_image_size": 32, "blend_n": 2, "gatys_pairs": 1,
        "gatys_iterations": 2, "swap_size": 32, "swap_iterations": 2, "bench_sizes": (32, 64), "bench_repeats": 1,
    },
    "emd": {
        # Substituted, not shrunk: the full profile's extra faces (fonts-noto-cjk-extra, fonts-lxgw-wenkai,
        # fonts-cwtex-*, fonts-nanum-extra, ... : STYLELAB_FONTS=full bash scripts/setup.sh, 0.5 GB) are not
        # installed on CI, so the smoke run renders the quick profile's faces and trains pix2pix on the
        # quick profile's styles. Everything the faces feed (splits, D1-D4, pix2pix per style) runs the same code.
        "fonts": "quick", "pix2pix_styles": PROFILES["quick"]["emd"].pix2pix_styles,
        "image_size": 16, "contents": {"zh": (40, 10), "ko": (40, 10)}, "r": 3, "batch_size": 8, "factor": 8,
        "width": 4, "train_steps": 2, "test_per_split": 8, "nt_sizes": (10, 20), "r_values": (1, 2),
        "pix2pix_steps": 2, "pix2pix_batch_size": 4, "hangul_steps": 2, "checkpoint_every": 1,
    },
    "speed": {"sizes": (32,), "repeats": 1, "warmup": 1, "slow_repeats": 1, "gatys_iterations": 1},
    "capstone": {"image_size": 32, "style_size": 32, "optimisation_iterations": 2, "bench_size": 32, "bench_repeats": 1,
                 "bench_iterations": 1},
}

#: Fields whose smoke value is a substitute rather than a smaller value of the same kind (see ``SMOKE["emd"]``).
SMOKE_SUBSTITUTES: dict[str, set[str]] = {"emd": {"fonts", "pix2pix_styles"}}


#: Names before the profiles were typed (issue #18), so that an old override gets the new name as its hint.
RENAMED: dict[str, dict[str, str]] = {
    "gatys": {"iterations": "final_iterations"},
    "feedforward": {"iterations": "demo_steps"},
    "cin": {"iterations": "new_style_steps", "strip_steps": "strip_n"},
    "adain": {"iterations": "demo_steps"},
    "emd": {"iterations": "train_steps", "pix2pix_iterations": "pix2pix_steps", "hangul_iterations": "hangul_steps"},
}


def label(profile: str, smoke: bool = False) -> str:
    """The profile's name on stamps and figure folders: ``full-smoke`` for a smoke run."""
    return f"{profile}-smoke" if smoke else profile


def smoke_settings(section: str):
    """The full profile's ``section`` at smoke sizes (the full profile's switches, toy sizes and counts)."""
    return dataclasses.replace(PROFILES["full"][section], **SMOKE[section])


def settings(section: str, profile: str, *, smoke: bool = False, **overrides):
    """The profile's settings for one notebook section (a frozen dataclass); ``None`` overrides keep the
    profile value. ``smoke=True`` (full profile only): the full profile's code paths at toy sizes.

    An override the section does not have (a misspelled key) is a one-line :class:`StylelabError`."""
    if profile not in PROFILES:
        raise StylelabError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    if section not in PROFILES[profile]:
        raise StylelabError(f"profile {profile!r} has no settings for {section!r}")
    if smoke and profile != "full":
        raise StylelabError(f"smoke shrinks the full profile's sizes; the {profile} profile has no smoke variant")
    base = smoke_settings(section) if smoke else PROFILES[profile][section]
    names = [f.name for f in dataclasses.fields(base)]
    unknown = sorted(set(overrides) - set(names))
    if unknown:
        key = unknown[0]
        close = [RENAMED[section][key]] if key in RENAMED.get(section, {}) else difflib.get_close_matches(key, names, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise StylelabError(f"unknown {section} setting {key!r}; {hint}known settings: {', '.join(sorted(names))}")
    return dataclasses.replace(base, **{k: v for k, v in overrides.items() if v is not None})
