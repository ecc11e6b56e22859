#!/usr/bin/env bash
# Build the site and photograph it in headless Chromium with the network off (figures/site/*.png): the index,
# a notebook page (Korean text and figures), notebook 04's equations typeset by the bundled MathJax, and
# demo.html after a run of each net on a bundled photo. Needs Debian's chromium and a Hangul font
#   apt-get install -y chromium fonts-noto-cjk
# and the site's npm packages (npm ci --ignore-scripts; scripts/setup.sh runs it). Offline, the demo's bundled photos
# come from the asset mirror: STYLELAB_ASSET_MIRROR=/path/to/assets bash scripts/site_screenshot.sh
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
"$PYTHON" - "$SITE" "$SHOTS" "$PAGE" <<'EOF'
import sys
import time
from pathlib import Path

from PIL import Image

from stylelab.headless import Chromium

site, shots, notebook_page = Path(sys.argv[1]).resolve(), Path(sys.argv[2]), sys.argv[3]


def small(path: Path) -> None:
    """Keep each screenshot under ~1 MB for the repository: a 256-colour palette, scaled down if still too big."""
    shot = Image.open(path).convert("RGB")
    for scale in (1.0, 0.75, 0.5):
        size = (round(shot.width * scale), round(shot.height * scale))
        shot.resize(size, Image.LANCZOS).quantize(colors=256).save(path, optimize=True)
        if path.stat().st_size < 1_000_000:
            break
    print(f"{path}: {size[0]}x{size[1]}, {path.stat().st_size / 1e3:.0f} kB")


with Chromium(offline=True, width=1280, height=2000) as browser:  # offline: what a reader without a network sees
    for name in (notebook_page, "04_adain"):
        page = browser.open((site / f"{name}.html").as_uri())
        page.wait_for("document.body.dataset.mathjax === 'done'", timeout=60)
        small(page.screenshot(shots / f"{name}.png", full_page=False))
with Chromium(offline=True, width=1280, height=700) as browser:
    small(browser.open((site / "index.html").as_uri()).screenshot(shots / "index.png"))
with Chromium(offline=True, width=1280, height=1100) as browser:
    page = browser.open((site / "demo.html").as_uri())
    page.wait_for("window.stylelabDemo !== undefined", timeout=30)
    page.evaluate("stylelabDemo.ready")
    if not page.evaluate("document.querySelector('#content-choices button') !== null"):
        sys.exit("site_screenshot: the demo has no bundled photo to run on (the build could not fetch the AdaIN "
                 "images); set STYLELAB_ASSET_MIRROR or build online")
    page.evaluate("document.querySelector('#content-choices button').click()")  # the first bundled photo
    page.evaluate("document.querySelector('#style-choices button[data-name=\"style/sketch\"]')?.click()")
    page.evaluate("stylelabDemo.idle()")
    page.evaluate("const s = document.querySelectorAll('#mix-sliders input');"
                  "s.forEach((x, i) => { x.value = [50, 0, 0, 50][i]; }); s[0].dispatchEvent(new Event('input'))")
    for net in ("johnson", "cin", "adain"):  # the last one's result stays on the page
        page.evaluate(f"document.querySelector('input[name=net][value={net}]').click()")
        start = time.time()
        result = page.evaluate("stylelabDemo.run()", timeout=600)
        print(f"demo: {net} {result['width']}x{result['height']} on {result['backend']}: {result['ms']} ms per image "
              f"({time.time() - start:.1f} s with loading)")
    small(page.screenshot(shots / "demo.png", full_page=True))
EOF
