#!/usr/bin/env bash
# The portal beside the stack's floor (Performance issue; not a timed test):
#
#   scripts/bench.sh [--cores N] [--pg] [-- BENCH ARGS…]
#
# Builds the release server and the `bench` example (server/examples/bench.rs), which
# starts a bare axum "ok" server (the floor) and the portal, pins both to the first N
# CPUs (default 1) and itself to the others, and runs interleaved floor/portal rounds
# for /api/v1/health, a static file, the captcha, the card query overview and the
# whole stop wizard (SQLite; with --pg also PostgreSQL with one and two instances).
# It prints req/s, p50/p99, server CPU per request and the ratio to the floor per
# server CPU-second, statements per step, and memory. Then a phone (Chromium, 360 px)
# walks / → «停卡掛失» → consent → captcha and the bytes it transferred are summed,
# and the consent page's layout shift is measured on slow 4G.
#
# BENCH ARGS: --seconds S (per round, default 5), --rounds R (default 3),
# --connections C (default 64), --clients C (wizards, default 32), --json,
# --only health,static,captcha,query,wizard,pg (some scenarios; for profiling one with
# `perf record -p <portal pid>`).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

cores=1
pg=0
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --cores) cores="$2"; shift 2 ;;
        --pg) pg=1; shift ;;
        --) shift; extra+=("$@"); break ;;
        *) extra+=("$1"); shift ;;
    esac
done

[ -f dist/index.html ] || bash scripts/build-site.sh
log "building the release server and the bench"
cargo build --release -p server --bin server --example bench
target="${CARGO_TARGET_DIR:-target}/release"

if [ "$pg" = 1 ]; then
    eval "$(bash scripts/postgres-test.sh)"
    extra+=(--pg-admin-url "$TEST_POSTGRES_ADMIN_URL")
fi

log "machine"
echo "$(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); $(free -g | awk '/Mem:/ {print $2}') GB memory; $(uname -sr)"

log "floor and portal"
"$target/examples/bench" --server "$target/server" --site dist --cores "$cores" "${extra[@]}"

log "a parent's journey on a phone"
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
PORTAL_ADDR="127.0.0.1:$port" DATABASE_URL="sqlite://$work/journey.db" PORTAL_DATA_DIR="$work/data" \
    PORTAL_SITE_DIR=dist PORTAL_DEMO=0 RUST_LOG=warn "$target/server" serve >"$work/server.log" 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$port/api/v1/health" >/dev/null && break
    sleep 0.1
done
journey="$(cd end2end && node bench/journey.mjs "http://127.0.0.1:$port")"
python3 - "$journey" <<'PY'
import json, sys
j = json.loads(sys.argv[1])
print("| journey (360 px, zh-TW) | value |\n|---|---:|")
print(f"| bytes from / to the captcha shown | {j['journey_bytes']/1024:.0f} KB in {j['requests']} requests |")
for t, b in sorted(j['by_type'].items(), key=lambda kv: -kv[1]):
    print(f"| … {t} | {b/1024:.0f} KB |")
print(f"| layout shift (CLS), /card/stop/consent, slow 4G | {j['cls_consent']:.3f} |")
PY
