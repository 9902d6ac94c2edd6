#!/usr/bin/env bash
# Builds the browser bundle (release, size-optimised wasm + wasm-opt) into dist/ and
# precompresses it so the server can send .gz files as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
log "fetching crates (Trunk builds offline)"
cargo fetch --quiet
log "building the web app (trunk build --release)"
trunk build --release
for f in dist/*.wasm dist/*.js dist/*.css; do
  [ -f "$f" ] && gzip -9 -k -f "$f"
done
