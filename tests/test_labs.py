"""The graded labs accept the reference answers and reject typical mistakes with the right diagnosis.

The wrong answers below are written as a learner would write them (not taken from the grader), and
each test asserts the diagnosis kind (and the factor where there is one).
"""

from __future__ import annotations

import pytest
import torch

from stylelab import labs
from stylelab.labs import answers


def _check(name, fn, capsys=None):
    verdict = labs.check(name, fn)
    assert isinstance(verdict, labs.Verdict)
    return verdict


def _stats(x, dims=(2, 3), unbiased=False, eps=1e-5):
    return x.mean(dims, keepdim=True), (x.var(dims, keepdim=True, unbiased=unbiased) + eps).sqrt()


# ---- every lab -----------------------------------------------------------------------------------


def test_names_are_the_eleven_labs():
    assert labs.names() == ["instance_norm", "gram_matrix", "gatys_layer_loss", "johnson_gram",
                            "total_variation", "cin_forward", "adain", "adain_style_loss",
                            "emd_loss_weights", "style_ratio", "adain_alpha"]


@pytest.mark.parametrize("name", labs.names())
def test_reference_passes(name, capsys):
    verdict = _check(name, getattr(answers, name))
    assert verdict.passed and verdict.kind == "passed"
    out = capsys.readouterr().out
    assert "✔" in out and "통과" in out and "passed" in out


@pytest.mark.parametrize("name", labs.names())
def test_stub_is_not_written(name, capsys):
    def stub(*args, **kwargs):
        raise NotImplementedError

    verdict = _check(name, stub)
    assert not verdict.passed and verdict.kind == "not_written"
    out = capsys.readouterr().out
    assert "아직 작성하지 않았습니다" in out and "not written yet" in out


@pytest.mark.parametrize("name", labs.names())
def test_describe_is_bilingual_with_equation(name):
    text = labs.describe(name)
    assert f"{name}(" in text and "$$" in text and "해답" in text and "answer" in text
    assert any("가" <= ch <= "힣" for ch in text)


def test_unknown_lab_names_the_labs():
    with pytest.raises(KeyError, match="gram_matrix"):
        labs.check("gram", lambda x: x)


def test_other_exception_is_one_line_error(capsys):
    def broken(features):
        return features @ features  # wrong matmul: a shape error inside torch

    verdict = _check("gram_matrix", broken)
    assert verdict.kind == "error" and "RuntimeError" in verdict.message_en
    assert "\n" not in verdict.message_en
    assert capsys.readouterr().out.count("\n") == 2  # one bilingual block: two lines


def test_returns_none_and_not_a_tensor():
    assert _check("gram_matrix", lambda f: None).kind == "type"
    assert _check("gram_matrix", lambda f: f.numpy()).kind == "type"


def test_in_place_modification_is_flagged():
    def in_place(x, eps=1e-5):
        mean, std = _stats(x, eps=eps)
        x -= mean
        x /= std
        return x

    verdict = _check("instance_norm", in_place)
    assert verdict.kind == "in_place" and "`x`" in verdict.message_en


def test_nan_is_reported():
    assert _check("adain", lambda c, s, eps=1e-5: c * float("nan")).kind == "nan"


# ---- instance_norm ---------------------------------------------------------------------------------


def test_instance_norm_mistakes():
    def unbiased(x, eps=1e-5):
        m, s = _stats(x, unbiased=True, eps=eps)
        return (x - m) / s

    def eps_outside(x, eps=1e-5):
        return (x - x.mean((2, 3), keepdim=True)) / (x.std((2, 3), keepdim=True, unbiased=False) + eps)

    def batch_stats(x, eps=1e-5):
        m, s = _stats(x, dims=(0, 2, 3), eps=eps)
        return (x - m) / s

    assert _check("instance_norm", unbiased).kind == "variance"
    assert _check("instance_norm", eps_outside).kind == "eps"
    verdict = _check("instance_norm", batch_stats)
    assert verdict.kind == "axes" and "batch" in verdict.message_en
    assert _check("instance_norm", lambda x, eps=1e-5: x[:, :, 0]).kind == "shape"


# ---- Gram matrices and E_l ---------------------------------------------------------------------


def test_gram_matrix_mistakes():
    def transposed(features):
        f = features.flatten(2)
        return f.transpose(1, 2) @ f

    def normalised(features):
        n, c, h, w = features.shape
        f = features.reshape(n, c, h * w)
        return f @ f.transpose(1, 2) / (h * w)

    verdict = _check("gram_matrix", transposed)
    assert verdict.kind == "transpose" and "FᵀF" in verdict.message_en
    verdict = _check("gram_matrix", normalised)
    assert verdict.kind == "factor" and verdict.factor == pytest.approx(1 / 20)
    assert "H·W = 20" in verdict.message_en
    assert _check("gram_matrix", lambda f: torch.einsum("nchw,ndhw->cd", f, f)).kind == "axes"


def _gram(x):
    f = x.flatten(2)
    return f @ f.transpose(1, 2)


def test_gatys_layer_loss_factor_names_the_missing_constant():
    def no_four(generated, style):
        _, c, h, w = generated.shape
        return ((_gram(generated) - _gram(style)) ** 2).sum() / (c ** 2 * (h * w) ** 2)

    def no_normalisation(generated, style):
        return ((_gram(generated) - _gram(style)) ** 2).sum()

    def mean_of_entries(generated, style):
        _, c, h, w = generated.shape
        return ((_gram(generated) - _gram(style)) ** 2).mean() / (4 * c ** 2 * (h * w) ** 2)

    verdict = _check("gatys_layer_loss", no_four)
    assert verdict.kind == "factor" and verdict.factor == pytest.approx(4, rel=1e-3)
    assert "4" in verdict.message_en and "normalisation" in verdict.message_en
    verdict = _check("gatys_layer_loss", no_normalisation)
    assert verdict.kind == "factor" and verdict.factor == pytest.approx(4 * (3 * 20) ** 2, rel=1e-3)
    verdict = _check("gatys_layer_loss", mean_of_entries)
    assert verdict.kind == "factor" and "mean" in verdict.message_en


def test_gatys_layer_loss_on_features_is_diagnosed():
    def on_features(generated, style):
        _, c, h, w = generated.shape
        return ((generated - style) ** 2).sum() / (4 * c ** 2 * (h * w) ** 2)

    assert _check("gatys_layer_loss", on_features).kind == "features"
    per_sample = lambda g, s: answers.gatys_layer_loss(g, s).reshape(1, 1)  # noqa: E731 - one element is fine
    assert _check("gatys_layer_loss", per_sample).passed


def test_johnson_gram_mistakes():
    assert _check("johnson_gram", answers.gram_matrix).kind == "factor"
    verdict = _check("johnson_gram", lambda f: answers.gram_matrix(f) / f[0, 0].numel())
    assert verdict.kind == "factor" and verdict.factor == pytest.approx(3) and "C = 3" in verdict.message_en

    def reshaped_wrong(features):
        n, c, h, w = features.shape
        f = features.reshape(n, h * w, c)
        return f.transpose(1, 2) @ f / (c * h * w)

    assert _check("johnson_gram", reshaped_wrong).kind == "layout"
    assert _check("johnson_gram", lambda f: f.flatten(2).transpose(1, 2) @ f.flatten(2)).kind == "transpose"


def test_total_variation_mistakes():
    def l1(img):
        dv = (img[:, :, 1:] - img[:, :, :-1]).abs().sum((1, 2, 3))
        dh = (img[..., 1:] - img[..., :-1]).abs().sum((1, 2, 3))
        return (dv + dh).mean()

    def batch_sum(img):
        return answers.total_variation(img) * img.shape[0]

    def per_image(img):
        dv = ((img[:, :, 1:] - img[:, :, :-1]) ** 2).sum((1, 2, 3))
        return dv + ((img[..., 1:] - img[..., :-1]) ** 2).sum((1, 2, 3))

    def one_way(img):
        return ((img[:, :, 1:] - img[:, :, :-1]) ** 2).sum((1, 2, 3)).mean()

    assert _check("total_variation", l1).kind == "abs"
    verdict = _check("total_variation", batch_sum)
    assert verdict.kind == "factor" and verdict.factor == pytest.approx(2)
    verdict = _check("total_variation", per_image)
    assert verdict.kind == "shape" and "mean over the batch" in verdict.message_en
    assert _check("total_variation", one_way).kind == "missing_term"


# ---- CIN, AdaIN -----------------------------------------------------------------------------------


def test_cin_forward_mistakes():
    def swapped(x, gamma, beta, weights, eps=1e-5):
        m, s = _stats(x, eps=eps)
        return (weights @ beta).view(1, -1, 1, 1) * (x - m) / s + (weights @ gamma).view(1, -1, 1, 1)

    def first_style(x, gamma, beta, weights, eps=1e-5):
        m, s = _stats(x, eps=eps)
        return gamma[0].view(1, -1, 1, 1) * (x - m) / s + beta[0].view(1, -1, 1, 1)

    def batch_norm(x, gamma, beta, weights, eps=1e-5):
        m, s = _stats(x, dims=(0, 2, 3), eps=eps)
        return (weights @ gamma).view(1, -1, 1, 1) * (x - m) / s + (weights @ beta).view(1, -1, 1, 1)

    assert _check("cin_forward", swapped).kind == "swapped"
    assert _check("cin_forward", first_style).kind == "weights"
    assert _check("cin_forward", batch_norm).kind == "axes"


def test_adain_mistakes():
    def unbiased(content, style, eps=1e-5):
        (mc, sc), (ms, ss) = _stats(content, unbiased=True, eps=eps), _stats(style, unbiased=True, eps=eps)
        return ss * (content - mc) / sc + ms

    def eps_outside(content, style, eps=1e-5):
        def ms(t):
            return t.mean((2, 3), keepdim=True), t.std((2, 3), keepdim=True, unbiased=False) + eps
        (mc, sc), (my, sy) = ms(content), ms(style)
        return sy * (content - mc) / sc + my

    def roles_swapped(content, style, eps=1e-5):
        return answers.adain(style, content, eps)

    assert _check("adain", unbiased).kind == "variance"
    assert _check("adain", eps_outside).kind == "eps"
    verdict = _check("adain", roles_swapped)
    assert verdict.kind == "swapped" and "content" in verdict.message_en


def test_adain_style_loss_mistakes():
    def authors_mse(outs, styles):
        total = 0.0
        for o, s in zip(outs, styles):
            (mo, so), (ms, ss) = _stats(o), _stats(s)
            total = total + ((mo - ms) ** 2).mean() + ((so - ss) ** 2).mean()
        return total

    def squared(outs, styles):
        total = 0.0
        for o, s in zip(outs, styles):
            (mo, so), (ms, ss) = _stats(o), _stats(s)
            total = total + ((mo - ms) ** 2).flatten(1).sum(1) + ((so - ss) ** 2).flatten(1).sum(1)
        return total.mean()

    def batch_sum(outs, styles):
        return answers.adain_style_loss(outs, styles) * outs[0].shape[0]

    assert _check("adain_style_loss", authors_mse).kind == "mse"
    assert _check("adain_style_loss", squared).kind == "squared"
    verdict = _check("adain_style_loss", batch_sum)
    assert verdict.kind == "factor" and verdict.factor == pytest.approx(2)


# ---- EMD, style ratio, α ----------------------------------------------------------------------------


def _emd(targets, plus=1.0, times_b=True, soft=None):
    flat = targets.flatten(1)
    black = flat < 0.5
    n_b = black.sum(1).float() + plus
    mean_b = (flat * black).sum(1) / n_b
    w_b = (soft or (lambda m: torch.softmax(m, 0)))(mean_b)
    return w_b * (flat.shape[0] if times_b else 1) / n_b


def test_emd_loss_weights_mistakes():
    assert _check("emd_loss_weights", _emd).passed
    verdict = _check("emd_loss_weights", lambda t: _emd(t, times_b=False))
    assert verdict.kind == "factor" and verdict.factor == pytest.approx(1 / 4) and "·B" in verdict.message_en
    assert _check("emd_loss_weights", lambda t: _emd(t, soft=lambda m: torch.softmax(-m, 0))).kind == "softmax"
    assert _check("emd_loss_weights", lambda t: _emd(t, plus=0.0)).kind == "count"
    assert _check("emd_loss_weights", lambda t: _emd(1 - t)).kind != "passed"


def _d(a, b):
    return sum((ma - mb).norm() + (sa - sb).norm() for (ma, sa), (mb, sb) in zip(a, b))


def test_style_ratio_mistakes():
    assert _check("style_ratio", lambda o, c, s: (_d(o, s) / _d(c, s)).item()).passed
    assert _check("style_ratio", lambda o, c, s: float(_d(c, s) / _d(o, s))).kind == "inverted"
    only_mean = lambda o, c, s: float(  # noqa: E731
        sum((a[0] - b[0]).norm() for a, b in zip(o, s)) / sum((a[0] - b[0]).norm() for a, b in zip(c, s)))
    assert _check("style_ratio", only_mean).kind == "missing_term"
    assert _check("style_ratio", lambda o, c, s: "0.5").kind == "type"


def test_adain_alpha_mistakes():
    def reversed_blend(x, y, alpha):
        return (1 - alpha) * answers.adain(x, y) + alpha * x

    def ignores_alpha(x, y, alpha):
        return answers.adain(x, y)

    verdict = _check("adain_alpha", reversed_blend)
    assert verdict.kind == "reversed" and "α" in verdict.message_en
    assert _check("adain_alpha", ignores_alpha).kind == "alpha"
    verdict = _check("adain_alpha", lambda x, y, a: a * answers.adain(x, y) + (1 - a) * y)
    assert verdict.kind == "blend" and "content features x" in verdict.message_en


def test_verdict_is_printed_once_as_two_lines(capsys):
    verdict = _check("gram_matrix", lambda f: _gram(f).transpose(0, 1))
    out = capsys.readouterr().out
    assert out.startswith("✘ [gram_matrix]") and len(out.strip().splitlines()) == 2
    assert verdict.message_ko in out and verdict.message_en in out


def test_other_correct_implementations_pass():
    """Correct answers written another way (torch's own ops, einsum) are accepted."""
    import torch.nn.functional as F

    assert _check("instance_norm", lambda x, eps=1e-5: F.instance_norm(x, eps=eps)).passed
    assert _check("gram_matrix", lambda f: torch.einsum("nchw,ndhw->ncd", f, f)).passed
    assert _check("johnson_gram", lambda f: torch.einsum("nchw,ndhw->ncd", f, f) / f[0].numel()).passed

    def cin(x, gamma, beta, weights, eps=1e-5):
        return F.instance_norm(x, weight=weights @ gamma, bias=weights @ beta, eps=eps)

    assert _check("cin_forward", cin).passed
    assert _check("adain_alpha", lambda x, y, a: torch.lerp(x, answers.adain(x, y), a)).passed


@pytest.mark.parametrize("name", labs.names())
def test_every_catalogued_mistake_gets_its_own_diagnosis(name):
    """The grader's own list of mistakes, each submitted as an answer, is named as that mistake."""
    from stylelab.labs.catalogue import LABS

    for mistake in LABS[name].mistakes:
        verdict = labs.check(name, mistake.fn)
        assert not verdict.passed and verdict.kind == mistake.kind, (mistake.kind, verdict.message_en)


def test_missing_eps_on_a_quiet_channel_is_diagnosed():
    def no_eps(x, eps=1e-5):
        return (x - x.mean((2, 3), keepdim=True)) / x.std((2, 3), keepdim=True, unbiased=False)

    verdict = _check("instance_norm", no_eps)
    assert verdict.kind == "eps" and "missing" in verdict.message_en
