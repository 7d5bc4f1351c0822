#!/usr/bin/env bash
# Installs code-server 4.100.3 into .e2e/code-server without running npm install scripts:
# its postinstall downloads ripgrep, which fails offline. Steps (checked on Debian 12, node 20):
# npm pack, installs with --ignore-scripts, native rebuilds, Debian's rg, node_modules.asar link,
# the built-in extensions' postinstall.mjs. Idempotent: a stamp file marks a finished install.
# Usage: tests/e2e/vscode/setup-code-server.sh   (env: E2E_DIR, SETUP_TIMEOUT seconds)
set -euo pipefail
cd "$(dirname "$0")/../../.."
VERSION=4.100.3
E2E_DIR="${E2E_DIR:-$PWD/.e2e}"
DEST="$E2E_DIR/code-server"
STAMP="$DEST/.lessonl-installed-$VERSION"
LIMIT="${SETUP_TIMEOUT:-900}"

if [ -f "$STAMP" ]; then
  echo "code-server $VERSION already installed in $DEST"
  exit 0
fi

if [ -z "${_LESSONL_SETUP_TIMED:-}" ]; then
  # Re-run ourselves under a time limit; timeout signals its whole process group (npm, node-gyp...).
  export _LESSONL_SETUP_TIMED=1
  rc=0
  timeout --kill-after=10 "$LIMIT" "$0" "$@" || rc=$?
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    echo "setup-code-server: stopped after $LIMIT s (raise SETUP_TIMEOUT); run it again to start over" >&2
  fi
  exit "$rc"
fi

need=()
for pkg in chromium libxkbfile-dev libsecret-1-dev libkrb5-dev ripgrep; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup-code-server: apt-get install ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "setup-code-server: please install the Debian packages: ${need[*]}" >&2
    exit 1
  fi
fi
command -v g++ >/dev/null && command -v make >/dev/null || { echo "setup-code-server: g++ and make are needed to build native modules" >&2; exit 1; }

rm -rf "$DEST" "$E2E_DIR/pack"
mkdir -p "$E2E_DIR/pack"
echo "setup-code-server: npm pack code-server@$VERSION"
(cd "$E2E_DIR/pack" && npm pack --silent "code-server@$VERSION" >/dev/null)
tar -xzf "$E2E_DIR/pack/code-server-$VERSION.tgz" -C "$E2E_DIR/pack"
mv "$E2E_DIR/pack/package" "$DEST"
rm -rf "$E2E_DIR/pack"

quiet_install() { npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error "$@"; }
echo "setup-code-server: npm install (code-server)"
(cd "$DEST" && quiet_install)
(cd "$DEST" && npm rebuild argon2 --loglevel=error >/dev/null)
echo "setup-code-server: npm install (lib/vscode)"
(cd "$DEST/lib/vscode" && quiet_install)
echo "setup-code-server: native rebuilds"
# node-pty's own postinstall step fails but its binary builds; the error is harmless.
(cd "$DEST/lib/vscode" && npm rebuild kerberos node-pty @parcel/watcher @vscode/spdlog native-watchdog @vscode/deviceid --loglevel=error >/dev/null 2>&1 || true)
test -e "$DEST/lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node" || { echo "setup-code-server: native build of @vscode/spdlog failed" >&2; exit 1; }
echo "setup-code-server: npm install (lib/vscode/extensions)"
(cd "$DEST/lib/vscode/extensions" && quiet_install)
mkdir -p "$DEST/lib/vscode/node_modules/@vscode/ripgrep/bin"
cp "$(command -v rg)" "$DEST/lib/vscode/node_modules/@vscode/ripgrep/bin/rg"
ln -sfn node_modules "$DEST/lib/vscode/node_modules.asar"
(cd "$DEST/lib/vscode/extensions" && if [ -f postinstall.mjs ]; then node postinstall.mjs >/dev/null; fi)
touch "$STAMP"
echo "setup-code-server: code-server $VERSION installed in $DEST"
