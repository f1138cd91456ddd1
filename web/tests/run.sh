#!/usr/bin/env bash
# Runs the browser tests (web_pages_test in ctest; web/CMakeLists.txt says what they need).
set -euo pipefail
cd "$(dirname "$0")/.."

skip() {
  if [[ "${ENTREPOT_REQUIRE_BROWSER_TESTS:-0}" == "1" ]]; then
    echo "web_pages_test: cannot run: $1" >&2
    exit 1
  fi
  echo "web_pages_test: skipped: $1"
  exit 77
}

[[ -f dist/index.html ]] || skip "the pages are not built (tools/build_web.sh)"
[[ -d node_modules/playwright-core ]] || skip "the npm packages are not installed (tools/build_web.sh)"
[[ -x "${ENTREPOT_CHROMIUM:-/usr/bin/chromium}" ]] ||
  skip "Chromium is not installed (tools/bootstrap.sh --browser)"
# shellcheck source=web/tests/node.sh
source tests/node.sh
use_node_20 || skip "no Node.js 20 or newer"
exec node --test --test-concurrency=1 tests/pages.test.mjs
