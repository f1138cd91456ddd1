#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and benchmarks of the PostgreSQL store.
#
#   tools/pg_test_cluster.sh start DIR    # prints the conninfo (a postgresql:// URL) on stdout
#   tools/pg_test_cluster.sh url DIR      # prints the same URL without starting anything
#   tools/pg_test_cluster.sh stop DIR     # stops the cluster and removes DIR
#
# The cluster lives in DIR (made fresh at each start: a leftover cluster is stopped and
# removed first) and listens on a Unix socket in DIR only, never on TCP, so that two
# clusters (the release and asan-ubsan build trees, run side by side by `ctest -j2`) never
# collide on a port. fsync and synchronous_commit stay on: durability is what the tests
# check. The superuser is `entrepot`, trusted on the socket, and the database is
# `entrepot_test`.
#
# initdb refuses to run as root: as root, the cluster runs as the `postgres` system user
# (created by Debian's postgresql package) and DIR is made over to it. The server binaries
# are found with pg_config, in /usr/lib/postgresql/<version>/bin, or on PATH.
set -euo pipefail

readonly DATABASE=entrepot_test
readonly SUPERUSER=entrepot
readonly PORT=5432  # Only names the socket file (DIR/.s.PGSQL.5432): no TCP listener.

die() {
  echo "pg_test_cluster.sh: $*" >&2
  exit 1
}

usage() {
  die "usage: $0 start|stop|url DIR"
}

# The directory holding initdb, pg_ctl and postgres.
server_bindir() {
  local candidate
  for candidate in "$(pg_config --bindir 2>/dev/null || true)" \
    /usr/lib/postgresql/*/bin; do
    if [[ -n "$candidate" && -x "$candidate/initdb" && -x "$candidate/pg_ctl" ]]; then
      echo "$candidate"
      return 0
    fi
  done
  local initdb
  initdb="$(command -v initdb || true)"
  if [[ -n "$initdb" ]]; then
    dirname "$(readlink -f "$initdb")"
    return 0
  fi
  die "no PostgreSQL server binaries (initdb, pg_ctl): run tools/bootstrap.sh"
}

# Runs a command as the cluster's owner: the postgres user when we are root, else ourselves.
as_owner() {
  if [[ "$(id -u)" -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# The conninfo of the cluster in DIR, as a URL (no spaces, so it passes through CTest's
# ENVIRONMENT property unharmed).
url_of() {
  echo "postgresql:///${DATABASE}?host=$1&port=${PORT}&user=${SUPERUSER}"
}

absolute_dir() {
  mkdir -p "$1"
  (cd "$1" && pwd -P)
}

stop_cluster() {
  local dir="$1" bindir
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    bindir="$(server_bindir)"
    # Immediate: a throwaway cluster has nothing worth a checkpoint.
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
}

start_cluster() {
  local dir bindir socket
  dir="$(absolute_dir "$1")"
  socket="$dir/.s.PGSQL.$PORT"
  # sun_path holds 107 bytes; PostgreSQL refuses longer socket paths.
  if [[ ${#socket} -gt 100 ]]; then
    die "the socket path $socket is too long for a Unix socket: use a shorter DIR"
  fi
  stop_cluster "$dir"
  rm -rf "${dir:?}/data" "$dir/server.log" "$dir"/.s.PGSQL.*
  if [[ "$(id -u)" -eq 0 ]]; then
    getent passwd postgres >/dev/null || die "no postgres user: run tools/bootstrap.sh"
    chown postgres: "$dir"
  fi
  bindir="$(server_bindir)"
  as_owner "$bindir/initdb" -D "$dir/data" -U "$SUPERUSER" --auth=trust --encoding=UTF8 \
    --locale=C >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    die "initdb failed"
  }
  # Sockets only, in DIR; durable settings spelled out rather than assumed.
  local options="-c listen_addresses='' -c unix_socket_directories='$dir' -c port=$PORT"
  options+=" -c fsync=on -c synchronous_commit=on -c full_page_writes=on"
  options+=" -c max_connections=100 -c shared_buffers=32MB"
  as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$options" -w -t 60 \
    start >/dev/null || {
    cat "$dir/server.log" >&2 || true
    die "the server did not start"
  }
  as_owner "$bindir/createdb" -h "$dir" -p "$PORT" -U "$SUPERUSER" "$DATABASE" ||
    die "createdb failed"
  url_of "$dir"
}

main() {
  [[ $# -eq 2 ]] || usage
  local command="$1" dir="$2"
  case "$command" in
    start) start_cluster "$dir" ;;
    stop)
      if [[ -d "$dir" ]]; then
        dir="$(absolute_dir "$dir")"
        stop_cluster "$dir"
        rm -rf "${dir:?}"
      fi
      ;;
    url) url_of "$(absolute_dir "$dir")" ;;
    *) usage ;;
  esac
}

main "$@"
