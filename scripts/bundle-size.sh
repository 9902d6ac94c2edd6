#!/usr/bin/env bash
# Prints the gzip size of what a phone downloads on the first visit (wasm + JS + CSS)
# and fails if it is over the budget (default 250 KB).
set -euo pipefail
cd "$(dirname "$0")/.."
budget_kb=${BUNDLE_BUDGET_KB:-250}
total=0
printf '%-44s %10s %10s\n' "file" "raw" "gzip"
for f in dist/*.wasm dist/*.js dist/*.css; do
  [ -f "$f" ] || continue
  raw=$(stat -c %s "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  total=$((total + gz))
  printf '%-44s %10d %10d\n' "$(basename "$f")" "$raw" "$gz"
done
kb=$(( (total + 1023) / 1024 ))
echo "first-load bundle: ${kb} KB gzip (budget ${budget_kb} KB)"
stop_total=0
for f in dist/stop/*.wasm dist/stop/*.js dist/stop/*.css; do
  [ -f "$f" ] || continue
  stop_total=$((stop_total + $(gzip -9 -c "$f" | wc -c)))
done
echo "stop wizard page (loaded only on entering 停卡掛失): $(( (stop_total + 1023) / 1024 )) KB gzip"
if [ "$kb" -gt "$budget_kb" ]; then
  echo "over budget" >&2
  exit 1
fi
