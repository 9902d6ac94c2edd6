#!/usr/bin/env bash
# README command 1: builds everything and starts the portal on SQLite with demo data.
# Installs what the build needs (wasm target, Trunk, wasm-bindgen, wasm-opt) once.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
bash scripts/install-tools.sh build
bash scripts/build-site.sh
log "building the server (release)"
cargo build --release -p server
log "starting (Ctrl-C stops it)"
exec ./target/release/server serve
