#!/usr/bin/env bash
# Load and fault check on PostgreSQL (not a timed test; run it by hand):
#
#   scripts/load-fault.sh [--release] [-- EXAMPLE ARGS…]
#
# Starts the throwaway PostgreSQL (scripts/postgres-test.sh) unless
# TEST_POSTGRES_ADMIN_URL answers, builds the `server` binary and the `load_fault`
# example, then per scenario: a fresh database, a roster of 200 holders imported with
# `server import-roster`, one or two `server serve` instances on it, and 32 phones that
# each run a whole wizard (consent, verification with PORTAL_TEST_CAPTCHA, the card,
# a step-up code from the outbox files for half of them) and press «送出» together.
# Prints: scenario, wizards, acknowledged, stored (exactly once), duplicates, 5xx,
# other refusals, resent (after a killed instance), errors in the servers' logs,
# elapsed. Exit status 1 on any 5xx, duplicate or acknowledged-but-not-stored.
#
# Example arguments: --clients N, --holders N, --scenarios stop-1,stop-2,stop-2-kill,
# apply-1,apply-2 (the default: all), --keep (keep the databases and folders).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

profile=debug
cargo_flags=()
if [ "${1:-}" = "--release" ]; then
    profile=release
    cargo_flags=(--release)
    shift
fi
if [ "${1:-}" = "--" ]; then
    shift
fi

log "PostgreSQL"
eval "$(bash scripts/postgres-test.sh)"

log "building server and the load_fault example ($profile)"
cargo build "${cargo_flags[@]}" -p server --bin server --example load_fault

target="${CARGO_TARGET_DIR:-target}/$profile"
log "32 concurrent wizards per scenario"
"$target/examples/load_fault" --server "$target/server" \
    --admin-url "$TEST_POSTGRES_ADMIN_URL" "$@"
