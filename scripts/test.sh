#!/usr/bin/env bash
# README command 2: installs everything the tests need, then runs every test:
# Rust unit and integration tests on SQLite and on PostgreSQL, the bundle budget, and
# the Playwright suite (phone and desktop) in Debian Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
start=$(date +%s)
bash scripts/install-tools.sh all
bash scripts/build-site.sh
log "bundle budget"
bash scripts/bundle-size.sh

log "Rust tests on SQLite"
# The default members (app, server, migrations), built once by nextest: the test
# build also writes target/debug/server, which the integration tests and Playwright
# run. (A separate `cargo build -p server` unified features differently and compiled
# app and its dependencies a second time. frontend is Trunk's alone.)
cargo nextest run --no-fail-fast

log "Rust tests on PostgreSQL"
pg_env="$(bash scripts/postgres-test.sh)"
eval "$pg_env"
# The same build as the SQLite run (selecting the server's tests by filter, not by
# `-p server`, which would unify features differently and compile app again).
TEST_POSTGRES_ADMIN_URL="$TEST_POSTGRES_ADMIN_URL" cargo nextest run --no-fail-fast -E 'package(server)'

log "Playwright (phone and desktop)"
(cd end2end && npx playwright test)

log "all tests passed in $(( $(date +%s) - start )) s"
