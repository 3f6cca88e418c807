#!/usr/bin/env bash
# End-to-end benchmark on ten million simulated tickets (not part of the test suite):
#  - ingest: wall time and peak RSS, next to the in-memory size of the same file as a
#    pandas DataFrame (and the peak RSS of pandas reading it);
#  - profile: wall time, next to a bare scan + aggregate of the store (`summary`).
# Usage: bash benches/ingest_10m.sh [WORKDIR]   (needs ~3 GB disk; first release build ~20 min)
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-/tmp/queuecast-bench}
TARGET=${CARGO_TARGET_DIR:-target}
cargo build --release --quiet
BIN=$TARGET/release/queuecast
mkdir -p "$WORK"
LOG=$WORK/tickets-10m.csv
T="/usr/bin/time -f"
if [ ! -s "$LOG" ]; then
  $T "simulate: %e s wall, peak RSS %M KB" "$BIN" simulate --out "$LOG" --start 2024-01-01 --days 730 --offices 3 --scale 25
fi
echo "log: $(($(wc -l < "$LOG") - 1)) rows, $(du -h "$LOG" | cut -f1)"
rm -rf "$WORK/store" "$WORK/profiles"
$T "ingest: %e s wall, peak RSS %M KB" "$BIN" ingest "$LOG" --store "$WORK/store" > "$WORK/ingest.txt"
grep -E "rows read|stored|quarantined" "$WORK/ingest.txt" | head -3
$T "summary (scan + aggregate of the store): %e s wall, peak RSS %M KB" "$BIN" summary --store "$WORK/store" > /dev/null
$T "profile: %e s wall, peak RSS %M KB" "$BIN" profile --store "$WORK/store" --out "$WORK/profiles" --from 2024-01-01 > "$WORK/profile.txt"
cat "$WORK/profile.txt"
$T "pandas read_csv: %e s wall, peak RSS %M KB" python3 -c "
import pandas as pd, sys
df = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
print(f'pandas DataFrame of {len(df)} rows: {df.memory_usage(deep=True).sum() / 2**20:.0f} MiB in memory')
" "$LOG"
