#!/usr/bin/env bash
# Builds the web pages (web/, TypeScript with Vite) into web/dist, which `entrepot serve`
# serves at "/" (docs/WEB.md). Installs the npm packages of web/package-lock.json first,
# exactly (npm ci), unless they are installed already for this lock file.
#
#   tools/build_web.sh
#
# Needs Node.js 20 or newer and npm (tools/bootstrap.sh installs them when missing).
set -euo pipefail
cd "$(dirname "$0")/../web"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "build_web.sh: Node.js and npm are missing: run tools/bootstrap.sh" >&2
  exit 1
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [[ "$node_major" -lt 20 ]]; then
  echo "build_web.sh: the pages' tools (Vite, Playwright) need Node.js 20 or newer;" \
    "this machine has $(node --version)" >&2
  exit 1
fi

# The lock file's hash, kept beside the installed packages: a changed lock reinstalls.
stamp="node_modules/.entrepot-lock-sha256"
lock_sha="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$lock_sha" ]]; then
  npm ci --no-audit --no-fund
  echo "$lock_sha" >"$stamp"
fi
npm run build
