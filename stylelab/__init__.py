"""stylelab: the study group's neural style transfer suite.

Modules mirror the talk: ``norms`` (BN / IN / CIN / AdaIN), ``losses`` (content, Gram, mean/std,
TV), ``encoders`` (named-layer VGG), ``images`` and ``assets`` (I/O and the hashed image registry),
``methods.gatys`` (optimisation-based transfer), ``training`` (the shared training loop),
``experiment`` / ``provenance`` (notebook set-up and stamped figures), ``reproduce`` (papermill).
"""

from .errors import StylelabError

__version__ = "0.1.0"
__all__ = ["StylelabError", "__version__"]
