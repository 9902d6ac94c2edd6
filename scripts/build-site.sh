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
# The stop wizard (and the query and apply wizards) is a page of its own with its own, larger bundle, so the home
# page's first load stays small. (Built second: the first build replaces dist/.)
log "building the stop wizard's page"
trunk build --release --dist dist/stop --public-url /stop/ frontend/stop.html
log "building the query and apply wizards' page"
trunk build --release --dist dist/cards --public-url /cards/ frontend/cards.html
log "building the school back office's page"
trunk build --release --dist dist/school --public-url /school/ frontend/school.html
log "building the parent accounts' page"
trunk build --release --dist dist/parent --public-url /parent/ frontend/parent.html
for f in dist/*.wasm dist/*.js dist/*.css dist/{stop,cards,school,parent}/*.wasm dist/{stop,cards,school,parent}/*.js dist/{stop,cards,school,parent}/*.css; do
  [ -f "$f" ] && gzip -9 -k -f "$f"
done
