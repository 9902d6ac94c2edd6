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
# The stop wizard is a page of its own with its own, larger bundle, so the home
# page's first load stays small. (Built second: the first build replaces dist/.)
log "building the stop wizard's page"
trunk build --release --dist dist/stop --public-url /stop/ frontend/stop.html
for f in dist/*.wasm dist/*.js dist/*.css dist/stop/*.wasm dist/stop/*.js dist/stop/*.css; do
  [ -f "$f" ] && gzip -9 -k -f "$f"
done
