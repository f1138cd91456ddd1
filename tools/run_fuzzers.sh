#!/usr/bin/env bash
# Builds the `fuzz` preset (clang, libFuzzer, ASan + UBSan) and runs every fuzzer listed in
# build/fuzz/fuzz/fuzzers.txt (scan_record_fuzzer, gs1_fuzzer, http_request_fuzzer) for
# SECONDS each (default 30), on a temporary copy of its seed corpus fuzz/corpus/<name>/ (so
# the checked-in seeds never grow), with fuzz/corpus/<name>.dict when there is one.
#
#   tools/run_fuzzers.sh [SECONDS]
#
# Exits non-zero if any fuzzer crashes, leaks, times out or trips a sanitizer; the input
# that did it is kept in build/fuzz/artifacts/ and a command to reproduce it is printed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly BUILD_DIR="$ROOT/build/fuzz"  # The fuzz preset's binaryDir.
readonly ARTIFACT_DIR="$BUILD_DIR/artifacts"
# What the preset must compile everything with; see fuzz/CMakeLists.txt.
readonly FUZZ_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"

seconds="${1:-30}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: tools/run_fuzzers.sh [SECONDS]  (a positive integer, default 30)" >&2
  exit 2
fi
if ! command -v clang++ >/dev/null 2>&1; then
  echo "run_fuzzers.sh: clang++ not found; run tools/bootstrap.sh" >&2
  exit 1
fi

cd "$ROOT"
work_dir="$(mktemp -d)"
# Fuzzers that need a site on disk (http_request_fuzzer) make it under ENTREPOT_FUZZ_TMPDIR:
# a directory on tmpfs when there is one (a commit's sync costs little there), removed here
# even when a fuzzer crashed before cleaning up.
fuzz_tmp="$(mktemp -d /dev/shm/entrepot-fuzz-XXXXXX 2>/dev/null || mktemp -d)"
export ENTREPOT_FUZZ_TMPDIR="$fuzz_tmp"
trap 'rm -rf "$work_dir" "$fuzz_tmp"' EXIT

# Runs cmake quietly; shows its output only if it fails.
quiet_cmake() {
  if ! cmake "$@" >"$work_dir/cmake.log" 2>&1; then
    cat "$work_dir/cmake.log" >&2
    echo "run_fuzzers.sh: cmake $* failed" >&2
    exit 1
  fi
}

echo "run_fuzzers.sh: configuring the fuzz preset"
quiet_cmake --preset fuzz
if ! grep -q '^CMAKE_CXX_FLAGS:STRING=.*fuzzer-no-link' "$BUILD_DIR/CMakeCache.txt"; then
  # The preset does not instrument the libraries (yet): do it here.
  quiet_cmake --preset fuzz -DCMAKE_CXX_FLAGS="$FUZZ_CXX_FLAGS"
fi
mapfile -t fuzzers < <(grep -v '^[[:space:]]*$' "$BUILD_DIR/fuzz/fuzzers.txt")
if [[ ${#fuzzers[@]} -eq 0 ]]; then
  echo "run_fuzzers.sh: no fuzzers configured" >&2
  exit 1
fi
echo "run_fuzzers.sh: building ${fuzzers[*]}"
cmake --build --preset fuzz -j"$(nproc)" --target "${fuzzers[@]}"

mkdir -p "$ARTIFACT_DIR"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=()
for fuzzer in "${fuzzers[@]}"; do
  corpus="$work_dir/$fuzzer"
  mkdir -p "$corpus"
  if [[ -d "fuzz/corpus/$fuzzer" ]]; then
    cp -R "fuzz/corpus/$fuzzer/." "$corpus/"
  fi
  options=(-max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1
           -artifact_prefix="$ARTIFACT_DIR/$fuzzer-")
  if [[ -f "fuzz/corpus/$fuzzer.dict" ]]; then
    options+=(-dict="fuzz/corpus/$fuzzer.dict")
  fi
  log="$work_dir/$fuzzer.log"
  echo "run_fuzzers.sh: $fuzzer for ${seconds}s"
  if "$BUILD_DIR/fuzz/$fuzzer" "${options[@]}" "$corpus" >"$log" 2>&1; then
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
    rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")"
    echo "run_fuzzers.sh: $fuzzer OK: ${runs:-?} runs, ${rate:-?}/s"
  else
    echo "run_fuzzers.sh: $fuzzer FAILED; end of its log:" >&2
    tail -n 60 "$log" >&2
    artifact="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)"
    echo "run_fuzzers.sh: reproduce with: $BUILD_DIR/fuzz/$fuzzer ${artifact:-$ARTIFACT_DIR/$fuzzer-...}" >&2
    failed+=("$fuzzer")
  fi
done

if [[ ${#failed[@]} -ne 0 ]]; then
  echo "run_fuzzers.sh: failed: ${failed[*]}" >&2
  exit 1
fi
echo "run_fuzzers.sh: all ${#fuzzers[@]} fuzzers ran ${seconds}s without a failure"
