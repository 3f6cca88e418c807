#!/usr/bin/env bash
# Checks the systemd units with `systemd-analyze verify` (skipped where systemd is absent),
# pointing ExecStart at the given queuecast binary (default: target/debug/queuecast).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(realpath "${1:-$here/../../target/debug/queuecast}")
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "systemd-analyze not found: unit check skipped"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for unit in "$here"/*.service "$here"/*.timer; do
  sed "s#/usr/local/bin/queuecast#$bin#" "$unit" > "$tmp/$(basename "$unit")"
done
# The alert unit's mail command is a placeholder for the town's alerting.
out=$(cd "$tmp" && systemd-analyze verify ./*.service ./*.timer 2>&1 | grep -v "^$" || true)
if [ -n "$out" ]; then
  echo "$out"
  exit 1
fi
echo "systemd units verified"
