#!/usr/bin/env bash
# The whole check, as CI runs it, on a fresh Debian 12 machine or a developer's:
#   1. tools/bootstrap.sh --browser       (installs missing packages, Chromium included)
#   2. the release preset (GCC, -O2, warnings as errors): the `entrepot` command and the
#      benchmarks (target `programs`), and the web pages (tools/build_web.sh)
#   3. the asan-ubsan preset (clang, AddressSanitizer + UndefinedBehaviorSanitizer): every
#      test and the fuzzers, in one instrumented build
#   4. ctest --preset asan-ubsan: the whole test suite under the sanitizers, the browser
#      tests (web/tests/) included: they must run here, against the instrumented server
#   5. clang-format check of every C++ file against .clang-format, Prettier's of the pages
#   6. tools/run_fuzzers.sh --budget 60 on the asan-ubsan build: every fuzzer, side by side
#      on the cores, about 60 s in all
#
# The tests run once, under the sanitizers, where a memory error or undefined behaviour
# fails them; the release build checks that GCC compiles the product warning-free.
# `ctest --preset release` still runs them unsanitised on a developer's machine.
#
#   tools/test.sh
#   ENTREPOT_SKIP_FUZZ=1 tools/test.sh         # without the fuzz step
#   ENTREPOT_FUZZ_BUDGET=300 tools/test.sh     # fuzz longer: 300 s in all
#   ENTREPOT_FUZZ_SECONDS=60 tools/test.sh     # or 60 s for each fuzzer
#
# A failing step does not hide the others: tests, format and fuzzing all run (fuzzing and
# tests only if their build succeeded), then a summary is printed and the script exits 1 if
# any step failed.

# The step functions are called through run_step, which shellcheck cannot follow.
# shellcheck disable=SC2317
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
# The fuzz step's wall-time budget, shared by all the fuzzers; ENTREPOT_FUZZ_SECONDS instead
# gives each fuzzer that long.
readonly FUZZ_BUDGET="${ENTREPOT_FUZZ_BUDGET:-60}"
readonly FUZZ_SECONDS="${ENTREPOT_FUZZ_SECONDS:-}"
cd "$ROOT"

results=()  # "step: OK (12s)" lines for the summary.
failed=0
ctest_summary=""

# Runs one step, records its outcome and duration; returns its status.
run_step() {
  local name="$1"
  shift
  echo
  echo "=== test.sh: $name"
  local start=$SECONDS status=0
  "$@" || status=$?
  local took=$((SECONDS - start))
  if [[ $status -eq 0 ]]; then
    results+=("$name: OK (${took}s)")
  else
    results+=("$name: FAILED, exit $status (${took}s)")
    failed=1
  fi
  return "$status"
}

skip_step() {
  echo
  echo "=== test.sh: $1: skipped ($2)"
  results+=("$1: skipped ($2)")
}

# Step functions run in an `||` context, where bash ignores `set -e`: chain with && instead.
build_release() {
  cmake --preset release && cmake --build --preset release -j"$(nproc)" --target programs
}

# Every test and the fuzzers, under AddressSanitizer and UndefinedBehaviorSanitizer (see
# CMakePresets.json).
build_sanitized() {
  local -a fresh=()
  local cache="$ROOT/build/asan-ubsan/CMakeCache.txt"
  if [[ -f "$cache" ]] && ! grep -q '^CMAKE_CXX_COMPILER:[A-Z]*=.*clang' "$cache"; then
    # A tree configured when the preset used GCC: CMake cannot switch compilers in place.
    fresh=(--fresh)
  fi
  cmake --preset asan-ubsan "${fresh[@]}" && cmake --build --preset asan-ubsan -j"$(nproc)"
}

run_tests() {
  local log="$ROOT/build/asan-ubsan/ctest.log" status=0
  ENTREPOT_REQUIRE_BROWSER_TESTS=1 ctest --preset asan-ubsan --output-on-failure -j2 2>&1 |
    tee "$log" || status=$?
  ctest_summary="$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" |
    tail -n 1 || true)"
  return "$status"
}

# Prints, NUL-separated, the C++ files to check: tracked or new and not ignored; outside a
# git checkout (an exported tarball), every .h/.cc outside build/.
cxx_files() {
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard -- '*.h' '*.cc'
  else
    find . -path ./build -prune -o -type f \( -name '*.h' -o -name '*.cc' \) -print0
  fi
}

# Every C++ file must be clang-format clean.
check_format() {
  local -a files=()
  local file
  while IFS= read -r -d '' file; do
    if [[ -f "$file" ]]; then  # Skips files deleted but not yet committed.
      files+=("$file")
    fi
  done < <(cxx_files)
  echo "clang-format: checking ${#files[@]} files ($(clang-format --version))"
  if [[ ${#files[@]} -eq 0 ]]; then
    return 0
  fi
  if ! clang-format --dry-run --Werror --style=file "${files[@]}"; then
    echo "test.sh: run clang-format -i on the files above" >&2
    return 1
  fi
  # The pages' TypeScript, CSS and tests: Prettier, installed by tools/build_web.sh.
  if ! (cd web && npx --no-install prettier --check src tests public); then
    echo "test.sh: run (cd web && npm run format)" >&2
    return 1
  fi
}

run_step bootstrap tools/bootstrap.sh --browser || exit 1  # Nothing else can work without it.
run_step release build_release || true
run_step web tools/build_web.sh || true  # A failure here fails web_pages_test too.
if run_step sanitized-build build_sanitized; then
  run_step tests run_tests || true
else
  skip_step tests "the sanitized build failed"
fi
run_step format check_format || true
if [[ "${ENTREPOT_SKIP_FUZZ:-0}" == "1" ]]; then
  skip_step fuzz "ENTREPOT_SKIP_FUZZ=1"
elif [[ " ${results[*]} " == *"sanitized-build: FAILED"* ]]; then
  skip_step fuzz "the sanitized build failed"
else
  # The fuzzers were built with the tests (the asan-ubsan preset).
  if [[ -n "$FUZZ_SECONDS" ]]; then
    run_step fuzz env ENTREPOT_FUZZ_PRESET=asan-ubsan tools/run_fuzzers.sh "$FUZZ_SECONDS" ||
      true
  else
    run_step fuzz env ENTREPOT_FUZZ_PRESET=asan-ubsan tools/run_fuzzers.sh --budget \
      "$FUZZ_BUDGET" || true
  fi
fi

echo
echo "=== test.sh: summary"
printf '  %s\n' "${results[@]}"
if [[ -n "$ctest_summary" ]]; then
  echo "$ctest_summary"
fi
exit "$failed"
