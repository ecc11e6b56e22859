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
