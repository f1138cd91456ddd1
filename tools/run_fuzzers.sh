#!/usr/bin/env bash
# Builds the fuzzers of the `fuzz` preset (clang, libFuzzer, ASan + UBSan) and runs every
# fuzzer listed in <build>/fuzz/fuzzers.txt (scan_record_fuzzer, http_request_fuzzer,
# gs1_fuzzer, epcis_uri_fuzzer, epcis_document_fuzzer) on a temporary copy of its seed corpus
# fuzz/corpus/<name>/ (so the checked-in seeds never grow), with fuzz/corpus/<name>.dict when
# there is one. Fuzzers run side by side, one per core (ENTREPOT_FUZZ_JOBS, default nproc).
#
#   tools/run_fuzzers.sh [SECONDS]          each fuzzer runs SECONDS (default 30)
#   tools/run_fuzzers.sh --budget SECONDS   the runs together take about SECONDS of wall
#                                           time, split evenly among the fuzzers (CI)
#
# ENTREPOT_FUZZ_PRESET=asan-ubsan uses that preset's build instead (tools/test.sh: its
# sanitizer step has built the fuzzers already); ENTREPOT_FUZZ_BUILD_DIR builds elsewhere than
# the preset's binaryDir (build/<preset>).
#
# Exits non-zero if any fuzzer crashes, leaks, times out or trips a sanitizer; the input
# that did it is kept in <build>/artifacts/ and a command to reproduce it is printed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly PRESET="${ENTREPOT_FUZZ_PRESET:-fuzz}"
readonly BUILD_DIR="${ENTREPOT_FUZZ_BUILD_DIR:-$ROOT/build/$PRESET}"
readonly ARTIFACT_DIR="$BUILD_DIR/artifacts"
# What the preset must compile everything with; see fuzz/CMakeLists.txt.
readonly FUZZ_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"

usage() {
  echo "usage: tools/run_fuzzers.sh [SECONDS] | --budget SECONDS  (positive integers)" >&2
  exit 2
}

budget=""
seconds=30
if [[ "${1:-}" == "--budget" ]]; then
  budget="${2:-}"
  [[ "$budget" =~ ^[1-9][0-9]*$ && $# -eq 2 ]] || usage
elif [[ $# -eq 1 ]]; then
  seconds="$1"
  [[ "$seconds" =~ ^[1-9][0-9]*$ ]] || usage
elif [[ $# -ne 0 ]]; then
  usage
fi
jobs="${ENTREPOT_FUZZ_JOBS:-$(nproc)}"
if ! [[ "$jobs" =~ ^[1-9][0-9]*$ ]]; then
  echo "run_fuzzers.sh: ENTREPOT_FUZZ_JOBS must be a positive integer" >&2
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
# On exit (or Ctrl-C) stops the fuzzers still running, then cleans up.
cleanup() {
  local -a running_pids
  mapfile -t running_pids < <(jobs -p)
  if [[ ${#running_pids[@]} -ne 0 ]]; then
    kill "${running_pids[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
  fi
  rm -rf "$work_dir" "$fuzz_tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs cmake quietly; shows its output only if it fails.
quiet_cmake() {
  if ! cmake "$@" >"$work_dir/cmake.log" 2>&1; then
    cat "$work_dir/cmake.log" >&2
    echo "run_fuzzers.sh: cmake $* failed" >&2
    exit 1
  fi
}

echo "run_fuzzers.sh: configuring the $PRESET preset in $BUILD_DIR"
fresh=()
if [[ -f "$BUILD_DIR/CMakeCache.txt" ]] &&
  ! grep -q '^CMAKE_CXX_COMPILER:[A-Z]*=.*clang' "$BUILD_DIR/CMakeCache.txt"; then
  fresh=(--fresh)  # Configured for another compiler: CMake cannot switch in place.
fi
quiet_cmake --preset "$PRESET" -B "$BUILD_DIR" "${fresh[@]}"
if ! grep -q '^CMAKE_CXX_FLAGS:STRING=.*fuzzer-no-link' "$BUILD_DIR/CMakeCache.txt"; then
  # The preset does not instrument the libraries (yet): do it here.
  quiet_cmake --preset "$PRESET" -B "$BUILD_DIR" -DCMAKE_CXX_FLAGS="$FUZZ_CXX_FLAGS"
fi
mapfile -t fuzzers < <(grep -v '^[[:space:]]*$' "$BUILD_DIR/fuzz/fuzzers.txt")
if [[ ${#fuzzers[@]} -eq 0 ]]; then
  echo "run_fuzzers.sh: no fuzzers configured" >&2
  exit 1
fi
echo "run_fuzzers.sh: building ${fuzzers[*]}"
build_start=$SECONDS
cmake --build "$BUILD_DIR" -j"$(nproc)" --target "${fuzzers[@]}"
echo "run_fuzzers.sh: built in $((SECONDS - build_start))s"

if [[ -n "$budget" ]]; then
  # ceil(fuzzers / jobs) rounds of equal runs fit in the budget.
  rounds=$(((${#fuzzers[@]} + jobs - 1) / jobs))
  seconds=$((budget / rounds))
  ((seconds >= 1)) || seconds=1
fi

mkdir -p "$ARTIFACT_DIR"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# Runs one fuzzer for $seconds; its log goes to $work_dir/<name>.log.
run_fuzzer() {
  local fuzzer="$1"
  local corpus="$work_dir/$fuzzer"
  mkdir -p "$corpus"
  if [[ -d "fuzz/corpus/$fuzzer" ]]; then
    cp -R "fuzz/corpus/$fuzzer/." "$corpus/"
  fi
  local -a options=(-max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048
                    -print_final_stats=1 -artifact_prefix="$ARTIFACT_DIR/$fuzzer-")
  if [[ -f "fuzz/corpus/$fuzzer.dict" ]]; then
    options+=(-dict="fuzz/corpus/$fuzzer.dict")
  fi
  # exec: the background job is the fuzzer itself, which cleanup can stop.
  exec "$BUILD_DIR/fuzz/$fuzzer" "${options[@]}" "$corpus" >"$work_dir/$fuzzer.log" 2>&1
}

# Prints how a finished fuzzer did; returns non-zero if it failed.
report() {
  local fuzzer="$1" status="$2" log="$work_dir/$1.log"
  if [[ "$status" -eq 0 ]]; then
    local runs rate
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
    rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")"
    echo "run_fuzzers.sh: $fuzzer OK: ${runs:-?} runs, ${rate:-?}/s"
    return 0
  fi
  echo "run_fuzzers.sh: $fuzzer FAILED (exit $status); end of its log:" >&2
  tail -n 60 "$log" >&2
  local artifact
  artifact="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)"
  echo "run_fuzzers.sh: reproduce with: $BUILD_DIR/fuzz/$fuzzer ${artifact:-$ARTIFACT_DIR/$fuzzer-...}" >&2
  return 1
}

echo "run_fuzzers.sh: ${#fuzzers[@]} fuzzers, ${seconds}s each, $jobs at a time"
failed=()
declare -A running=()  # pid -> fuzzer
# Reaps one finished fuzzer and reports it.
reap_one() {
  local pid status=0
  wait -n -p pid "${!running[@]}" || status=$?
  report "${running[$pid]}" "$status" || failed+=("${running[$pid]}")
  unset "running[$pid]"
}
for fuzzer in "${fuzzers[@]}"; do
  while ((${#running[@]} >= jobs)); do
    reap_one
  done
  echo "run_fuzzers.sh: $fuzzer for ${seconds}s"
  run_fuzzer "$fuzzer" &
  running[$!]="$fuzzer"
done
while ((${#running[@]} > 0)); do
  reap_one
done

if [[ ${#failed[@]} -ne 0 ]]; then
  echo "run_fuzzers.sh: failed: ${failed[*]}" >&2
  exit 1
fi
echo "run_fuzzers.sh: all ${#fuzzers[@]} fuzzers ran ${seconds}s without a failure"
