"""stylelab: the study group's neural style transfer suite.

Layers, each importing only those above it in this list:

* core: ``errors`` (one-line errors, the one command error handler), ``device``, ``registry`` (the hashed
  TSV registries and ``resolve(name_or_path, kind)``), ``assets`` (images), ``weights`` (model files with
  config and recipe, weights-only loading), ``images``, ``datasets``, ``provenance``;
* building blocks: ``norms`` (BN / IN / CIN / AdaIN and the channel statistics), ``losses`` (content, Gram,
  mean/std, TV), ``colour`` (YIQ, histogram matching, luminance-only transfer), ``encoders`` (one
  ``Encoder`` protocol; VGG-19, the offline VGG16-BN, the AdaIN port's VGG as weight sources), ``nets``,
  ``perceptual``, ``optim`` (the one pixel optimiser), ``training`` (the one training loop, checkpoints),
  ``timing`` and ``fastpath`` (timing primitives, fast inference paths);
* ``methods``: one module per method behind ``methods.base.Method`` and its registry; ``fonts``: EMD;
* ``bench`` (the AdaIN paper's speed table over the registry), ``studies`` (one module per notebook),
  ``artefacts`` (dark blobs and crosshatch measured on a net's outputs);
* teaching: ``say`` (bilingual sentences rendered from computed values), ``glossary`` (the one glossary),
  ``labs`` (graded exercises: the learner's function against the reference), ``diagrams`` (the Johnson,
  AdaIN and EMD systems drawn by code), ``slide_map`` (the deck's slides → notebook sections);
* front ends: ``cli`` (``python -m stylelab train | stylize | bench | reproduce | site``), ``stylize``,
  ``reproduce`` (papermill), ``site``, ``profiles`` (typed), ``experiment`` (notebook set-up).
"""

from .errors import StylelabError

__version__ = "0.1.0"
__all__ = ["StylelabError", "__version__"]
