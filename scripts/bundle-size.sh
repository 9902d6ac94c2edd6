#!/usr/bin/env bash
# Prints the gzip size of what a phone downloads on the first visit (wasm + JS + CSS of
# the home page, whose HTML the server renders: dist/home/) and fails if it is over
# the budget (default 250 KB); then each page's own bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
budget_kb=${BUNDLE_BUDGET_KB:-250}
total=0
printf '%-44s %10s %10s\n' "file" "raw" "gzip"
first=dist
[ -d dist/home ] && first=dist/home
for f in "$first"/*.wasm "$first"/*.js "$first"/*.css; do
  [ -f "$f" ] || continue
  raw=$(stat -c %s "$f")
  gz=$(gzip -9 -c "$f" | wc -c)
  total=$((total + gz))
  printf '%-44s %10d %10d\n' "$(basename "$f")" "$raw" "$gz"
done
kb=$(( (total + 1023) / 1024 ))
echo "first-load bundle ($first): ${kb} KB gzip (budget ${budget_kb} KB)"
for page in ".:開發用寄件匣與找不到頁面 (dist/)" "stop:停卡掛失" "cards:卡片查詢 / 線上申辦" "school:學校端" "parent:家長專區"; do
  dir=${page%%:*}
  page_total=0
  for f in dist/$dir/*.wasm dist/$dir/*.js dist/$dir/*.css; do
    [ -f "$f" ] || continue
    page_total=$((page_total + $(gzip -9 -c "$f" | wc -c)))
  done
  echo "$dir page (loaded only on entering ${page#*:}): $(( (page_total + 1023) / 1024 )) KB gzip"
done
if [ "$kb" -gt "$budget_kb" ]; then
  echo "over budget" >&2
  exit 1
fi
