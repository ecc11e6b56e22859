"""Font style transfer (EMD, Zhang et al., CVPR 2018): glyph data, the model, baselines, metrics.

``glyphs`` (font manifest, rendering, missing-glyph detection), ``data`` (known / novel splits,
triplet sampling), ``emd`` (encoders, bilinear mixer, decoder, weighted loss), ``pix2pix`` (the
per-style baseline), ``metrics`` (L1, RMSE, PDAR) and ``figures``. The notebook's experiments live in
``stylelab.studies.emd``.
"""

from . import data, emd, figures, glyphs, metrics, pix2pix

__all__ = ["data", "emd", "figures", "glyphs", "metrics", "pix2pix"]
