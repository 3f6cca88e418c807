#!/usr/bin/env bash
# The nightly job's resources, as a town would see them: `queuecast nightly` on the bundled sample
# and on simulated years of K offices, first run (everything new: ingest, train, export, report),
# then a run with one new day in the inbox, then a run with nothing new. Each run under
# /usr/bin/time -v (wall, user+sys, peak RSS); the store, model and export sizes on disk after it.
# Not part of the test suite (speed goals live in benchmarks).
#
# Usage: bash benches/nightly.sh [sample] [sim]      (default: both)
#   NIGHTLY_WORK=DIR     work directory (default /tmp/queuecast-nightly-bench)
#   NIGHTLY_BIN=PATH     binary to measure (default: the release build, built here)
#   NIGHTLY_YEARS=2      simulated years;  NIGHTLY_OFFICES=3  simulated offices
# Writes benches/results/nightly.md (a Markdown table, one row per run).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${NIGHTLY_WORK:-/tmp/queuecast-nightly-bench}
YEARS=${NIGHTLY_YEARS:-2}
OFFICES=${NIGHTLY_OFFICES:-3}
CASES=("$@")
[ ${#CASES[@]} -eq 0 ] && CASES=(sample sim)
TARGET=${CARGO_TARGET_DIR:-target}
BIN=${NIGHTLY_BIN:-$TARGET/release/queuecast}
[ -n "${NIGHTLY_BIN:-}" ] || cargo build --release --quiet
BIN=$(realpath "$BIN")
rm -rf "$WORK"
mkdir -p "$WORK" benches/results
OUT=benches/results/nightly.md
ROWS=$WORK/rows.md
: > "$ROWS"

# run CASE LABEL DIR ARGS...: one nightly run in DIR, one table row.
run() {
  local case=$1 label=$2 dir=$3
  shift 3
  local t="$WORK/$case-$label.time" log="$WORK/$case-$label.log"
  local code=0
  (cd "$dir" && /usr/bin/time -v -o "$t" "$BIN" nightly --at "$AT" "$@" >"$log.out" 2>"$log") || code=$?
  local wall user sys rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$t")
  user=$(awk -F': ' '/User time/ {print $2}' "$t")
  sys=$(awk -F': ' '/System time/ {print $2}' "$t")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.2f", $2/1048576}' "$t")
  local disk_store disk_export disk_model
  disk_store=$(du -sm "$dir/out/store" 2>/dev/null | cut -f1)
  disk_export=$(du -sm "$dir/out/export" 2>/dev/null | cut -f1)
  disk_model=$(du -sk "$dir/out/model.json" 2>/dev/null | cut -f1)
  echo "| $case | $label | $code | $wall | $(echo "$user + $sys" | bc) | $rss | ${disk_store:-0} MB | ${disk_export:-0} MB | ${disk_model:-0} KB |" >>"$ROWS"
  tail -1 "$log.out"
}

for case in "${CASES[@]}"; do
  dir="$WORK/$case"
  mkdir -p "$dir/inbox"
  case $case in
    sample)
      AT=2026-01-01T02:30:00Z
      cp "$ROOT"/data/sample/tickets-* "$dir/inbox/"
      run sample first "$dir" --inbox inbox
      AT=2026-01-02T02:30:00Z
      run sample nothing-new "$dir" --inbox inbox
      ;;
    sim)
      days=$((365 * YEARS))
      "$BIN" simulate --out "$WORK/sim-all.csv" --start 2024-01-01 --days "$days" --offices "$OFFICES" --seed 7 >/dev/null
      # Everything but the last day first; the last day arrives the next night.
      last=$(date -d "2024-01-01 + $((days - 1)) days" +%F)
      awk -F, -v d="$last" 'NR == 1 || index($0, d "T") == 0' "$WORK/sim-all.csv" > "$dir/inbox/history.csv"
      awk -F, -v d="$last" 'NR == 1 || index($0, d "T") > 0' "$WORK/sim-all.csv" > "$WORK/last-day.csv"
      AT="${last}T02:30:00Z"
      run sim first "$dir" --inbox inbox
      cp "$WORK/last-day.csv" "$dir/inbox/day-$last.csv"
      AT="$(date -d "$last + 1 day" +%F)T02:30:00Z"
      run sim one-new-day "$dir" --inbox inbox
      run sim nothing-new "$dir" --inbox inbox
      ;;
  esac
done

{
  echo "# queuecast nightly: measured runs"
  echo
  echo "$("$BIN" --version) ($BIN), $(nproc) cores, $(date -u +%F). Sample: data/sample (one year, 3 offices)."
  echo "sim: $YEARS simulated years of $OFFICES offices (seed 7), the last day arriving the next night."
  echo
  echo "| data | run | exit | wall | CPU s (user+sys) | peak RSS GB | store | export (all generations) | model |"
  echo "|---|---|---|---|---|---|---|---|---|"
  cat "$ROWS"
} >"$OUT"
cat "$OUT"
