#!/usr/bin/env bash
# Create .venv with stylelab, its notebook/test tools, ONNX export + onnxruntime and the offline encoder; install the fonts
# the EMD notebook renders glyphs from and the packages holding the offline training photographs
# (Debian packages, when run as root or with sudo).
# Idempotent: a second run only checks that everything is there. `--list-fonts` / `--list-photos`
# only print the font / photo packages it would install.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

# The font packages come from the EMD font manifest: the quick profile's by default,
# every profile's with STYLELAB_FONTS=full (about 0.5 GB more, for the full GPU run).
FONT_PROFILE=${STYLELAB_FONTS:-quick}
mapfile -t FONT_PACKAGES < <(awk -F'\t' -v p="$FONT_PROFILE" \
  '!/^#/ && $1 != "name" && NF >= 5 && index("," $4 ",", "," p ",") { print $5 }' stylelab/data/fonts.tsv | sort -u)
if [ ${#FONT_PACKAGES[@]} -eq 0 ]; then
  echo "setup: no font packages for STYLELAB_FONTS=$FONT_PROFILE (use quick or full)" >&2; exit 1
fi
if [ "${1:-}" = "--list-fonts" ]; then printf '%s\n' "${FONT_PACKAGES[@]}"; exit 0; fi
# The training photographs for the feed-forward nets (stylelab.datasets) come from the photo manifest:
# every row whose source is debian:PACKAGE (about 180 MB of wallpaper/game packages, no dependencies).
mapfile -t PHOTO_PACKAGES < <(awk -F'\t' \
  '!/^#/ && $1 != "name" && $2 ~ /^debian:/ { sub(/^debian:/, "", $2); print $2 }' stylelab/data/photos.tsv | sort -u)
if [ "${1:-}" = "--list-photos" ]; then printf '%s\n' "${PHOTO_PACKAGES[@]}"; exit 0; fi
missing=()
for pkg in "${FONT_PACKAGES[@]}" "${PHOTO_PACKAGES[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else SUDO="none"; fi
  if [ "$SUDO" = none ]; then
    echo "setup: cannot install the font/photo packages (${missing[*]}) without root; the notebooks will say what is missing" >&2
  else
    echo "setup: installing font/photo packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
if ! .venv/bin/python -c "import stylelab, papermill, nbval, torchvision, easyocr_en_models, ipywidgets, jupyterlab_widgets, fontTools, onnx, onnxruntime, onnxscript" 2>/dev/null; then
  echo "setup: installing stylelab into .venv (torch is large: a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[offline,test]'
fi
# The static site's browser packages, pinned by package-lock.json (onnxruntime-web for demo.html, MathJax for
# the equations): python -m stylelab site copies them into the site folder. Without npm the site still builds
# (no demo, equations from a CDN) and says so; the site tests need them.
if ! command -v npm >/dev/null; then
  if [ "$(id -u)" = 0 ]; then AS_ROOT=""; elif command -v sudo >/dev/null; then AS_ROOT="sudo"; else AS_ROOT="none"; fi
  if [ "$AS_ROOT" != none ]; then
    echo "setup: installing nodejs and npm (for the site's npm packages)"
    $AS_ROOT apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $AS_ROOT apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
fi
if command -v npm >/dev/null; then
  if ! cmp -s package-lock.json node_modules/.stylelab-package-lock.json; then
    echo "setup: installing the site's npm packages (onnxruntime-web, mathjax) into node_modules"
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
    cp package-lock.json node_modules/.stylelab-package-lock.json
  fi
else
  echo "setup: npm not found: install Node.js and npm, then rerun (python -m stylelab site builds without the live demo meanwhile)" >&2
fi
echo "setup: ok ($(.venv/bin/python -c 'import torch, torchvision; print("torch", torch.__version__, "torchvision", torchvision.__version__)'))"
