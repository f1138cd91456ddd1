# Sourced by tools/build_web.sh and web/tests/run.sh, from web/: puts a Node.js 20 or newer
# first on PATH. The machine's when it is new enough; else the npm registry's build of
# Node.js 20 (package node-linux-<arch>), unpacked once into web/.node. Debian 12's own
# Node.js is 18, too old for Vite and Playwright. ENTREPOT_NODE_FROM_NPM=1 always uses the
# registry's (to test this path on a machine that has a newer Node.js).

node_major() {
  node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}

use_node_20() {
  if [[ -x .node/bin/node && ("${ENTREPOT_NODE_FROM_NPM:-0}" == "1" || "$(node_major)" -lt 20) ]]; then
    export PATH="$PWD/.node/bin:$PATH"
    return 0
  fi
  if [[ "${ENTREPOT_NODE_FROM_NPM:-0}" != "1" ]] && command -v node >/dev/null 2>&1 &&
    [[ "$(node_major)" -ge 20 ]]; then
    return 0
  fi
  local arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64) arch=arm64 ;;
    *)
      echo "node.sh: no Node.js 20 for $(uname -m): install one" >&2
      return 1
      ;;
  esac
  echo "node.sh: fetching Node.js 20 from the npm registry (node-linux-$arch) into web/.node"
  rm -rf .node.tmp && mkdir -p .node.tmp
  (cd .node.tmp && npm pack "node-linux-$arch@20" --silent >/dev/null &&
    tar xzf node-linux-*.tgz --strip-components=1 && rm node-linux-*.tgz) || return 1
  rm -rf .node && mv .node.tmp .node
  export PATH="$PWD/.node/bin:$PATH"
}
