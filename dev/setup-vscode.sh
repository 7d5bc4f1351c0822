#!/usr/bin/env bash
# The VS Code extension's node modules and .vsix, and a local code-server + Chromium for its
# end-to-end tests. Called by `dev/setup --all`; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "setup-vscode: please install node 20 and npm" >&2; exit 1
  fi
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules
fi
npm run --silent package >/dev/null
bash tests/e2e/vscode/setup-code-server.sh
