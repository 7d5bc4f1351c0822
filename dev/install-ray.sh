#!/usr/bin/env bash
# Installs the Ray extra (lessonl[ray]) into .venv for `lessonl batch --ray` and its tests.
# The ray wheel is large (about 80 MB), so it and its dependencies' wheels are kept in
# $LESSONL_WHEEL_CACHE (default ~/.cache/lessonl-wheels, shared with install-local-extras.sh)
# and later runs on the same machine install from there without the index.
# Safe to run again: an installed Ray is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-.venv/bin/python}"
WHEELS="${LESSONL_WHEEL_CACHE:-$HOME/.cache/lessonl-wheels}"
SPEC='ray>=2.9'
say() { echo "install-ray: $*"; }

if "$PY" -c 'import importlib.util, sys; sys.exit(0 if importlib.util.find_spec("ray") else 1)'; then
  say "ray already installed"
  exit 0
fi
mkdir -p "$WHEELS"
if ! "$PY" -m pip install -q --disable-pip-version-check --no-index --find-links "$WHEELS" "$SPEC" 2>/dev/null; then
  say "downloading ray and its dependencies into $WHEELS"
  "$PY" -m pip download -q --disable-pip-version-check --dest "$WHEELS" "$SPEC"
  "$PY" -m pip install -q --disable-pip-version-check --no-index --find-links "$WHEELS" "$SPEC"
fi
say "ray $("$PY" -c 'import ray; print(ray.__version__)') installed"
