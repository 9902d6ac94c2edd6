#!/usr/bin/env bash
# Installs every tool the build and the tests need, skipping what is already there.
# Tools live outside the work tree (PORTAL_TOOLS, default ~/.cache/student-card-portal),
# so fresh clones and CI runs on the same machine reuse them.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
TOOLS=${PORTAL_TOOLS:-$HOME/.cache/student-card-portal}
mkdir -p "$TOOLS/bin"
export PATH="$TOOLS/bin:$TOOLS/node/node_modules/.bin:$HOME/.cargo/bin:$PATH"

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130
BINARYEN_VERSION=132

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

want="${1:-all}"   # all | build (no browser, no database server)

if ! rustup target list --installed | grep -q wasm32-unknown-unknown; then
  log "adding the wasm32 target"
  rustup target add wasm32-unknown-unknown
fi

if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
  log "installing trunk $TRUNK_VERSION (takes several minutes once)"
  cargo install trunk --version "$TRUNK_VERSION" --locked --root "$TOOLS"
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # not --locked: its lockfile pins a webpki-roots version the registry lacks
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --root "$TOOLS"
fi

if ! wasm-opt --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
  log "installing binaryen $BINARYEN_VERSION from npm (Debian's 108 miscompiles)"
  mkdir -p "$TOOLS/node"
  (cd "$TOOLS/node" && { [ -f package.json ] || echo '{"private":true}' > package.json; } \
    && npm install --no-audit --no-fund "binaryen@$BINARYEN_VERSION")
fi

if ! command -v brotli >/dev/null; then
  log "installing brotli (the site's precompressed .br files)"
  { [ -f /var/lib/apt/lists/lock ] && apt-get install -y -qq brotli >/dev/null; } \
    || { apt-get update -qq; apt-get install -y -qq brotli >/dev/null; } \
    || log "no brotli: the site is served with gzip only"
fi

if [ "$want" = all ]; then
  if ! cargo nextest --version >/dev/null 2>&1; then
    log "installing cargo-nextest"
    cargo install cargo-nextest --locked --root "$TOOLS"
  fi
  if [ ! -x /usr/bin/chromium ]; then
    log "installing Debian chromium"
    apt-get update -qq
    apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null || apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
  fi
  if ! command -v pg_ctlcluster >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    log "installing PostgreSQL server"
    [ -f /var/lib/apt/lists/lock ] && apt-get update -qq || true
    apt-get install -y -qq postgresql >/dev/null || { apt-get update -qq; apt-get install -y -qq postgresql >/dev/null; }
  fi
  if [ ! -d "$here/end2end/node_modules/@playwright/test" ]; then
    log "installing Playwright (no browser download: Debian chromium is used)"
    (cd "$here/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund 2>/dev/null \
      || PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund)
  fi
fi
log "tools ready"
