#!/usr/bin/env bash
# Installs the Debian 12 packages that building, testing and fuzzing Entrepôt need.
#
#   tools/bootstrap.sh             # build and run: compilers, libraries, Node.js for the pages
#   tools/bootstrap.sh --browser   # and Chromium, for the browser tests (tools/test.sh)
#
# Idempotent and quick when nothing is missing: it asks dpkg first, and runs apt-get (update,
# then install) only for missing packages. Runs as root, or through sudo when available.
# To depend on a new package, add it to PACKAGES below.
set -euo pipefail

PACKAGES=(
  build-essential
  ca-certificates
  cmake
  ninja-build
  pkg-config
  git
  clang              # The asan-ubsan and fuzz presets (sanitizers, libFuzzer).
  libclang-rt-14-dev # clang's sanitizer and libFuzzer runtimes.
  clang-format
  libsqlite3-dev
  sqlite3
  libsimdjson-dev
  nlohmann-json3-dev
  libtomlplusplus-dev
  libcli11-dev
  libgtest-dev
  libgmock-dev
  libbenchmark-dev
  libsodium-dev
  libboost1.81-dev   # Boost.Beast/Asio for the HTTP server (not libboost-dev: 1.74).
  libvalijson-dev    # JSON Schema validation of EPCIS documents (header-only).
  python3-jsonschema # An independent check of exported EPCIS documents in the tests.
  nginx-light        # The HTTP ceiling of tools/bench_http.sh (run with its own config).
  postgresql         # PostgreSQL 15: the throwaway cluster of tools/pg_test_cluster.sh.
  libpq-dev          # libpq, the client of the PostgreSQL journal.
  libhowardhinnant-date-dev # date/tz.h and libdate-tz: labor days in the site's time zone.
  tzdata             # The tz database (/usr/share/zoneinfo) that libdate-tz reads.
)
# Node.js and npm build the web pages (tools/build_web.sh). A machine that has them already
# (a newer Node.js than Debian's, say) keeps its own: Debian's npm would replace it.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  PACKAGES+=(nodejs npm)
fi
if [[ "${1:-}" == "--browser" ]]; then
  PACKAGES+=(chromium)  # The browser tests drive Debian's Chromium (web/tests/).
fi

# Prints the packages of PACKAGES that are not installed (one dpkg-query for all: fast).
missing_packages() {
  local -A installed=()
  local package status
  while read -r package status; do
    if [[ "$status" == "installed" ]]; then
      installed["$package"]=1
    fi
  done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)
  for package in "${PACKAGES[@]}"; do
    if [[ -z "${installed[$package]:-}" ]]; then
      echo "$package"
    fi
  done
}

as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "bootstrap.sh: need root or sudo to run: $*" >&2
    exit 1
  fi
}

main() {
  local -a missing
  mapfile -t missing < <(missing_packages)
  if [[ ${#missing[@]} -eq 0 ]]; then
    echo "bootstrap.sh: all ${#PACKAGES[@]} packages installed"
    return 0
  fi
  echo "bootstrap.sh: installing ${missing[*]}"
  # A missing package may be unknown to a stale or empty package list: refresh it first.
  # (env, because sudo drops the caller's environment.)
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
  mapfile -t missing < <(missing_packages)
  if [[ ${#missing[@]} -ne 0 ]]; then
    echo "bootstrap.sh: still missing after install: ${missing[*]}" >&2
    exit 1
  fi
  echo "bootstrap.sh: all ${#PACKAGES[@]} packages installed"
}

main "$@"
