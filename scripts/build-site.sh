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
# Every other page has its own bundle, so the home page's first load stays small
# (each built after the home page: the first build replaces dist/). The list is
# app::ui::AppPart::bundle's, in AppPart::ALL's order; a server test checks it, and
# each page has frontend/<page>.html and frontend/src/bin/<page>.rs.
PAGES=(stop cards school parent)
# gzip and, where the brotli tool is installed, brotli beside each file (served by
# Accept-Encoding; brotli is about a fifth smaller for Wasm).
compress() {
  gzip -9 -k -f "$1"
  if command -v brotli >/dev/null; then brotli -q 11 -k -f "$1"; fi
}
for page in "${PAGES[@]}"; do
  log "building the $page page"
  trunk build --release --dist "dist/$page" --public-url "/$page/" "frontend/$page.html"
done
for f in dist/*.wasm dist/*.js dist/*.css; do
  [ -f "$f" ] && compress "$f"
done
for page in "${PAGES[@]}"; do
  for f in "dist/$page"/*.wasm "dist/$page"/*.js "dist/$page"/*.css; do
    [ -f "$f" ] && compress "$f"
  done
done
