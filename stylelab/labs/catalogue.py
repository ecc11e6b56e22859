"""The eleven graded labs: inputs, reference, typical mistakes and named factors of each.

Inputs are small and seeded; their sizes differ (N, C, H, W all distinct, C ≠ H·W) so that a transpose
or a wrong axis shows as a wrong shape or wrong values, and some cases hold a nearly constant channel
(σ² ≈ ε) so that where ε goes matters.
"""

from __future__ import annotations

import torch

from . import answers
from .grading import Lab, Mistake

EPS = 1e-5


def _randn(gen, *shape, scale=1.0, shift=0.0):
    return torch.randn(*shape, generator=gen) * scale + shift


def _rand(gen, *shape):
    return torch.rand(*shape, generator=gen)


def _quiet(x: torch.Tensor, channel: int) -> torch.Tensor:
    """x with one channel made nearly constant (σ² ~ 1e-6 ≈ ε): the place of ε then shows."""
    x = x.clone()
    x[:, channel] = x[:, channel] * 1e-3 + 0.2
    return x


# ---- statistics with the usual mistakes ----------------------------------------------------------------


def _stats(x, dims=(2, 3), unbiased=False, eps=EPS, eps_outside=False):
    mean = x.mean(dim=dims, keepdim=True)
    var = x.var(dim=dims, keepdim=True, unbiased=unbiased)
    std = var.sqrt() + eps if eps_outside else (var + eps).sqrt()
    return mean, std


def _norm(x, **kw):
    mean, std = _stats(x, **kw)
    return (x - mean) / std


def _adain(x, y, eps=EPS, **kw):
    mx, sx = _stats(x, eps=eps, **kw)
    my, sy = _stats(y, eps=eps, **kw)
    return sy * (x - mx) / sx + my


def _flat(x):
    n, c, h, w = x.shape
    return x.reshape(n, c, h * w)


# ---- instance_norm --------------------------------------------------------------------------------------


def _in_cases(gen):
    return [((_randn(gen, 2, 3, 4, 5, scale=2.0, shift=0.5),), {}),
            ((_randn(gen, 3, 4, 3, 2),), {}),
            ((_quiet(_randn(gen, 2, 3, 5, 4), 1),), {}),
            ((_quiet(_randn(gen, 1, 2, 3, 6), 0),), {"eps": 1e-3})]


_IN_MISTAKES = [
    Mistake("variance", lambda x, eps=EPS: _norm(x, unbiased=True, eps=eps),
            "불편 분산(HW − 1로 나눔)을 썼습니다. 슬라이드의 σ는 HW로 나누는 편향 분산입니다: "
            "`unbiased=False`.",
            "unbiased variance (divided by HW − 1); the slide's σ uses the biased one (divide by HW): "
            "`unbiased=False`."),
    Mistake("eps", lambda x, eps=EPS: _norm(x, eps=eps, eps_outside=True),
            "ε를 제곱근 밖에 더했습니다. σ = sqrt(분산 + ε)입니다.",
            "ε added outside the square root; σ = sqrt(var + ε)."),
    Mistake("eps", lambda x, eps=EPS: _norm(x, eps=0.0),
            "ε가 빠졌습니다: σ = sqrt(분산 + ε). 거의 상수인 채널에서는 ε가 결과를 바꿉니다.",
            "ε is missing: σ = sqrt(var + ε); on a nearly constant channel ε changes the result."),
    Mistake("eps", lambda x, eps=EPS: _norm(x, eps=EPS),
            "인자로 받은 eps를 쓰지 않았습니다 (1e-5로 고정했습니까?).",
            "ignores the eps argument (hard-coded 1e-5?)."),
    Mistake("axes", lambda x, eps=EPS: _norm(x, dims=(0, 2, 3), eps=eps),
            "통계를 (N, H, W) 축에서 구했습니다 — 그것은 배치 정규화입니다. 인스턴스 정규화는 샘플·채널마다 "
            "(H, W) 축에서만 구합니다.",
            "statistics over (N, H, W): that is batch normalisation; instance normalisation takes μ, σ "
            "per sample and channel, over (H, W) only."),
    Mistake("axes", lambda x, eps=EPS: _norm(x, dims=(1, 2, 3), eps=eps),
            "통계를 (C, H, W) 축에서 구했습니다 (레이어 정규화). 채널마다 따로 구하십시오: dim=(2, 3).",
            "statistics over (C, H, W) (layer normalisation); take them per channel: dim=(2, 3)."),
    Mistake("axes", lambda x, eps=EPS: _norm(x, dims=(2,), eps=eps),
            "통계를 H 축에서만 구했습니다. dim=(2, 3)입니다.", "statistics over H only; use dim=(2, 3)."),
    Mistake("axes", lambda x, eps=EPS: _norm(x, dims=(3,), eps=eps),
            "통계를 W 축에서만 구했습니다. dim=(2, 3)입니다.", "statistics over W only; use dim=(2, 3)."),
]


# ---- Gram matrices --------------------------------------------------------------------------------------


def _gram_cases(gen):
    return [((_rand(gen, 2, 3, 4, 5),), {}), ((_rand(gen, 1, 5, 2, 3),), {}), ((_rand(gen, 3, 4, 3, 3),), {})]


def _gram_shape_hint(args, got):
    n, c, h, w = args[0].shape
    if got == (n, h * w, h * w):
        return ("transpose", "FᵀF (위치 × 위치)를 계산했습니다. 그람 행렬은 채널 × 채널인 F Fᵀ입니다.",
                "you computed FᵀF (positions × positions); the Gram matrix is F Fᵀ, channels × channels.")
    if got == (c, c):
        return ("axes", "배치를 하나의 행렬로 섞었습니다. 샘플마다 그람 행렬 하나씩 (N, C, C)입니다.",
                "you merged the batch into one matrix; one Gram matrix per sample, (N, C, C).")
    return None


def _layout_gram(x, normalise=False):
    n, c, h, w = x.shape
    f = x.reshape(n, h * w, c).transpose(1, 2)  # wrong: reshapes (C, HW) memory as (HW, C)
    return f @ f.transpose(1, 2) / (c * h * w if normalise else 1)


def _layout(normalise: bool) -> Mistake:
    return Mistake("layout", lambda x: _layout_gram(x, normalise),
                  "F를 (HW, C)로 reshape한 뒤 전치했습니다 — 메모리 순서가 (C, HW)이므로 값이 섞입니다. "
                  "`features.reshape(N, C, H * W)`를 쓰십시오.",
                  "reshaped F to (HW, C) and transposed it: memory is laid out (C, HW), so values get "
                  "mixed; use `features.reshape(N, C, H * W)`.")


_LAYOUT = _layout(False)


def _gram_factors(args):
    """(c, ko, en): a result c × the reference gets this hint."""
    n, c, h, w = args[0].shape
    m = h * w
    return [(1 / (c * m), f"C·H·W = {c * m}로 나눴습니까? Gatys의 G는 정규화하지 않습니다.",
             f"did you divide by C·H·W = {c * m}? Gatys' G is unnormalised."),
            (1 / m, f"H·W = {m}로 나눴습니까? Gatys의 G는 정규화하지 않습니다.",
             f"did you divide by H·W = {m}? Gatys' G is unnormalised."),
            (1 / c, f"C = {c}로 나눴습니까? Gatys의 G는 정규화하지 않습니다.",
             f"did you divide by C = {c}? Gatys' G is unnormalised.")]


def _johnson_factors(args):
    n, c, h, w = args[0].shape
    m = h * w
    return [(c * m, f"1/(C·H·W) = 1/{c * m} 정규화가 빠졌습니다 (Johnson 식 3).",
             f"the 1/(C·H·W) = 1/{c * m} normalisation is missing (Johnson eq. 3)."),
            (c, f"H·W로만 나눴습니다; C = {c}로도 나누십시오.", f"divided by H·W only; divide by C = {c} too."),
            (m, f"C로만 나눴습니다; H·W = {m}로도 나누십시오.", f"divided by C only; divide by H·W = {m} too."),
            (1 / n, f"배치 크기 N = {n}으로 더 나눴습니다.", f"divided by the batch size N = {n} too."),
            (1 / (c * m), "C·H·W로 두 번 나눴습니다.", "divided by C·H·W twice.")]


# ---- Gatys' E_l -----------------------------------------------------------------------------------------


def _gatys_cases(gen):
    out = []
    for c, h, w in ((3, 4, 5), (6, 3, 2), (4, 2, 7)):
        out.append(((_rand(gen, 1, c, h, w), _rand(gen, 1, c, h, w)), {}))
    return out


def _gatys_factors(args):
    """(c, ko, en): a result c × the reference gets this hint."""
    _, c, h, w = args[0].shape
    m = h * w
    nm2 = (c * m) ** 2
    return [(4, "1/(4 N_l² M_l²)의 4가 빠졌습니까? 정규화를 확인하십시오.",
             "is the 4 of 1/(4 N_l² M_l²) missing? Check the normalisation."),
            (nm2, f"1/(N_l² M_l²) = 1/{nm2}이 빠졌습니까? N_l = C, M_l = H·W입니다.",
             f"is 1/(N_l² M_l²) = 1/{nm2} missing? N_l = C, M_l = H·W."),
            (4 * nm2, f"정규화 1/(4 N_l² M_l²) = 1/{4 * nm2} 전체가 빠졌습니다.",
             f"the whole 1/(4 N_l² M_l²) = 1/{4 * nm2} is missing."),
            (1 / (c * c), f"Σ 대신 C×C 원소의 평균을 냈습니다 (C² = {c * c}).",
             f"you took the mean over the C×C entries instead of the sum (C² = {c * c})."),
            (1 / nm2, "그람 행렬을 N_l M_l로 정규화한 뒤 다시 1/(4N²M²)를 곱했습니다 (정규화가 두 번).",
             "you normalised the Gram matrices by N_l M_l and applied 1/(4N²M²) too (twice normalised)."),
            (m * m, f"M_l² = {m * m}이 빠졌습니다 (M_l = H·W).", f"M_l² = {m * m} is missing (M_l = H·W)."),
            (c * c, f"N_l² = {c * c}이 빠졌습니다 (N_l = C).", f"N_l² = {c * c} is missing (N_l = C).")]


def _gatys_features(g, s):
    _, c, h, w = g.shape
    return (g - s).square().sum() / (4 * c * c * (h * w) ** 2)


def _gatys_not_squared(g, s):
    _, c, h, w = g.shape
    gram_g, gram_s = _flat(g) @ _flat(g).transpose(1, 2), _flat(s) @ _flat(s).transpose(1, 2)
    return (gram_g - gram_s).norm() / (4 * c * c * (h * w) ** 2)


# ---- total variation ------------------------------------------------------------------------------------


def _tv_cases(gen):
    return [((_rand(gen, 2, 3, 5, 4),), {}), ((_rand(gen, 1, 1, 6, 3),), {}), ((_rand(gen, 3, 2, 4, 7),), {})]


def _tv_parts(x):
    return x[:, :, 1:, :] - x[:, :, :-1, :], x[:, :, :, 1:] - x[:, :, :, :-1]


_TV_MISTAKES = [
    Mistake("abs", lambda x: sum(d.abs().sum(dim=(1, 2, 3)) for d in _tv_parts(x)).mean(),
            "차이의 절댓값(L1)을 썼습니다. 슬라이드의 전변동 손실은 차이의 제곱을 더합니다.",
            "absolute differences (L1); the slide's total variation sums squared differences."),
    Mistake("mean", lambda x: sum(d.square().mean() for d in _tv_parts(x)),
            "제곱 차이의 합 대신 평균을 냈습니다. 이미지마다 Σ로 더하십시오.",
            "a mean of the squared differences instead of their sum; sum them per image."),
    Mistake("missing_term", lambda x: _tv_parts(x)[0].square().sum(dim=(1, 2, 3)).mean(),
            "세로 방향 차이만 더했습니다. 가로 방향 항 Σ (x[:,:,:,1:] − x[:,:,:,:-1])²이 빠졌습니다.",
            "only the vertical differences; the horizontal term Σ (x[:,:,:,1:] − x[:,:,:,:-1])² is missing."),
    Mistake("missing_term", lambda x: _tv_parts(x)[1].square().sum(dim=(1, 2, 3)).mean(),
            "가로 방향 차이만 더했습니다. 세로 방향 항 Σ (x[:,:,1:,:] − x[:,:,:-1,:])²이 빠졌습니다.",
            "only the horizontal differences; the vertical term Σ (x[:,:,1:,:] − x[:,:,:-1,:])² is missing."),
]


def _tv_shape_hint(args, got):
    if got == (args[0].shape[0],):
        return ("shape", "배치 평균을 잊었습니까?", "did you forget the mean over the batch?")
    return None


# ---- CIN ------------------------------------------------------------------------------------------------


def _cin_cases(gen):
    out = []
    for (n, c, h, w), s in (((2, 3, 4, 5), 4), ((1, 5, 3, 2), 2), ((3, 2, 5, 4), 3)):
        weights = torch.softmax(_randn(gen, s, scale=1.5), 0)
        out.append(((_randn(gen, n, c, h, w, scale=1.5, shift=0.3), _randn(gen, s, c, shift=1.0),
                     _randn(gen, s, c), weights), {}))
    return out


def _cin_with(gamma_of, beta_of, **kw):
    def f(x, gamma, beta, weights, eps=EPS):
        g = gamma_of(gamma, beta, weights).view(1, -1, 1, 1)
        b = beta_of(gamma, beta, weights).view(1, -1, 1, 1)
        return g * _norm(x, eps=eps, **kw) + b
    return f


_CIN_MISTAKES = [
    Mistake("swapped", _cin_with(lambda g, b, w: w @ b, lambda g, b, w: w @ g),
            "γ와 β가 뒤바뀌었습니다: γ는 곱하고 β는 더합니다 (γ·IN(x) + β).",
            "γ and β swapped: γ scales and β shifts (γ·IN(x) + β)."),
    Mistake("weights", _cin_with(lambda g, b, w: g[0], lambda g, b, w: b[0]),
            "첫 번째 스타일의 γ, β만 썼습니다. γ = Σ_s w_s γˢ로 섞으십시오.",
            "used the first style's γ, β only; mix them: γ = Σ_s w_s γˢ."),
    Mistake("weights", _cin_with(lambda g, b, w: g.mean(0), lambda g, b, w: b.mean(0)),
            "스타일들의 γ, β를 단순 평균했습니다. 가중치 w_s로 섞으십시오.",
            "averaged the styles' γ, β; weight them by w_s."),
    Mistake("variance", _cin_with(lambda g, b, w: w @ g, lambda g, b, w: w @ b, unbiased=True),
            "불편 분산(HW − 1)을 썼습니다. 편향 분산(HW로 나눔)이어야 합니다.",
            "unbiased variance (HW − 1); use the biased one (divide by HW)."),
    Mistake("axes", _cin_with(lambda g, b, w: w @ g, lambda g, b, w: w @ b, dims=(0, 2, 3)),
            "통계를 (N, H, W)에서 구했습니다 (배치 정규화). 샘플·채널마다 (H, W)에서 구하십시오.",
            "statistics over (N, H, W) (batch normalisation); take them per sample and channel over (H, W)."),
]


def _cin_no_norm(x, gamma, beta, weights, eps=EPS):
    return (weights @ gamma).view(1, -1, 1, 1) * x + (weights @ beta).view(1, -1, 1, 1)


_CIN_MISTAKES.append(Mistake("normalise", _cin_no_norm,
                             "x를 정규화하지 않고 γ·x + β를 계산했습니다. 먼저 IN(x) = (x − μ)/σ입니다.",
                             "computed γ·x + β without normalising x; first IN(x) = (x − μ)/σ."))


# ---- AdaIN ----------------------------------------------------------------------------------------------


def _adain_cases(gen):
    return [((_randn(gen, 2, 3, 4, 5, scale=1.5, shift=0.2), _randn(gen, 2, 3, 6, 3, scale=0.7, shift=-0.4)), {}),
            ((_randn(gen, 1, 4, 3, 3), _randn(gen, 1, 4, 5, 5, scale=2.0, shift=1.0)), {}),
            ((_quiet(_randn(gen, 3, 2, 4, 4), 1), _quiet(_randn(gen, 3, 2, 4, 4, scale=2.0), 0)), {})]


def _adain_shape_hint(args, got):
    if got == tuple(args[1].shape) and args[0].shape != args[1].shape:
        return ("swapped", "스타일의 모양을 반환했습니다: AdaIN은 콘텐츠 x를 정규화하고 스타일 y의 μ, σ를 입힙니다.",
                "you returned the style's shape: AdaIN normalises the content x and gives it the style y's "
                "μ, σ.")
    return None


_ADAIN_MISTAKES = [
    Mistake("variance", lambda x, y, eps=EPS: _adain(x, y, eps, unbiased=True),
            "불편 분산(HW − 1)을 썼습니다 (저자 코드의 calc_mean_std). 슬라이드의 σ는 편향 분산입니다.",
            "unbiased variance (HW − 1, as the authors' calc_mean_std); the slide's σ is the biased one."),
    Mistake("eps", lambda x, y, eps=EPS: _adain(x, y, eps, eps_outside=True),
            "ε를 제곱근 밖에 더했습니다. σ = sqrt(분산 + ε)입니다.", "ε added outside the square root; "
            "σ = sqrt(var + ε)."),
    Mistake("eps", lambda x, y, eps=EPS: _adain(x, y, 0.0),
            "ε가 빠졌습니다: σ = sqrt(분산 + ε). 거의 상수인 채널에서는 ε가 결과를 바꿉니다.",
            "ε is missing: σ = sqrt(var + ε); on a nearly constant channel ε changes the result."),
    Mistake("axes", lambda x, y, eps=EPS: _adain(x, y, eps, dims=(0, 2, 3)),
            "통계를 (N, H, W)에서 구했습니다 (배치 통계). 샘플·채널마다 (H, W)에서 구하십시오.",
            "statistics over (N, H, W) (batch statistics); take them per sample and channel over (H, W)."),
    Mistake("swapped", lambda x, y, eps=EPS: _adain(y, x, eps),
            "x와 y의 역할이 바뀌었습니다: 콘텐츠 x를 정규화하고 스타일 y의 σ를 곱하고 μ를 더합니다.",
            "x and y swapped: normalise the content x, then scale by the style y's σ and add its μ."),
    Mistake("normalise", lambda x, y, eps=EPS: _stats(y, eps=eps)[1] * (x - x.mean((2, 3), keepdim=True))
            + y.mean((2, 3), keepdim=True),
            "σ(x)로 나누지 않았습니다: σ(y)·(x − μ(x))/σ(x) + μ(y)입니다.",
            "no division by σ(x): σ(y)·(x − μ(x))/σ(x) + μ(y)."),
]


# ---- AdaIN's style loss ---------------------------------------------------------------------------------


def _ls_cases(gen):
    def layers(n, spec):
        return [_randn(gen, n, c, h, w, scale=s, shift=m) for c, h, w, s, m in spec]
    return [((layers(2, [(3, 4, 4, 1.0, 0.0), (5, 2, 3, 2.0, 0.5)]),
              layers(2, [(3, 5, 3, 1.5, 0.3), (5, 3, 2, 1.0, 0.0)])), {}),
            ((layers(3, [(2, 3, 4, 1.0, 1.0), (4, 3, 3, 0.5, 0.0), (3, 2, 2, 1.0, -1.0)]),
              layers(3, [(2, 4, 4, 2.0, 0.0), (4, 2, 2, 1.0, 0.5), (3, 3, 3, 1.0, 0.0)])), {}),
            ((layers(1, [(4, 3, 5, 1.0, 0.0)]), layers(1, [(4, 4, 2, 0.6, 0.8)])), {})]


def _ls_with(stat=lambda d: d.flatten(1).norm(dim=1), reduce=lambda v: v.mean(), sigma=True, **kw):
    def f(outs, styles):
        total = 0.0
        for o, s in zip(outs, styles):
            (mo, so), (ms, ss) = _stats(o, **kw), _stats(s, **kw)
            total = total + stat(mo - ms) + (stat(so - ss) if sigma else 0.0)
        return reduce(total)
    return f


_LS_MISTAKES = [
    Mistake("mse", _ls_with(stat=lambda d: d.flatten(1).square().mean(1)),
            "평균 제곱 오차(저자 코드 방식)를 썼습니다. 슬라이드의 L_s는 유클리드 노름 ‖·‖₂입니다.",
            "mean squared error (the authors' code); the slide's L_s uses the Euclidean norm ‖·‖₂."),
    Mistake("squared", _ls_with(stat=lambda d: d.flatten(1).square().sum(1)),
            "노름을 제곱했습니다: ‖·‖₂², 슬라이드는 ‖·‖₂입니다 (제곱근을 잊었습니까?).",
            "squared norms ‖·‖₂²; the slide has ‖·‖₂ (a missing sqrt?)."),
    Mistake("variance", _ls_with(unbiased=True),
            "불편 분산(HW − 1)으로 σ를 구했습니다. 편향 분산(HW로 나눔)이어야 합니다.",
            "σ from the unbiased variance (HW − 1); use the biased one (divide by HW)."),
    Mistake("missing_term", _ls_with(sigma=False),
            "μ 항만 있습니다. ‖σ − σ‖₂ 항을 더하십시오.", "only the μ term; add ‖σ − σ‖₂."),
    Mistake("axes", _ls_with(stat=lambda d: d.flatten().norm(), reduce=lambda v: v),
            "노름을 배치 전체에 걸쳐 구했습니다. 샘플마다 채널에 걸친 노름을 구한 뒤 배치 평균을 내십시오.",
            "the norm spans the whole batch; take it over the channels of each sample, then average."),
]


def _ls_factors(args):
    n = args[0][0].shape[0]
    return [(n, f"배치 평균 대신 합을 냈습니까? (N = {n})", f"a sum over the batch instead of the mean? (N = {n})")]


# ---- EMD loss weights -----------------------------------------------------------------------------------


def _emd_cases(gen):
    glyphs = (_rand(gen, 6, 1, 4, 4) > 0.6).float()
    glyphs[:, 0, 0, 0] = 0.3 * _rand(gen, 6)
    blank = torch.ones(1, 1, 4, 4)
    return [((_rand(gen, 4, 1, 6, 6),), {}), ((_rand(gen, 3, 1, 5, 7),), {}), ((torch.cat([glyphs, blank]),), {})]


def _emd_with(black=lambda f: f < 0.5, plus=1.0, mean=None, soft=lambda m, nb: torch.softmax(m, 0), times_b=True,
              w_st=True):
    def f(t):
        flat = t.reshape(t.shape[0], -1)
        mask = black(flat)
        n_b = mask.sum(1).to(flat.dtype) + plus
        m = (flat * mask).sum(1) / n_b if mean is None else mean(flat, mask)
        w = soft(m, n_b) * (flat.shape[0] if times_b else 1)
        return w / n_b if w_st else w
    return f


_EMD_MISTAKES = [
    Mistake("softmax", _emd_with(soft=lambda m, nb: torch.softmax(nb, 0)),
            "softmax를 N_b에 걸었습니다. W_b는 mean_b의 배치 softmax입니다.",
            "softmax over N_b; W_b is the batch softmax of mean_b."),
    Mistake("softmax", _emd_with(soft=lambda m, nb: torch.softmax(-m, 0)),
            "softmax(−mean_b)를 썼습니다. 부호 없이 softmax(mean_b)입니다.",
            "softmax(−mean_b); it is softmax(mean_b), no minus sign."),
    Mistake("softmax", _emd_with(soft=lambda m, nb: m),
            "softmax가 빠졌습니다: W_b = softmax_batch(mean_b)·B입니다.",
            "the softmax is missing: W_b = softmax_batch(mean_b)·B."),
    Mistake("softmax", _emd_with(soft=lambda m, nb: m / m.sum()),
            "softmax 대신 단순 비율(mean_b / Σ mean_b)을 썼습니다.", "a plain ratio mean_b / Σ mean_b instead of the softmax."),
    Mistake("threshold", _emd_with(black=lambda f: f >= 0.5),
            "흰 픽셀(≥ 0.5)을 셌습니다. 검은 픽셀은 값 < 0.5입니다.", "counted white pixels (≥ 0.5); black is value < 0.5."),
    Mistake("count", _emd_with(plus=0.0),
            "N_b에 +1을 하지 않았습니다 (공식 코드: 빈 글리프에서 0으로 나누지 않도록 N_b = 검은 픽셀 수 + 1).",
            "N_b without the +1 (official code: N_b = #black + 1, so a blank glyph never divides by zero)."),
    Mistake("mean_b", _emd_with(mean=lambda f, mask: f.mean(1)),
            "mean_b를 모든 픽셀의 평균으로 구했습니다. 검은 픽셀 값의 합 / N_b입니다.",
            "mean_b over all pixels; it is the sum of the black values / N_b."),
    Mistake("mean_b", _emd_with(mean=lambda f, mask: (f * mask).sum(1) / mask.sum(1).clamp_min(1)),
            "mean_b를 N_b(+1 포함)가 아닌 검은 픽셀 수로 나눴습니다.",
            "mean_b divided by the black count, not by N_b (with its +1)."),
    Mistake("missing_term", _emd_with(w_st=False),
            "W_st = 1/N_b가 빠졌습니다: w = (1/N_b)·softmax(mean_b)·B입니다.",
            "W_st = 1/N_b is missing: w = (1/N_b)·softmax(mean_b)·B."),
]


def _emd_factors(args):
    b = args[0].shape[0]
    return [(1 / b, f"softmax 뒤의 ·B (B = {b})가 빠졌습니다: 평균들이 같으면 W_b = 1이 되도록 곱합니다.",
             f"the ·B (B = {b}) after the softmax is missing: it makes W_b = 1 when the means are equal.")]


# ---- style ratio ----------------------------------------------------------------------------------------


def _ratio_cases(gen):
    def stats(chans, shift):
        return [(_randn(gen, c, shift=shift), _rand(gen, c) + 0.5 + shift) for c in chans]
    out = []
    for chans in ((3, 5), (4, 2, 6), (8,)):
        style = stats(chans, 0.0)
        content = stats(chans, 1.0)
        output = [(0.7 * ms + 0.3 * mc, 0.7 * ss + 0.3 * sc) for (ms, ss), (mc, sc) in zip(style, content)]
        output = [(m + 0.1 * _randn(gen, *m.shape), s) for m, s in output]
        out.append(((output, content, style), {}))
    return out


def _sq(d):
    return d.square().sum()


def _dist(a, b, stat=lambda d: d.flatten().norm(), sigma=True):
    return sum(stat(ma - mb) + (stat(sa - sb) if sigma else 0.0) for (ma, sa), (mb, sb) in zip(a, b))


_RATIO_MISTAKES = [
    Mistake("inverted", lambda o, c, s: _dist(c, s) / _dist(o, s),
            "비율이 뒤집혔습니다: d(출력, 스타일) / d(콘텐츠, 스타일)입니다 (1보다 작을수록 스타일에 가깝습니다).",
            "the ratio is inverted: d(output, style) / d(content, style) (below 1 = closer to the style)."),
    Mistake("inverted", lambda o, c, s: _dist(o, s) / _dist(o, c),
            "분모가 d(출력, 콘텐츠)입니다. 분모는 d(콘텐츠, 스타일)입니다.",
            "the denominator is d(output, content); it is d(content, style)."),
    Mistake("squared", lambda o, c, s: _dist(o, s, stat=_sq) / _dist(c, s, stat=_sq),
            "노름을 제곱했습니다: ‖·‖₂², 슬라이드는 ‖·‖₂입니다.", "squared norms ‖·‖₂²; the definition uses ‖·‖₂."),
    Mistake("missing_term", lambda o, c, s: _dist(o, s, sigma=False) / _dist(c, s, sigma=False),
            "μ 항만 더했습니다. ‖σ_a − σ_b‖₂ 항을 더하십시오.", "only the μ terms; add ‖σ_a − σ_b‖₂."),
]


# ---- AdaIN with α ---------------------------------------------------------------------------------------


def _alpha_cases(gen):
    # the same-size case first, so that a blend with the style features shows as a blend, not a shape error
    return [((_randn(gen, 2, 2, 4, 4), _randn(gen, 2, 2, 4, 4, scale=3.0), 0.65), {}),
            ((_randn(gen, 2, 3, 4, 5, scale=1.5), _randn(gen, 2, 3, 3, 6, scale=0.5, shift=1.0), 0.3), {}),
            ((_randn(gen, 1, 4, 3, 3), _randn(gen, 1, 4, 4, 4, scale=2.0, shift=-1.0), 0.8), {})]


_ALPHA_MISTAKES = [
    Mistake("reversed", lambda x, y, a: (1 - a) * _adain(x, y) + a * x,
            "α의 방향이 반대입니다: α = 1이 완전한 스타일, α·AdaIN(x, y) + (1 − α)·x입니다.",
            "α blend reversed: α = 1 is full style, α·AdaIN(x, y) + (1 − α)·x."),
    Mistake("alpha", lambda x, y, a: _adain(x, y),
            "α를 무시하고 AdaIN(x, y)만 반환했습니다.", "ignores α and returns AdaIN(x, y)."),
    Mistake("blend", lambda x, y, a: a * _adain(x, y) + (1 - a) * y,
            "AdaIN 결과를 스타일 특징 y와 섞었습니다. 콘텐츠 특징 x와 섞어야 합니다.",
            "blended AdaIN with the style features y; blend with the content features x."),
    Mistake("blend", lambda x, y, a: _adain(x, a * y + (1 - a) * x),
            "입력을 섞은 뒤 AdaIN을 했습니다. AdaIN 출력과 x를 섞으십시오.",
            "blended the inputs before AdaIN; blend AdaIN's output with x."),
    Mistake("variance", lambda x, y, a: a * _adain(x, y, unbiased=True) + (1 - a) * x,
            "불편 분산(HW − 1)을 썼습니다. 편향 분산이어야 합니다.", "unbiased variance (HW − 1); use the biased one."),
]


# ---------------------------------------------------------------------------------------------------------

_NCHW = "`(N, C, H, W)`"

LABS: dict[str, Lab] = {lab.name: lab for lab in [
    Lab("instance_norm", "인스턴스 정규화", "instance normalisation",
        "instance_norm(x, eps=1e-5) -> Tensor", f"`x` {_NCHW}", "`(N, C, H, W)`",
        r"\mathrm{IN}(x)_{nchw} = \frac{x_{nchw} - \mu_{nc}}{\sigma_{nc}},\quad "
        r"\mu_{nc} = \frac{1}{HW}\sum_{h,w} x_{nchw},\quad "
        r"\sigma_{nc} = \sqrt{\frac{1}{HW}\sum_{h,w} (x_{nchw} - \mu_{nc})^2 + \epsilon}",
        "샘플 n과 채널 c마다 (H, W) 위의 평균과 표준편차로 정규화합니다. 분산은 HW로 나누는 편향 분산이고, "
        "ε는 제곱근 안에 있습니다. γ, β(아핀 파라미터)는 없습니다.",
        "Normalise each sample n and channel c by its mean and standard deviation over (H, W): biased "
        "variance (divide by HW), ε inside the square root, no affine γ, β.",
        answers.instance_norm, _in_cases, ("x",), _IN_MISTAKES, notebook="00"),
    Lab("gram_matrix", "그람 행렬", "Gram matrix",
        "gram_matrix(features) -> Tensor", f"`features` {_NCHW}", "`(N, C, C)`",
        r"G^l_{ij} = \sum_k F^l_{ik} F^l_{jk},\quad G^l = F^l {F^l}^{\top},\quad F^l \in \mathbb{R}^{N_l \times M_l}",
        "각 샘플의 특징 맵을 (C, H·W) 행렬 F로 펼치고 G = F Fᵀ를 구합니다. 정규화하지 않습니다 (Gatys 식 3).",
        "Flatten each sample's features into the (C, H·W) matrix F and return G = F Fᵀ, unnormalised "
        "(Gatys eq. 3).",
        answers.gram_matrix, _gram_cases, ("features",), [_LAYOUT], _gram_factors, _gram_shape_hint,
        notebook="01"),
    Lab("gatys_layer_loss", "층별 스타일 손실 E_l", "per-layer style loss E_l",
        "gatys_layer_loss(generated, style) -> Tensor (scalar)", f"`generated`, `style` `(1, C, H, W)`", "`()`",
        r"E_l = \frac{1}{4 N_l^2 M_l^2} \sum_{i,j} \left(G^l_{ij} - A^l_{ij}\right)^2,\quad N_l = C,\ M_l = HW",
        "생성 이미지의 그람 행렬 G와 스타일 이미지의 그람 행렬 A를 구하고 위 식으로 E_l을 계산합니다 (Gatys 식 4).",
        "Compute the Gram matrices G (generated) and A (style) and return E_l (Gatys eq. 4).",
        answers.gatys_layer_loss, _gatys_cases, ("generated", "style"),
        [Mistake("features", _gatys_features,
                 "특징 F끼리 비교했습니다. 그람 행렬 G와 A를 비교하십시오.",
                 "compared the features themselves; compare their Gram matrices G and A."),
         Mistake("square", _gatys_not_squared,
                 "(G − A)²의 합 대신 노름 ‖G − A‖를 썼습니다 (제곱하지 않음).",
                 "used the norm ‖G − A‖ instead of the sum of squares Σ (G − A)².")],
        _gatys_factors, scalar=True, notebook="01"),
    Lab("johnson_gram", "Johnson의 그람 행렬", "Johnson's Gram matrix",
        "johnson_gram(features) -> Tensor", f"`features` {_NCHW}", "`(N, C, C)`",
        r"G^{\phi}_j(x)_{c,c'} = \frac{1}{C_j H_j W_j} \sum_{h,w} \phi_j(x)_{h,w,c}\,\phi_j(x)_{h,w,c'}"
        r" = \frac{\psi \psi^{\top}}{C_j H_j W_j}",
        "ψ는 특징을 (C, H·W)로 펼친 행렬입니다. ψψᵀ를 C·H·W로 나눕니다 (Johnson 식 3).",
        "ψ is the (C, H·W) reshape of the features; return ψψᵀ divided by C·H·W (Johnson eq. 3).",
        answers.johnson_gram, _gram_cases, ("features",), [_layout(True)], _johnson_factors, _gram_shape_hint,
        notebook="02"),
    Lab("total_variation", "전변동 손실", "total variation loss",
        "total_variation(img) -> Tensor (scalar)", f"`img` {_NCHW}", "`()`",
        r"\ell_{TV}(x) = \sum_{c,h,w} (x_{c,h+1,w} - x_{c,h,w})^2 + \sum_{c,h,w} (x_{c,h,w+1} - x_{c,h,w})^2",
        "이웃한 픽셀 차이의 제곱을 세로·가로 방향으로 모두 더하고, 배치에 대해 평균을 냅니다.",
        "Sum the squared differences of neighbouring pixels, vertical and horizontal, per image; return "
        "the mean over the batch.",
        answers.total_variation, _tv_cases, ("img",), _TV_MISTAKES,
        lambda args: [(args[0].shape[0], f"배치 평균 대신 합을 냈습니까? (N = {args[0].shape[0]})",
                       f"a sum over the batch instead of the mean? (N = {args[0].shape[0]})")],
        _tv_shape_hint, scalar=True, notebook="02"),
    Lab("cin_forward", "조건부 인스턴스 정규화", "conditional instance normalisation",
        "cin_forward(x, gamma, beta, weights, eps=1e-5) -> Tensor",
        f"`x` {_NCHW}, `gamma`, `beta` `(S, C)`, `weights` `(S,)` (≥ 0, Σ = 1)", "`(N, C, H, W)`",
        r"\mathrm{CIN}(x; w) = \gamma\,\frac{x - \mu(x)}{\sigma(x)} + \beta,\quad "
        r"\gamma = \sum_s w_s \gamma^s,\quad \beta = \sum_s w_s \beta^s",
        "스타일 S개의 γˢ, βˢ를 가중치 w_s로 섞은 뒤, 인스턴스 정규화한 x에 γ를 곱하고 β를 더합니다.",
        "Mix the S styles' γˢ, βˢ with the weights w_s, then scale the instance-normalised x by γ and "
        "shift it by β.",
        answers.cin_forward, _cin_cases, ("x", "gamma", "beta", "weights"), _CIN_MISTAKES, notebook="03"),
    Lab("adain", "적응적 인스턴스 정규화", "adaptive instance normalisation",
        "adain(content, style, eps=1e-5) -> Tensor", "`content` `(N, C, H, W)`, `style` `(N, C, H', W')`",
        "`(N, C, H, W)`",
        r"\mathrm{AdaIN}(x, y) = \sigma(y)\,\frac{x - \mu(x)}{\sigma(x)} + \mu(y)",
        "μ, σ는 샘플·채널마다 (H, W) 위에서 구합니다 (편향 분산, ε는 제곱근 안). 스타일의 크기는 콘텐츠와 "
        "다를 수 있습니다.",
        "μ, σ per sample and channel over (H, W) (biased variance, ε inside the square root); the style "
        "may have another size than the content.",
        answers.adain, _adain_cases, ("content", "style"), _ADAIN_MISTAKES,
        shape_hints=_adain_shape_hint, notebook="04"),
    Lab("adain_style_loss", "AdaIN의 스타일 손실", "AdaIN's style loss",
        "adain_style_loss(output_feats, style_feats) -> Tensor (scalar)",
        "`output_feats`, `style_feats`: lists of `(N, C_i, H_i, W_i)` (style sizes may differ)", "`()`",
        r"\mathcal{L}_s = \sum_{i} \left\lVert \mu(\phi_i(g(t))) - \mu(\phi_i(s)) \right\rVert_2 + "
        r"\left\lVert \sigma(\phi_i(g(t))) - \sigma(\phi_i(s)) \right\rVert_2",
        "층 i마다 샘플별 채널 평균·표준편차(인스턴스 정규화와 같은 σ)의 차이에 유클리드 노름을 취해 더하고, "
        "배치에 대해 평균을 냅니다.",
        "For each layer i, take the Euclidean norm over the channels of the per-sample mean and std "
        "differences (σ as in instance_norm), sum over layers, average over the batch.",
        answers.adain_style_loss, _ls_cases, ("output_feats", "style_feats"), _LS_MISTAKES, _ls_factors,
        scalar=True, notebook="04"),
    Lab("emd_loss_weights", "EMD 손실 가중치", "EMD loss weights",
        "emd_loss_weights(targets) -> Tensor", "`targets` `(B, 1, H, W)`, values in [0, 1]", "`(B,)`",
        r"N_b = \#\{x < 0.5\} + 1,\quad \mathrm{mean}_b = \frac{1}{N_b}\sum_{x < 0.5} x,\quad "
        r"w = \frac{1}{N_b}\,\mathrm{softmax}_{\mathrm{batch}}(\mathrm{mean}_b)\cdot B",
        "검은 픽셀(값 < 0.5)의 수 N_b(+1)와 검은 픽셀 값의 평균 mean_b를 구하고, W_st = 1/N_b와 "
        "W_b = 배치에 걸친 softmax(mean_b)·B를 곱합니다.",
        "Count the black pixels (value < 0.5) plus one, N_b, take mean_b = their sum / N_b, and return "
        "W_st·W_b = (1/N_b)·softmax over the batch of mean_b, times B.",
        answers.emd_loss_weights, _emd_cases, ("targets",), _EMD_MISTAKES, _emd_factors, notebook="05"),
    Lab("style_ratio", "스타일 비율", "style ratio",
        "style_ratio(out_stats, content_stats, style_stats) -> float",
        "each a list over layers of `(mean, std)`, tensors `(C_l,)`", "a number",
        r"d(a, b) = \sum_l \lVert \mu^l_a - \mu^l_b \rVert_2 + \lVert \sigma^l_a - \sigma^l_b \rVert_2,\quad "
        r"\text{ratio} = \frac{d(\text{out}, s)}{d(c, s)}",
        "층마다 평균과 표준편차 차이의 유클리드 노름을 더해 거리 d를 만들고, d(출력, 스타일) / "
        "d(콘텐츠, 스타일)을 반환합니다. 1이면 콘텐츠보다 스타일에 가깝지 않고, 0이면 스타일의 통계와 같습니다.",
        "Sum the Euclidean norms of the mean and std differences over the layers into d and return "
        "d(output, style) / d(content, style): 1 = no closer to the style, 0 = the style's statistics.",
        answers.style_ratio, _ratio_cases, ("out_stats", "content_stats", "style_stats"), _RATIO_MISTAKES,
        scalar=True, notebook="06"),
    Lab("adain_alpha", "AdaIN의 α 보간", "AdaIN's α trade-off",
        "adain_alpha(content_feat, style_feat, alpha) -> Tensor",
        "`content_feat` `(N, C, H, W)`, `style_feat` `(N, C, H', W')`, `alpha` in [0, 1]", "`(N, C, H, W)`",
        r"t = \alpha\,\mathrm{AdaIN}(x, y) + (1 - \alpha)\,x",
        "AdaIN 출력과 콘텐츠 특징 x를 α로 섞습니다: α = 1이면 완전한 스타일, α = 0이면 콘텐츠 그대로입니다.",
        "Blend AdaIN's output with the content features x: α = 1 full style, α = 0 the content itself.",
        answers.adain_alpha, _alpha_cases, ("content_feat", "style_feat", "alpha"), _ALPHA_MISTAKES,
        shape_hints=_adain_shape_hint, notebook="07"),
]}
