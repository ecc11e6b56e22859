"""Reference answers of the notebooks' graded labs (해답 · answers).

스스로 풀어 본 뒤에 읽으십시오 · Read these after trying the lab yourself.

Each function is the slide's equation in a few lines; where the project already has the op with exactly
the lab's convention, the answer is that op (one home per idea). ``labs.check`` grades a learner's
function against these.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .. import losses, norms


def instance_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """IN(x) = (x − μ_nc) / σ_nc, μ_nc = 1/HW Σ_hw x, σ_nc = sqrt(1/HW Σ_hw (x − μ_nc)² + ε).

    Per sample n and channel c, biased variance, ε inside the square root, no γ/β."""
    return norms.instance_norm(x, eps)


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """G^l = F^l F^lᵀ, F^l the (C, H·W) matrix of one sample's features: (N, C, C), unnormalised
    (Gatys et al., eq. 3)."""
    return losses.gram_matrix(features)


def gatys_layer_loss(generated: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
    """E_l = 1/(4 N_l² M_l²) Σ_ij (G^l_ij − A^l_ij)², G, A the Gram matrices of the generated and the
    style features (1, C, H, W); N_l = C, M_l = H·W (Gatys et al., eq. 4)."""
    return losses.gram_layer_loss(generated, losses.gram_matrix(style))


def johnson_gram(features: torch.Tensor) -> torch.Tensor:
    """G^φ_j(x)_{c,c'} = 1/(C_j H_j W_j) Σ_hw φ_j(x)_{h,w,c} φ_j(x)_{h,w,c'} = ψψᵀ / (C·H·W)
    (Johnson et al., eq. 3), ψ the (C, H·W) reshape: (N, C, C)."""
    n, c, h, w = features.shape
    psi = features.reshape(n, c, h * w)
    return psi @ psi.transpose(1, 2) / (c * h * w)


def total_variation(img: torch.Tensor) -> torch.Tensor:
    """ℓ_TV(x) = Σ (x_{h+1,w} − x_{h,w})² + Σ (x_{h,w+1} − x_{h,w})², summed per image, mean over the batch.

    (The project's ``losses.total_variation`` is the anisotropic |·| mean, a different convention.)"""
    vertical = (img[:, :, 1:, :] - img[:, :, :-1, :]).square().sum(dim=(1, 2, 3))
    horizontal = (img[:, :, :, 1:] - img[:, :, :, :-1]).square().sum(dim=(1, 2, 3))
    return (vertical + horizontal).mean()


def cin_forward(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, weights: torch.Tensor,
                eps: float = 1e-5) -> torch.Tensor:
    """CIN(x; w) = γ · (x − μ(x)) / σ(x) + β with γ = Σ_s w_s γˢ, β = Σ_s w_s βˢ (Dumoulin et al.).

    gamma, beta: (S, C), one row per style; weights: (S,), non-negative, summing to 1."""
    g = (weights @ gamma).view(1, -1, 1, 1)
    b = (weights @ beta).view(1, -1, 1, 1)
    return g * norms.instance_norm(x, eps) + b


def adain(content: torch.Tensor, style: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """AdaIN(x, y) = σ(y) (x − μ(x)) / σ(x) + μ(y), μ, σ per sample and channel (biased variance,
    ε inside the square root) (Huang & Belongie, eq. 8)."""
    return norms.adain(content, style, eps)


def adain_style_loss(output_feats: Sequence[torch.Tensor], style_feats: Sequence[torch.Tensor]) -> torch.Tensor:
    """L_s = Σ_i ‖μ(φ_i(g(t))) − μ(φ_i(s))‖₂ + ‖σ(φ_i(g(t))) − σ(φ_i(s))‖₂ (Huang & Belongie, eq. 13):
    Euclidean norms over the channels of each sample, summed over layers, mean over the batch.

    (The authors' code, and ``losses.mean_std_style_loss``, use a mean squared error instead.)"""
    total = 0.0
    for out, sty in zip(output_feats, style_feats):
        (mu_o, sd_o), (mu_s, sd_s) = norms.mean_std(out), norms.mean_std(sty)
        total = total + (mu_o - mu_s).flatten(1).norm(dim=1) + (sd_o - sd_s).flatten(1).norm(dim=1)
    return total.mean()


def emd_loss_weights(targets: torch.Tensor) -> torch.Tensor:
    """W_st · W_b per target (B,): N_b = #black + 1 (black: value < 0.5), mean_b = Σ_black x / N_b,
    W_st = 1/N_b, W_b = softmax over the batch of mean_b, times B (EMD, Zhang et al.)."""
    from ..fonts.emd import emd_loss_weights as weights

    return weights(targets, threshold=0.5)


def _distance(a, b) -> torch.Tensor:
    return sum((ma - mb).flatten().norm() + (sa - sb).flatten().norm() for (ma, sa), (mb, sb) in zip(a, b))


def style_ratio(out_stats, content_stats, style_stats) -> float:
    """d(out, s) / d(c, s), d(a, b) = Σ_l ‖μ_a − μ_b‖₂ + ‖σ_a − σ_b‖₂ over the layers' (mean, std) pairs.

    1 = the output is no closer to the style than the content was; 0 = it has the style's statistics."""
    return float(_distance(out_stats, style_stats) / _distance(content_stats, style_stats))


def adain_alpha(content_feat: torch.Tensor, style_feat: torch.Tensor, alpha: float) -> torch.Tensor:
    """t = α · AdaIN(x, y) + (1 − α) · x: α = 1 full style, α = 0 the content's own features
    (Huang & Belongie, §7 content-style trade-off)."""
    return alpha * norms.adain(content_feat, style_feat) + (1 - alpha) * content_feat
