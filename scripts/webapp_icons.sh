#!/usr/bin/env bash
# Renders the web app's PNG icons from web/icons/icon.svg with headless Chromium (run once
# after changing the SVG; the PNGs are committed): icon-192.png with rounded corners
# (purpose "any", also the apple-touch-icon) and icon-512.png full-bleed (purpose
# "maskable": the launcher cuts its own shape; the mark stays within the 80 % safe zone).
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
svg="$(cat web/icons/icon.svg)"
render() { # size corner-radius out
  local body="${svg/rx=\"14\"/rx=\"$2\"}"
  printf '<!doctype html><style>html,body{margin:0;background:transparent}svg{display:block;width:%spx;height:%spx}</style>%s' \
    "$1" "$1" "$body" >"$WORK/icon.html"
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --default-background-color=00000000 --user-data-dir="$WORK/profile" \
    --window-size="$1,$1" --screenshot="$3" "file://$WORK/icon.html" 2>/dev/null
}
render 192 14 web/icons/icon-192.png
render 512 0 web/icons/icon-512.png
ls -l web/icons/
