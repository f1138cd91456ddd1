#!/usr/bin/env bash
# Builds the web pages (web/, TypeScript with Vite) into web/dist, which `entrepot serve`
# serves at "/" (docs/WEB.md). Installs the npm packages of web/package-lock.json first,
# exactly (npm ci), unless they are installed already for this lock file.
#
#   tools/build_web.sh
#
# Needs npm (tools/bootstrap.sh installs it when missing) and Node.js 20 or newer: when the
# machine's is older (Debian 12's is 18) or missing, the npm registry's build of Node.js 20
# (package node-linux-<arch>) is unpacked into web/.node and used (web/tests/node.sh).
set -euo pipefail
cd "$(dirname "$0")/../web"

if ! command -v npm >/dev/null 2>&1; then
  echo "build_web.sh: npm is missing: run tools/bootstrap.sh" >&2
  exit 1
fi
# shellcheck source=web/tests/node.sh
source tests/node.sh
use_node_20

# The lock file's hash, kept beside the installed packages: a changed lock reinstalls.
stamp="node_modules/.entrepot-lock-sha256"
lock_sha="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$lock_sha" ]]; then
  npm ci --no-audit --no-fund
  echo "$lock_sha" >"$stamp"
fi
npm run build
