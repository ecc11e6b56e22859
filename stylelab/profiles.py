"""Run profiles. ``quick``: small images and few steps, for CI on a 2-core CPU (budget: all notebooks in
about 20 minutes; measured 12 min on 2 idle cores, 39 min on a 2-core machine 2.5-3x slower, see README).
``full``: the papers' sizes and step counts, for a GPU."""

from __future__ import annotations

import difflib
from types import SimpleNamespace

from .errors import StylelabError

PROFILES: dict[str, dict[str, dict]] = {
    "quick": {
        # Notebook 04 on a 2-core CPU: the committed decoder (trained on this CPU) applied at 256 px to
        # 3 unseen photos x the 4 held-out styles; a 20-step training at 64 px shows the loop; Gatys on
        # two of the pairs for the ratio comparison; style swap with a 20-step L-BFGS inverse.
        "adain": {
            "image_size": 256, "style_size": 256, "pretrained": "adain-decoder-craft",
            "contents": ("golden_gate", "brad_pitt", "sailboat"), "iterations": 20, "demo_image_size": 64,
            "alphas": (0.0, 0.25, 0.5, 0.75, 1.0), "blend_n": 3, "gatys_pairs": 2, "gatys_iterations": 60,
            "swap_size": 256, "swap_iterations": 20, "bench_sizes": (256, 512), "bench_repeats": 3,
        },
        # Notebook 03 on a 2-core CPU: the committed 4-style CIN net applied at 256 px; a new style
        # learned from its γ, β alone for 300 steps at 64 px (to show the mechanism, not to converge).
        "cin": {
            "image_size": 256, "style_size": 256, "pretrained": "cin-instance-4styles",
            "contents": ("golden_gate", "brad_pitt", "sailboat"), "iterations": 300, "new_style_image_size": 64,
            "new_style": "style/picasso_self_portrait", "strip_steps": 5, "blend_n": 3,
            "bench_sizes": (256, 512), "bench_repeats": 3,
        },
        # Notebook 02 on a 2-core CPU: the committed Johnson net is applied at 256 px; a 40-step training
        # at 64 px shows the loop; the IN-vs-BN study trains 6 nets for 60 steps at 64 px; Gatys runs
        # on the same four pairs for the ratio comparison (60 L-BFGS iterations at 256 px); about 4 min.
        "feedforward": {
            "image_size": 256, "style_size": 256, "style": "style/la_muse",
            "contents": ("cornell", "golden_gate", "brad_pitt", "sailboat"),
            "pretrained": "johnson-instance-la_muse", "iterations": 40, "demo_image_size": 64,
            "study_steps": 60, "study_image_size": 64, "study_style": "style/woman_with_hat_matisse",
            "gatys_contents": 4, "gatys_iterations": 60, "bench_sizes": (256, 512), "bench_repeats": 3,
            "gatys_bench_iterations": 2, "threads": None,
        },
        "normalization": {"image_size": 128},
        # Notebook 06 (the AdaIN paper's Table 1) on a 2-core CPU in about 4 min: the feed-forward nets timed
        # 3 times per fast path; Gatys for 2 of its 500 iterations and the style-swap inverse for 2 of its
        # 30, both extrapolated and marked; no torch.compile (tens of seconds per net and size to compile;
        # python -m stylelab bench --compile has it); no extra-threads path (the notebook runs at the
        # threads it is given: ``threads``, None = torch's default).
        "speed": {
            "sizes": (256, 512), "repeats": 3, "warmup": 1, "slow_repeats": 1, "gatys_iterations": 2,
            "inverse_iterations": 2, "fast_paths": True, "compile": False, "more_threads": False,
            "adain_decoder": "auto", "threads": None,
        },
        # Textures: 200 iterations so that the deep layer sets converge; the trade-off grid starts from
        # noise (the paper's Figure 3), so it needs 80 iterations at 80 px instead of 25 from the photo.
        "gatys": {
            "image_size": 128, "iterations": 80, "reconstruction_size": 112, "reconstruction_iterations": 80,
            "texture_iterations": 200, "texture_normalize": "per_layer", "texture_pooling": "avg",
            "grid_size": 80, "grid_iterations": 80, "grid_init": "noise", "grid_style_weights": (1, 10, 100, 1000),
            "curve_iterations": 40, "final_scales": (), "bench_sizes": (256, 512), "bench_iterations": 3,
        },
        # EMD on a 2-core CPU: 48² glyphs, 10 Chinese fonts, 300 characters, K = 64 (the paper's
        # 512³ mixer alone is 134 M weights). BatchNorm momentum 0.1: 0.01 needs thousands of steps
        # before the running statistics used at test time settle. 200 steps per model (6 EMD models,
        # 2 pix2pix): notebook 05 in about 4 min. threads = 1: these small convolutions gain little
        # from a second thread and lose 2-3x to OpenMP spin-waits when another process holds a core.
        "emd": {
            "image_size": 48, "fill": 0.8, "contents": {"zh": (240, 60), "ko": (240, 60)}, "r": 4,
            "batch_size": 32, "factor": 64, "width": 16, "lr": 2e-4, "bn_eps": 1e-3, "bn_momentum": 0.1,
            "iterations": 200, "test_per_split": 64, "nt_sizes": [240], "r_values": [1],
            "pix2pix_source": {"zh": "noto-sans-sc-regular", "ko": "nanum-gothic"},
            "pix2pix_styles": {"zh": ["noto-serif-sc-bold", "ar-pl-ukai-cn"], "ko": []},
            "pix2pix_iterations": 400, "pix2pix_batch_size": 16, "hangul_iterations": 200,
            "checkpoints": False, "checkpoint_every": 500, "loss_ablation": True, "threads": 1,
        },
    },
    "full": {
        # The paper's sizes: 512 px, six photos x the 4 held-out styles, Gatys' 500 iterations.
        "adain": {
            "image_size": 512, "style_size": 256, "pretrained": "adain-decoder-craft",
            "contents": ("cornell", "golden_gate", "brad_pitt", "sailboat", "chicago", "lenna"), "iterations": 2000,
            "demo_image_size": 256, "alphas": (0.0, 0.25, 0.5, 0.75, 1.0), "blend_n": 5, "gatys_pairs": 4,
            "gatys_iterations": 500, "swap_size": 512, "swap_iterations": 100, "bench_sizes": (256, 512),
            "bench_repeats": 20,
        },
        # The papers' sizes: the CIN net at 512 px; a new style trained for 4,000 steps at 256 px.
        "cin": {
            "image_size": 512, "style_size": 512, "pretrained": "cin-instance-4styles",
            "contents": ("cornell", "golden_gate", "brad_pitt", "sailboat", "chicago", "lenna"), "iterations": 4000,
            "new_style_image_size": 256, "new_style": "style/picasso_self_portrait", "strip_steps": 7, "blend_n": 5,
            "bench_sizes": (256, 512), "bench_repeats": 20,
        },
        # The papers' sizes, for a GPU: Johnson's 256 px crops, batch 4, 40k steps for a new net (the
        # paper's 2 epochs of COCO); the IN-vs-BN study for 2,000 steps per curve; Gatys' 500 iterations.
        "feedforward": {
            "image_size": 512, "style_size": 512, "style": "style/la_muse",
            "contents": ("cornell", "golden_gate", "brad_pitt", "sailboat", "chicago", "lenna"),
            "pretrained": "johnson-instance-la_muse", "iterations": 2000, "demo_image_size": 256,
            "study_steps": 2000, "study_image_size": 256, "study_style": "style/woman_with_hat_matisse",
            "gatys_contents": 6, "gatys_iterations": 500, "bench_sizes": (256, 512), "bench_repeats": 20,
            "gatys_bench_iterations": 500, "threads": None,
        },
        "normalization": {"image_size": 512},
        # The paper's protocol on a GPU: all 500 Gatys iterations and all 30 inverse iterations, 20 timed
        # forward passes, torch.compile (max-autotune) and CUDA graphs among the fast paths.
        "speed": {
            "sizes": (256, 512), "repeats": 20, "warmup": 3, "slow_repeats": 3, "gatys_iterations": 500,
            "inverse_iterations": None, "fast_paths": True, "compile": True, "more_threads": True,
            "adain_decoder": "auto", "threads": None,
        },
        "gatys": {
            "image_size": 512, "iterations": 500, "reconstruction_size": 256, "reconstruction_iterations": 300,
            "texture_iterations": 500, "texture_normalize": "per_layer", "texture_pooling": "avg",
            "grid_size": 256, "grid_iterations": 300, "grid_init": "noise", "grid_style_weights": (1, 10, 100, 1000),
            "curve_iterations": 300, "final_scales": (256, 512), "bench_sizes": (256, 512), "bench_iterations": 500,
        },
        # EMD at the paper's sizes (80², r = 10, batch 50, K = 512, Adam 2e-4, TF BatchNorm), on
        # all 3,755 GB2312 level-1 characters and the manifest's 29 Chinese / 55 Hangul faces.
        # Step counts fit one GPU session (the paper ran 200 epochs per Nt); checkpoints resume.
        "emd": {
            "image_size": 80, "fill": 0.8, "contents": {"zh": (3000, 755), "ko": (1880, 470)}, "r": 10,
            "batch_size": 50, "factor": 512, "width": 64, "lr": 2e-4, "bn_eps": 1e-3, "bn_momentum": 0.01,
            "iterations": 30000, "test_per_split": 1000, "nt_sizes": [5000, 20000], "r_values": [1, 5],
            "pix2pix_source": {"zh": "noto-sans-sc-regular", "ko": "nanum-gothic"},
            "pix2pix_styles": {"zh": ["noto-serif-sc-bold", "ar-pl-ukai-cn", "wqy-zenhei", "ar-pl-uming-cn",
                                      "wqy-microhei", "noto-sans-sc-medium", "noto-serif-sc-semibold",
                                      "lxgw-wenkai-regular", "cwtex-fangsong"], "ko": []},
            "pix2pix_iterations": 3000, "pix2pix_batch_size": 16, "hangul_iterations": 20000,
            "checkpoints": True, "checkpoint_every": 1000, "loss_ablation": True, "threads": None,
        },
    },
}


def settings(section: str, profile: str, **overrides) -> SimpleNamespace:
    """The profile's settings for one notebook section; ``None`` overrides keep the profile value.

    An override the section does not have (a misspelled key) is a one-line :class:`StylelabError`."""
    if profile not in PROFILES:
        raise StylelabError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    if section not in PROFILES[profile]:
        raise StylelabError(f"profile {profile!r} has no settings for {section!r}")
    values = dict(PROFILES[profile][section])
    unknown = sorted(set(overrides) - set(values))
    if unknown:
        key = unknown[0]
        close = difflib.get_close_matches(key, values, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise StylelabError(f"unknown {section} setting {key!r}; {hint}known settings: {', '.join(sorted(values))}")
    for key, value in overrides.items():
        if value is not None:
            values[key] = value
    return SimpleNamespace(**values)
