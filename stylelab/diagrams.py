"""Block diagrams of the deck's systems, drawn by code: Johnson (transform net + loss network), AdaIN
(encoder → AdaIN → decoder, and its losses) and EMD (style encoder, content encoder, mixer, decoder).

Each function returns a matplotlib Figure (boxes, arrows, bilingual labels) sized for a notebook's
width; the labels use a CJK-capable font (:func:`stylelab.fonts.figures.cjk_font_family`), so Hangul
draws instead of tofu boxes. Layer names come from the methods' own constants.
"""

from __future__ import annotations

from collections.abc import Sequence

# colours: inputs/outputs, trained nets, fixed nets, operations, losses
_IMAGE, _TRAINED, _FIXED, _OP, _LOSS = "#f4f4f4", "#cfe3f7", "#e3e3e3", "#fde9c8", "#f7d4d4"


class _Canvas:
    """An axis in data units (0..width × 0..height) with box and arrow helpers."""

    def __init__(self, width: float, height: float, title: str):
        import matplotlib.pyplot as plt

        from .fonts.figures import cjk_font_family

        self.family = cjk_font_family()
        self.fig, self.ax = plt.subplots(figsize=(width / 10, height / 10))
        self.ax.set_xlim(0, width)
        self.ax.set_ylim(0, height)
        self.ax.set_aspect("equal")
        self.ax.axis("off")
        self.ax.set_title(title, fontsize=11, family=self.family)

    def text(self, x: float, y: float, s: str, size: float = 8.5, **kw):
        return self.ax.text(x, y, s, ha=kw.pop("ha", "center"), va=kw.pop("va", "center"), fontsize=size,
                            family=self.family, **kw)

    def box(self, x: float, y: float, w: float, h: float, label: str, colour: str = _IMAGE,
            size: float = 8.5, dashed: bool = False, label_at: str = "center"):
        """A rounded box with lower-left corner (x, y); returns its anchor points."""
        from matplotlib.patches import FancyBboxPatch

        self.ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.3,rounding_size=1.2",
                                         facecolor=colour, edgecolor="#555555", linewidth=1.0,
                                         linestyle="--" if dashed else "-"))
        if label_at == "top":
            self.text(x + w / 2, y + h - 1.6, label, size, va="top")
        else:
            self.text(x + w / 2, y + h / 2, label, size)
        return {"l": (x, y + h / 2), "r": (x + w, y + h / 2), "t": (x + w / 2, y + h), "b": (x + w / 2, y),
                "c": (x + w / 2, y + h / 2)}

    def arrow(self, start: Sequence[float], end: Sequence[float], label: str = "", colour: str = "#333333",
              size: float = 7.5, dashed: bool = False, bend: float = 0.0, offset: Sequence[float] = (0, 1.4)):
        self.ax.annotate("", xy=end, xytext=start,
                         arrowprops=dict(arrowstyle="-|>", color=colour, lw=1.1, shrinkA=2, shrinkB=2,
                                         linestyle="--" if dashed else "-",
                                         connectionstyle=f"arc3,rad={bend}"))
        if label:
            mx, my = (start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1]
            self.text(mx, my, label, size, color=colour)

    def legend(self, x: float, y: float):
        """The colour key, one row along the bottom."""
        items = [(_TRAINED, "학습함 · trained"), (_FIXED, "고정 · fixed"), (_OP, "연산 · operation"),
                 (_LOSS, "손실 · loss")]
        for k, (colour, label) in enumerate(items):
            self.box(x + k * 15, y, 2.5, 1.6, "", colour)
            self.text(x + k * 15 + 4, y + 0.8, label, 7.5, ha="left")

    def done(self):
        self.fig.tight_layout()
        return self.fig


def johnson_system():
    """Johnson et al.: the image transformation network f_W maps x to ŷ; the fixed loss network φ
    (VGG-16) compares ŷ with the content target y_c (feature reconstruction loss at one layer) and the
    style target y_s (style reconstruction loss between Gram matrices at four layers)."""
    from .methods.feedforward import JOHNSON_CONTENT_LAYER, JOHNSON_STYLE_LAYERS

    cv = _Canvas(100, 50, "Johnson 등 · Johnson et al.: 변환 네트워크 + 손실 네트워크 · transform net + loss network")
    x = cv.box(1, 21, 10, 8, "입력 x\ninput x")
    f = cv.box(16, 18, 17, 14, "변환 네트워크 f_W\nimage transform net\n(학습 · trained)", _TRAINED)
    y = cv.box(38, 21, 7, 8, "ŷ", size=11)
    cv.arrow(x["r"], f["l"])
    cv.arrow(f["r"], y["l"])
    cv.box(50, 12, 49, 26, "손실 네트워크 φ · loss network (VGG-16, 고정 · fixed)", _FIXED, size=8,
           label_at="top")
    layers = [cv.box(52 + 12 * k, 19, 9.5, 7, name, "#ffffff", size=7.5)
              for k, name in enumerate(JOHNSON_STYLE_LAYERS)]
    cv.arrow(y["r"], layers[0]["l"])
    for a, b in zip(layers, layers[1:]):
        cv.arrow(a["r"], b["l"])
    ys = cv.box(36, 41, 13, 7, "스타일 목표 y_s\nstyle target", size=7.5)
    yc = cv.box(36, 2, 13, 7, "콘텐츠 목표 y_c\ncontent target (= x)", size=7.5)
    cv.arrow(ys["r"], (52, 36), dashed=True)
    cv.arrow(yc["r"], (52, 14), dashed=True)
    style = cv.box(58, 41, 41, 7, "스타일 재구성 손실 ℓ_style: 그람 행렬 차이 · Gram loss", _LOSS, size=7.5)
    for layer in layers:
        cv.arrow(layer["t"], (layer["t"][0], style["b"][1]), colour="#b03030")
    content = cv.box(58, 2, 41, 7, f"특징 재구성 손실 ℓ_feat ({JOHNSON_CONTENT_LAYER}) · feature loss", _LOSS, size=7.5)
    names = list(JOHNSON_STYLE_LAYERS)
    at = layers[names.index(JOHNSON_CONTENT_LAYER)] if JOHNSON_CONTENT_LAYER in names else layers[1]
    cv.arrow(at["b"], (at["b"][0], content["t"][1]), colour="#b03030")
    cv.text(17, 43, "학습은 f_W만 · only f_W is trained;\nφ는 손실만 잽니다 · φ only measures", 7.5)
    return cv.done()


def adain_system():
    """Huang & Belongie: encoder f (VGG, fixed) → AdaIN → t → decoder g → T(c, s); f again measures
    L_c = ‖f(g(t)) − t‖₂ and L_s on μ, σ at relu1_1 … relu4_1; L = L_c + λ L_s."""
    from .methods.adain.model import ADAIN_LAYER, STYLE_LAYERS

    cv = _Canvas(100, 50, "AdaIN (Huang & Belongie): 인코더 → AdaIN → 디코더 · encoder → AdaIN → decoder")
    c = cv.box(1, 33, 11, 7, "콘텐츠 c\ncontent c")
    s = cv.box(1, 12, 11, 7, "스타일 s\nstyle s")
    enc = cv.box(17, 14, 15, 24, f"인코더 f · encoder\n(VGG → {ADAIN_LAYER},\n고정 · fixed)", _FIXED, size=7.5)
    cv.arrow(c["r"], (enc["l"][0], 36.5))
    cv.arrow(s["r"], (enc["l"][0], 15.5))
    ada = cv.box(37, 21, 11, 10, "AdaIN", _OP, size=10)
    cv.arrow((enc["r"][0], 30), (ada["l"][0], 29), "f(c)", offset=(0, 1.6))
    cv.arrow((enc["r"][0], 22), (ada["l"][0], 23), "f(s)", offset=(0, -1.8))
    dec = cv.box(55, 19, 13, 14, "디코더 g\ndecoder\n(학습 · trained)", _TRAINED)
    cv.arrow(ada["r"], dec["l"], "t")
    out = cv.box(73, 22, 11, 8, "T(c, s)\n= g(t)", size=8)
    cv.arrow(dec["r"], out["l"])
    enc2 = cv.box(87, 15, 12, 22, "인코더 f\nencoder\n(다시 · again)", _FIXED, size=7.5)
    cv.arrow(out["r"], enc2["l"])
    lc = cv.box(55, 41, 44, 7, "콘텐츠 손실 L_c = ‖f(g(t)) − t‖₂ · content loss", _LOSS, size=7.5)
    ls = cv.box(55, 2, 44, 8, "스타일 손실 L_s · style loss\nμ, σ: " + ", ".join(STYLE_LAYERS),
                _LOSS, size=7.5)
    cv.arrow(enc2["t"], (enc2["t"][0], lc["b"][1]), "f(g(t))", colour="#b03030", offset=(-5, 0))
    cv.arrow(ada["t"], (ada["t"][0] + 20, lc["b"][1]), "t (목표 · target)", colour="#b03030", offset=(-8, 1))
    cv.arrow(enc2["b"], (enc2["b"][0], ls["t"][1]), colour="#b03030")
    cv.arrow(s["b"], (ls["l"][0], 6), "φ_i(s)", colour="#b03030", bend=0.15, offset=(0, -2.2))
    cv.text(23, 45, "전체 손실 · total loss\nL = L_c + λ L_s", 9)
    return cv.done()


def emd_system():
    """Zhang, Zhang & Cai (EMD): r style references → style encoder → S; r content references →
    content encoder → C; the bilinear mixer W mixes S and C into F; the decoder (with skip
    connections from the content encoder) draws Î; loss W_st · W_b · |Î − I|."""
    cv = _Canvas(100, 50, "EMD (Zhang 등 · et al.): 스타일과 콘텐츠의 분리 · separating style and content")
    rs = cv.box(1, 35, 13, 9, "스타일 참조 R_S\nstyle refs\n(r장 · r images)", size=7.5)
    rc = cv.box(1, 8, 13, 9, "콘텐츠 참조 R_C\ncontent refs\n(r장 · r images)", size=7.5)
    se = cv.box(19, 34, 16, 11, "스타일 인코더\nstyle encoder", _TRAINED, size=8)
    ce = cv.box(19, 7, 16, 11, "콘텐츠 인코더\ncontent encoder", _TRAINED, size=8)
    cv.arrow(rs["r"], se["l"])
    cv.arrow(rc["r"], ce["l"])
    mixer = cv.box(41, 20, 15, 11, "믹서 W · mixer\nF = S W C\n(bilinear)", _OP, size=8)
    cv.arrow(se["r"], mixer["t"], "S", bend=-0.25, size=10, offset=(-2.5, 2.5))
    cv.arrow(ce["r"], mixer["b"], "C", bend=0.25, size=10, offset=(-2.5, -2.5))
    dec = cv.box(62, 19, 14, 13, "디코더\ndecoder", _TRAINED, size=8.5)
    cv.arrow(mixer["r"], dec["l"], "F")
    out = cv.box(81, 21, 8, 9, "Î", size=11)
    cv.arrow(dec["r"], out["l"])
    cv.arrow((ce["r"][0], 9), (dec["b"][0], dec["b"][1]), "스킵 연결 · skip connections", colour="#2060a0",
             dashed=True, bend=0.2, offset=(6, -5.5))
    target = cv.box(91, 21, 8, 9, "I\n목표\ntarget", size=7.5)
    loss = cv.box(62, 39, 37, 8, "가중 L1 손실 · weighted L1\nW_st · W_b · |Î − I|", _LOSS, size=8)
    cv.arrow(out["t"], (out["t"][0], loss["b"][1]), colour="#b03030")
    cv.arrow(target["t"], (target["t"][0], loss["b"][1]), colour="#b03030")
    cv.legend(38, 0.5)
    return cv.done()
