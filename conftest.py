import os
import tempfile
from pathlib import Path

import pytest

# Notebooks run by nbval write their figures here, not into the committed figures/ folder.
os.environ.setdefault("STYLELAB_FIGURES_DIR", tempfile.mkdtemp(prefix="stylelab-figures-"))
# Tests never wait on a model hub.
os.environ.setdefault("STYLELAB_OFFLINE", "1")

SHARED_ASSETS = Path(__file__).resolve().parents[1] / "shared" / "assets"


@pytest.fixture
def mirror(monkeypatch):
    """The offline asset mirror (CI's ../shared/assets), or skip where there is none."""
    path = os.environ.get("STYLELAB_ASSET_MIRROR") or (str(SHARED_ASSETS) if SHARED_ASSETS.is_dir() else None)
    if not path:
        pytest.skip("no offline asset mirror (set STYLELAB_ASSET_MIRROR)")
    monkeypatch.setenv("STYLELAB_ASSET_MIRROR", path)
    return Path(path)


@pytest.fixture
def one_torch_thread():
    """Tiny models (the font tests): a second intra-op thread gains nothing and, when another process
    holds a core, OpenMP's spin-waiting makes training 10-20x slower (measured on the 2-core CI box)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def seeded_rng():
    """Every test starts from one global RNG state (torch, numpy, random), so the random inputs a test or its
    function-scoped fixtures draw do not depend on which tests ran before it (a fixture once passed alone and failed
    in the suite). ``STYLELAB_TEST_SEED`` picks another state, to see that a test holds beyond one draw."""
    import random

    import numpy as np
    import torch

    seed = int(os.environ.get("STYLELAB_TEST_SEED", "0"))
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
