#!/usr/bin/env bash
# The demo: installs what is needed, builds Entrepôt and runs `entrepot demo`
# (docs/SIMULATOR.md): the example fulfilment centre (examples/fc-lyon) on the embedded
# SQLite store in ./demo-data, served on http://127.0.0.1:8080, with a simulated shift of
# 300 workers driving it through the HTTP API, and the web pages (web/, built by
# tools/build_web.sh). It prints the URLs and the demo accounts, then
# a progress line; Ctrl-C stops it cleanly. Idempotent: a second run resumes the site with
# the next shift. ENTREPOT_DEMO_DATA chooses another directory; arguments go to
# `entrepot demo` (for example --fresh, --speed 60, --listen 127.0.0.1:9090, --once).
set -euo pipefail
cd "$(dirname "$0")/.."

tools/bootstrap.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target entrepot
# The pages are part of the demo; without a Node.js that builds them, the API still runs.
tools/build_web.sh || echo "demo.sh: the web pages could not be built; serving the API only" >&2

exec build/release/src/entrepot/cli/entrepot demo --data "${ENTREPOT_DEMO_DATA:-demo-data}" "$@"
