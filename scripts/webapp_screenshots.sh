#!/usr/bin/env bash
# Screenshots of every view of the web app at phone (390×844) and desktop (1280×800) width,
# taken by the browser test (tests/webapp) on the sample day and written to
# docs/screenshots/app/ (or the directory given). Needs what .ci/run installs (chromium,
# chromium-driver, selenium in target/ci-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-docs/screenshots/app}"
mkdir -p "$OUT"
WEBAPP_SCREENSHOTS="$(cd "$OUT" && pwd)" cargo test --test webapp -- --nocapture
ls -l "$OUT"
