#!/usr/bin/env bash
# The HTTP benchmark of docs/BENCHMARKS.md: Entrepôt's scan ingest over HTTP next to the
# machine's HTTP ceiling, measured with the same client (bench/http_load.cc) in one run.
#
#   tools/bench_http.sh
#
# It builds `entrepot` and `http_load` (the release preset), creates the example site
# (examples/fc-lyon) in a temporary directory on disk, registers one device per connection,
# starts `entrepot serve` on loopback, and starts nginx on loopback with a throwaway config
# (one worker, `return 200 '{"outcome":"ok"}'`, keep-alive without a request limit). Then:
#   1. nginx, closed loop                 the ceiling: requests/s of a fixed 200 to the POST
#   2. entrepot single scans, closed loop durable scans/s; ratio to 1 (target >= 0.5)
#   3. entrepot single scans, open loop   p99 at a fixed 10,000 scans/s (target < 5 ms)
#   4. the same at half that rate         latency when the server keeps up
#   5. nginx, open loop at 10,000/s       the client's and loopback's own latency floor
#   6. entrepot batches, closed loop      NDJSON batches of 1,000 scans (target >= 300,000/s)
#   7. the simulator, closed loop         `entrepot simulate` (bench/simulated_shift.toml) on
#                                         $CONNECTIONS connections: a shift's requests (scans of
#                                         every mode, orders, releases, tasks) as fast as they are
#                                         answered; scans/s and latency, ratio to 1
# Each figure is the median of RUNS runs. Every scan is a real scan of a floor cycle (receive
# at a dock, stow, pick, pack, ship), so the engine decodes, decides and journals each one.
# The server, nginx and the client share the machine's cores: the figures say what one
# machine does with all three on it, not what the server alone could do. After each load the
# script prints the cores the server, the client and everything else (other users' work
# included) used meanwhile, so a run disturbed by other work shows it.
#
# Settings (environment):
#   ENTREPOT_BENCH_BUILD_DIR          build directory (default build/release, release preset)
#   ENTREPOT_BENCH_CONNECTIONS        connections, one device each (64)
#   ENTREPOT_BENCH_BATCH_CONNECTIONS  connections of the batch load (4)
#   ENTREPOT_BENCH_RATE               open-loop rate (10000/s); ENTREPOT_BENCH_LOW_RATE (half)
#   ENTREPOT_BENCH_RUNS               runs per load (5)
#   ENTREPOT_BENCH_DURATION           seconds measured per run (3), after
#   ENTREPOT_BENCH_WARMUP             seconds of warm-up (1)
#   ENTREPOT_BENCH_DIR                where the site goes (default $TMPDIR): its file system's
#                                     sync latency bounds durable ingest; /dev/shm shows what
#                                     the server does when a sync costs nothing (not durable)
#   ENTREPOT_BENCH_ENTREPOT           the `entrepot` binary to measure (default the build
#                                     directory's), e.g. a copy of an earlier build, to compare
#                                     two builds run after run on a noisy machine
#   ENTREPOT_BENCH_BUILD              0: do not build (the binaries must exist)
#   ENTREPOT_BENCH_SIMULATOR          0: skip the simulator's shifts (load 7)
# A shorter run (about a minute and a half):
#   ENTREPOT_BENCH_RUNS=3 ENTREPOT_BENCH_SIMULATOR=0 tools/bench_http.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly BUILD_DIR="${ENTREPOT_BENCH_BUILD_DIR:-$ROOT/build/release}"
readonly CONNECTIONS="${ENTREPOT_BENCH_CONNECTIONS:-64}"
readonly BATCH_CONNECTIONS="${ENTREPOT_BENCH_BATCH_CONNECTIONS:-4}"
readonly RATE="${ENTREPOT_BENCH_RATE:-10000}"
readonly LOW_RATE="${ENTREPOT_BENCH_LOW_RATE:-$((RATE / 2))}"
readonly RUNS="${ENTREPOT_BENCH_RUNS:-5}"
readonly DURATION="${ENTREPOT_BENCH_DURATION:-3}"
readonly WARMUP="${ENTREPOT_BENCH_WARMUP:-1}"
readonly LAYOUT="$ROOT/examples/fc-lyon/layout.toml"
readonly ENTREPOT="${ENTREPOT_BENCH_ENTREPOT:-$BUILD_DIR/src/entrepot/cli/entrepot}"
readonly BUILD="${ENTREPOT_BENCH_BUILD:-1}"
readonly SIMULATOR="${ENTREPOT_BENCH_SIMULATOR:-1}"
cd "$ROOT"

log() { echo "bench_http.sh: $*" >&2; }

build() {
  tools/bootstrap.sh >/dev/null
  if [[ "$BUILD_DIR" == "$ROOT/build/release" ]]; then
    cmake --preset release >/dev/null
  else
    cmake -S "$ROOT" -B "$BUILD_DIR" -DENTREPOT_BUILD_BENCHMARKS=ON >/dev/null
  fi
  cmake --build "$BUILD_DIR" -j"$(nproc)" --target entrepot http_load >/dev/null
}

# A TCP port free on loopback now (the kernel picks it).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until something accepts connections on 127.0.0.1:$1, or fails after 10 s.
wait_for_port() {
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  log "nothing listens on port $1"
  return 1
}

# Waits until `entrepot serve` on port $1 answers GET /healthz with 200: it listens before its
# site is open and answers 503 (starting) meanwhile, which a load would count as errors.
wait_for_active() {
  local status
  for _ in $(seq 300); do
    status="$({ exec 3<>"/dev/tcp/127.0.0.1/$1" &&
      printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3 &&
      head -n 1 <&3; } 2>/dev/null || true)"
    if [[ "$status" == *" 200 "* ]]; then
      return 0
    fi
    sleep 0.1
  done
  log "entrepot serve on port $1 did not become active"
  return 1
}

server_pid=""
nginx_pid=""
sim_server_pid=""
work=""
cleanup() {
  # Only the processes this script started, by their pids.
  if [[ -n "$server_pid" ]]; then kill -TERM "$server_pid" 2>/dev/null || true; fi
  if [[ -n "$sim_server_pid" ]]; then kill -TERM "$sim_server_pid" 2>/dev/null || true; fi
  if [[ -n "$nginx_pid" ]]; then kill -QUIT "$nginx_pid" 2>/dev/null || true; fi
  if [[ -n "$server_pid" ]]; then wait "$server_pid" 2>/dev/null || true; fi
  if [[ -n "$nginx_pid" ]]; then wait "$nginx_pid" 2>/dev/null || true; fi
  if [[ -n "$work" ]]; then rm -rf "$work"; fi
}
trap cleanup EXIT

start_entrepot() {
  local entrepot="$ENTREPOT" name token i
  "$entrepot" init --data "$work/site" --layout "$LAYOUT" >/dev/null
  : >"$work/devices.txt"
  for ((i = 1; i <= CONNECTIONS; i++)); do
    name="$(printf 'HH-B%03d' "$i")"
    token="$("$entrepot" device add --data "$work/site" --name "$name" 2>/dev/null)"
    echo "$name $token" >>"$work/devices.txt"
  done
  entrepot_port="$(free_port)"
  "$entrepot" serve --data "$work/site" --listen "127.0.0.1:$entrepot_port" \
    >"$work/serve.log" 2>&1 &
  server_pid=$!
  wait_for_active "$entrepot_port"
}

start_nginx() {
  nginx_port="$(free_port)"
  mkdir -p "$work/nginx"
  cat >"$work/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
master_process on;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  default_type application/json;
  keepalive_requests 100000000;
  keepalive_timeout 60s;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    location / { return 200 '{"outcome":"ok"}'; }
  }
}
EOF
  nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
  nginx_pid=$!
  wait_for_port "$nginx_port"
}

# Prints the latency of fsync after a 4 KiB append in directory $1 (200 times): the floor
# under every durable commit, so under the latency of every durable scan.
sync_latency() {
  python3 - "$1" <<'EOF'
import os, sys, time
path = os.path.join(sys.argv[1], "sync-probe")
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
times = []
for _ in range(200):
    os.write(fd, b"x" * 4096)
    start = time.perf_counter()
    os.fsync(fd)
    times.append((time.perf_counter() - start) * 1000)
os.close(fd)
os.unlink(path)
times.sort()
print(f"fsync of a 4 KiB append there: p50 {times[100]:.2f} ms, p99 {times[197]:.2f} ms")
EOF
}

# CPU time (user + system, clock ticks) used so far by process $1, all its threads.
cpu_ticks() {
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# CPU time used so far by the children the script's shell has waited for (the clients).
# ($$, not $BASHPID: this runs in a command substitution's subshell.)
children_ticks() {
  awk '{ print $16 + $17 }' "/proc/$$/stat"
}

# CPU time the whole machine spent busy so far (all CPUs, clock ticks).
machine_ticks() {
  awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

# Runs http_load against the server whose busy process is $1, with common settings plus the
# rest of the arguments; prints its output, then the cores that process, the client and
# everything else on the machine (other users' work included) used meanwhile.
load() {
  local pid="$1" server_before client_before machine_before start status=0
  shift
  server_before="$(cpu_ticks "$pid")"
  client_before="$(children_ticks)"
  machine_before="$(machine_ticks)"
  start="$(date +%s.%N)"
  "$BUILD_DIR/bench/http_load" --devices "$work/devices.txt" --layout "$LAYOUT" \
    --runs "$RUNS" --duration "$DURATION" --warmup "$WARMUP" "$@" | tee -a "$work/load.log" ||
    status=$?
  awk -v server="$(($(cpu_ticks "$pid") - server_before))" \
    -v client="$(($(children_ticks) - client_before))" \
    -v machine="$(($(machine_ticks) - machine_before))" -v hz="$(getconf CLK_TCK)" \
    -v start="$start" -v end="$(date +%s.%N)" -v cores="$(nproc)" 'BEGIN {
      seconds = (end - start) * hz
      printf "  cores used meanwhile: server %.2f, client %.2f, everything else %.2f (of %d)\n",
        server / seconds, client / seconds, (machine - server - client) / seconds, cores
    }'
  return "$status"
}

# Runs the simulator's shift RUNS times, each on a fresh example site served by its own
# `entrepot serve` (a shift expects empty totes and bins with room, which the loads above
# do not leave), with another seed each time; prints one RESULT line per run, like
# http_load's, from the simulator's report.
simulate() {
  local entrepot="$ENTREPOT" run site port password token report
  for ((run = 1; run <= RUNS; run++)); do
    site="$work/sim-site-$run"
    "$entrepot" init --data "$site" --layout "$LAYOUT" >/dev/null
    password="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
    echo "$password" | "$entrepot" user add --data "$site" --login bench-admin --role admin \
      --password-stdin >/dev/null
    port="$(free_port)"
    "$entrepot" serve --data "$site" --listen "127.0.0.1:$port" >"$work/sim-serve.log" 2>&1 &
    sim_server_pid=$!
    wait_for_port "$port"
    token="$(python3 - "$port" "$password" <<'EOF'
import json, sys, urllib.request
body = json.dumps({"login": "bench-admin", "password": sys.argv[2]}).encode()
request = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/api/v1/login", body,
                                 {"Content-Type": "application/json"})
print(json.load(urllib.request.urlopen(request))["token"])
EOF
)"
    report="$(echo "$token" | "$entrepot" simulate --layout "$LAYOUT" \
      --scenario "$ROOT/bench/simulated_shift.toml" --seed "$run" \
      --target "http://127.0.0.1:$port" --token-stdin --connections "$CONNECTIONS" 2>&1)" ||
      { echo "$report"; return 1; }
    kill -TERM "$sim_server_pid"
    wait "$sim_server_pid" || true
    sim_server_pid=""
    rm -rf "$site"
    echo "$report" | awk -v run="$run" '
      /^requests:/ { scans = $(NF - 1) }
      /^latency ms:/ { gsub(",", ""); p50 = $4; p99 = $8 }
      /^surprises:/ { surprises = $2 }
      END { printf "RESULT label=simulator run=%d scans_per_s=%s p50_ms=%s p99_ms=%s surprises=%s\n",
                   run, scans, p50, p99, surprises }' | tee -a "$work/load.log"
  done
}

# The median of KEY over the RESULT lines labelled LABEL (one per run).
median_of() {
  sed -n "s/^RESULT label=$1 .*[[:space:]]$2=\([^[:space:]]*\).*/\1/p" "$work/load.log" |
    sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# The value of KEY in the RESULT line labelled LABEL.
result() {
  sed -n "s/^RESULT label=$1 .*[[:space:]]$2=\([^[:space:]]*\).*/\1/p" "$work/load.log" | tail -n 1
}

main() {
  command -v nginx >/dev/null 2>&1 || { tools/bootstrap.sh >/dev/null; }
  if [[ "$BUILD" != 0 ]]; then
    log "building entrepot and http_load in $BUILD_DIR"
    build
  fi
  log "measuring $ENTREPOT"
  work="$(mktemp -d "${ENTREPOT_BENCH_DIR:-${TMPDIR:-/tmp}}/entrepot-bench-XXXXXX")"
  log "site in $work ($(df -T "$work" | awk 'NR == 2 { print $2 }') file system), $CONNECTIONS devices"
  start_entrepot
  start_nginx
  echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1);" \
    "$(date -u +%Y-%m-%dT%H:%MZ); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "server, nginx and client share the machine's $(nproc) cores"
  echo "site directory: $(df -T "$work" | awk 'NR == 2 { print $2 }') file system;" \
    "$(sync_latency "$work")"
  echo
  local worker
  worker="$(pgrep -P "$nginx_pid" | head -n 1)"  # The one worker does nginx's work.
  load "$worker" --label nginx --port "$nginx_port" --connections "$CONNECTIONS" --mode closed \
    --process 0
  load "$server_pid" --label entrepot --port "$entrepot_port" --connections "$CONNECTIONS" \
    --mode closed --process 1
  load "$server_pid" --label entrepot_open --port "$entrepot_port" --connections "$CONNECTIONS" \
    --mode open --rate "$RATE" --process 2
  load "$server_pid" --label entrepot_open_low --port "$entrepot_port" \
    --connections "$CONNECTIONS" --mode open --rate "$LOW_RATE" --process 4
  load "$worker" --label nginx_open --port "$nginx_port" --connections "$CONNECTIONS" \
    --mode open --rate "$RATE" --process 0
  load "$server_pid" --label entrepot_batch --port "$entrepot_port" \
    --connections "$BATCH_CONNECTIONS" --mode batch --batch-scans 1000 --process 3
  if [[ "$SIMULATOR" != 0 ]]; then
    log "the simulator's shift, $RUNS runs"
    simulate
  fi

  local ceiling single ratio
  ceiling="$(result nginx requests_per_s)"
  single="$(result entrepot scans_per_s)"
  ratio="$(awk -v a="$single" -v b="$ceiling" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
  echo
  echo "=== medians of $RUNS runs of ${DURATION}s ($CONNECTIONS connections; batch: $BATCH_CONNECTIONS)"
  printf '%-44s %12s %10s %10s\n' "figure" "per second" "p50 ms" "p99 ms"
  printf '%-44s %12s %10s %10s\n' "nginx fixed 200, closed loop (ceiling)" "$ceiling" \
    "$(result nginx p50_ms)" "$(result nginx p99_ms)"
  printf '%-44s %12s %10s %10s\n' "entrepot single scans, closed loop" "$single" \
    "$(result entrepot p50_ms)" "$(result entrepot p99_ms)"
  printf '%-44s %12s %10s %10s\n' "entrepot single scans, open loop at $RATE/s" \
    "$(result entrepot_open scans_per_s)" "$(result entrepot_open p50_ms)" \
    "$(result entrepot_open p99_ms)"
  printf '%-44s %12s %10s %10s\n' "entrepot single scans, open loop at $LOW_RATE/s" \
    "$(result entrepot_open_low scans_per_s)" "$(result entrepot_open_low p50_ms)" \
    "$(result entrepot_open_low p99_ms)"
  printf '%-44s %12s %10s %10s\n' "nginx, open loop at $RATE/s" \
    "$(result nginx_open requests_per_s)" "$(result nginx_open p50_ms)" \
    "$(result nginx_open p99_ms)"
  printf '%-44s %12s %10s %10s\n' "entrepot batches of 1,000 scans (scans/s)" \
    "$(result entrepot_batch scans_per_s)" "$(result entrepot_batch p50_ms)" \
    "$(result entrepot_batch p99_ms)"
  if [[ "$SIMULATOR" != 0 ]]; then
    printf '%-44s %12s %10s %10s\n' "simulator shift, $CONNECTIONS connections (scans/s)" \
      "$(median_of simulator scans_per_s)" "$(median_of simulator p50_ms)" \
      "$(median_of simulator p99_ms)"
  fi
  echo "ratio entrepot/nginx (single scans, closed loop): $ratio (target >= 0.5)"
  if [[ "$SIMULATOR" != 0 ]]; then
    echo "ratio simulator/nginx: $(awk -v a="$(median_of simulator scans_per_s)" -v b="$ceiling" \
      'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'); surprises per run:" \
      "$(sed -n 's/^RESULT label=simulator .*surprises=\([0-9]*\).*/\1/p' "$work/load.log" | xargs)"
  fi
  echo "scans accepted ok: closed $(result entrepot ok_percent)%, open" \
    "$(result entrepot_open ok_percent)%, batch $(result entrepot_batch ok_percent)%"
  # Stops the server (SIGTERM: it commits what is queued and writes a snapshot), then checks
  # the journal and its replay.
  kill -TERM "$server_pid"
  wait "$server_pid" || true
  server_pid=""
  if "$ENTREPOT" verify --data "$work/site" >"$work/verify.log" 2>&1; then
    echo "entrepot verify: the journal and its replay check out after the run"
  else
    cat "$work/verify.log"
    echo "entrepot verify FAILED after the run"
    return 1
  fi
}

main "$@"
