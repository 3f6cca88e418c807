#!/usr/bin/env bash
# Where the time of `ingest` and `profile` goes, on a data set that benches/e2e.sh generated:
# software counters (perf stat: task clock, page faults, context switches), a sampled CPU
# profile (perf record -e cpu-clock; hardware counters are not available on this VM) with the
# hottest symbols, and the number of heap allocations (a uprobe on mimalloc's entry points;
# slow, so only with PERF_ALLOCS=1). Writes DIR/perf/<data>-<stage>.{stat,top,allocs}.txt.
#
# Usage: bash benches/perf_stages.sh DATA...      e.g. bash benches/perf_stages.sh 1m-3o 1m-85o
#   E2E_WORK=DIR   where e2e.sh put the data (default /tmp/queuecast-e2e)
#   PERF_STAT=0    skip the perf stat run (e2e.sh's /usr/bin/time records have the page faults)
# Needs Debian's linux-perf and root (uprobes).
set -uo pipefail   # no -e: perf report piped into head ends with SIGPIPE
cd "$(dirname "$0")/.."
WORK=${E2E_WORK:-/tmp/queuecast-e2e}
BIN=$PWD/${CARGO_TARGET_DIR:-target}/release/queuecast
OUT=$WORK/perf
mkdir -p "$OUT"
EVENTS=task-clock,page-faults,minor-faults,major-faults,context-switches,cpu-migrations

stage_cmd() { # DATA STAGE STORE: the command line of a stage
  case "$2" in
    ingest) echo "$BIN ingest $WORK/tickets-$1.csv --store $3" ;;
    profile) echo "$BIN profile --store $3 --out $WORK/$1/perf-profiles --from 2024-01-01 --no-suppression" ;;
  esac
}

for data in "$@"; do
  for stage in ingest profile; do
    store=$WORK/$data/perf-store
    [ "$stage" = ingest ] && rm -rf "$store"
    cmd=$(stage_cmd "$data" "$stage" "$store")
    echo "== $data $stage" >&2
    if [ "${PERF_STAT:-1}" = 1 ]; then
      perf stat -e "$EVENTS" -o "$OUT/$data-$stage.stat.txt" -- $cmd > /dev/null
      [ "$stage" = ingest ] && rm -rf "$store"
    fi
    perf record -q -e cpu-clock -F 499 -o "$OUT/$data-$stage.perf.data" -- $cmd > /dev/null 2>&1
    perf report -i "$OUT/$data-$stage.perf.data" --stdio --no-children --sort symbol 2>/dev/null \
      | grep -v '^#' | grep -v '^$' | head -40 > "$OUT/$data-$stage.top.txt"
    perf report -i "$OUT/$data-$stage.perf.data" --stdio --no-children --sort dso 2>/dev/null \
      | grep -v '^#' | grep -v '^$' | head -8 >> "$OUT/$data-$stage.top.txt"
    if [ "${PERF_ALLOCS:-0}" = 1 ]; then
      [ "$stage" = ingest ] && rm -rf "$store"
      probes=()
      for f in mi_malloc_aligned mi_zalloc_aligned mi_realloc_aligned mi_malloc mi_free; do
        if perf probe -q -x "$BIN" --add "qc_$f=$f" 2>/dev/null; then probes+=(-e "probe_queuecast:qc_$f"); fi
      done
      perf stat "${probes[@]}" -o "$OUT/$data-$stage.allocs.txt" -- $cmd > /dev/null || true
      perf probe -q -d 'probe_queuecast:*' 2>/dev/null || true
    fi
    rm -f "$OUT/$data-$stage.perf.data"
  done
done
ls -l "$OUT"
