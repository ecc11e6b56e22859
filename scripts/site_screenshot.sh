#!/usr/bin/env bash
# Build the notebook site and photograph two of its pages with headless Chromium, to check that the
# Korean text and the figures render (figures/site/*.png). Needs Debian's chromium and a Hangul font:
#   apt-get install -y chromium fonts-noto-cjk
# Usage: bash scripts/site_screenshot.sh [notebook page, default 03_conditional_instance_norm]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
PAGE=${1:-03_conditional_instance_norm}
SITE=build/site
SHOTS=figures/site
command -v chromium >/dev/null || { echo "site_screenshot: chromium not found (apt-get install -y chromium)" >&2; exit 1; }

"$PYTHON" -m stylelab site --out "$SITE"
mkdir -p "$SHOTS"
for name in index "$PAGE"; do
  # --virtual-time-budget lets the page's scripts (MathJax, when online) run before the shot.
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --virtual-time-budget=5000 \
    --window-size=1280,2000 --screenshot="$SHOTS/$name.png" "file://$PWD/$SITE/$name.html" 2>/dev/null
done
# Keep each screenshot under ~1 MB for the repository: a 256-colour palette, scaled down if still too big.
"$PYTHON" - "$SHOTS/index.png" "$SHOTS/$PAGE.png" <<'EOF'
import sys
from pathlib import Path

from PIL import Image

for path in map(Path, sys.argv[1:]):
    shot = Image.open(path).convert("RGB")
    for scale in (1.0, 0.75, 0.5):
        size = (round(shot.width * scale), round(shot.height * scale))
        shot.resize(size, Image.LANCZOS).quantize(colors=256).save(path, optimize=True)
        if path.stat().st_size < 1_000_000:
            break
    print(f"{path}: {size[0]}x{size[1]}, {path.stat().st_size / 1e3:.0f} kB")
EOF
