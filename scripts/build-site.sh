#!/usr/bin/env bash
# Builds the browser bundle (release, size-optimised wasm + wasm-opt) into dist/ and
# precompresses it so the server can send .gz files as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
log "fetching crates (Trunk builds offline)"
cargo fetch --quiet
# Every page's wasm in one cargo run first: each binary's fat-LTO link is one thread,
# so one run links two at a time on CI's two cores where five Trunk runs would link
# one after another. Trunk's own cargo calls below (the same arguments) are then fresh.
log "building the pages' wasm (cargo build --bins, profile wasm-release)"
cargo build --target=wasm32-unknown-unknown --manifest-path frontend/Cargo.toml \
  --profile wasm-release --offline --bins
log "building the web app (trunk build --release)"
trunk build --release
# Every other page has its own bundle, so the home page's first load stays small
# (each built after the home page: the first build replaces dist/). The list is
# app::ui::AppPart::bundle's, in AppPart::ALL's order; a server test checks it, and
# each page has frontend/<page>.html and frontend/src/bin/<page>.rs.
PAGES=(stop cards school parent)
# The home page is HTML rendered by the server (app::home::render); Trunk builds its
# shell: the stylesheet and the language select's script (frontend/src/bin/home.rs).
SHELLS=(home)
# gzip and, where the brotli tool is installed, brotli beside each file (served by
# Accept-Encoding; brotli is about a fifth smaller for Wasm).
compress() {
  gzip -9 -k -f "$1"
  if command -v brotli >/dev/null; then brotli -q 11 -k -f "$1"; fi
}
# Two pages at a time: most of a page's build is wasm-opt, on one thread.
build_page() {
  local page="$1"
  if trunk build --release --dist "dist/$page" --public-url "/$page/" "frontend/$page.html" \
    >"target/site-$page.log" 2>&1; then
    log "built the $page page"
  else
    cat "target/site-$page.log" >&2
    log "the $page page failed to build"
    return 1
  fi
}
mkdir -p target
log "building the ${PAGES[*]} ${SHELLS[*]} pages, two at a time"
pids=()
for page in "${PAGES[@]}" "${SHELLS[@]}"; do
  build_page "$page" &
  pids+=($!)
  if [ "${#pids[@]}" -ge 2 ]; then
    wait "${pids[0]}"
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do wait "$pid"; done
for f in dist/*.wasm dist/*.js dist/*.css; do
  [ -f "$f" ] && compress "$f"
done
for page in "${PAGES[@]}" "${SHELLS[@]}"; do
  for f in "dist/$page"/*.wasm "dist/$page"/*.js "dist/$page"/*.css; do
    [ -f "$f" ] && compress "$f"
  done
  # A page's stylesheet that is the home bundle's own (same content, so the same
  # hashed name) is linked at the root, so a phone going from one page to the next
  # downloads it once.
  for f in "dist/$page"/*.css; do
    name="$(basename "$f")"
    if [ -f "dist/$name" ]; then
      sed -i -e "s#href=\"/$page/$name\"#href=\"/$name\"#" -e "s#href=/$page/$name#href=/$name#" "dist/$page/index.html"
    fi
  done
done
