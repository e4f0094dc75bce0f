#!/usr/bin/env bash
# A throwaway PostgreSQL 15 for the tests: pg-test-cluster.sh start|stop DIR PORT
#
#   start  initialises a cluster in DIR (once), starts it on 127.0.0.1:PORT only
#          (no unix socket at all), fsync on, trust auth from localhost, role
#          `ordo` (superuser) and database `ordo_test`, and waits until it accepts
#          connections. Already running: nothing to do.
#   stop   stops it and removes DIR.
#
# Root cannot run postgres: as root the server runs as the system user ordo-pg
# (created when missing); as anyone else it runs as that user.
#
# Several runs may share one cluster (two `ctest` in one build tree): each start
# records its caller's pid (ctest) in DIR/users, and stop only stops the server
# once no recorded caller is still alive. A crashed run therefore never keeps
# the cluster alive for ever, and never pulls it away from a live run.
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR PORT" >&2; exit 2; }
[ $# -eq 3 ] || usage
cmd=$1
dir=$2
port=$3
case "$cmd" in start|stop) ;; *) usage ;; esac
[[ "$port" =~ ^[0-9]+$ ]] || usage
case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
[ "$dir" != "/" ] || usage

bin=${ORDO_PG_BIN:-/usr/lib/postgresql/15/bin}
os_user=ordo-pg
role=ordo
db=ordo_test
data="$dir/data"
caller=$PPID

if [ ! -x "$bin/pg_ctl" ]; then
  echo "pg-test-cluster: $bin/pg_ctl not found (install the postgresql package: scripts/install-deps.sh)" >&2
  exit 1
fi

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u "$os_user" -- "$@"; else "$@"; fi
}

is_running() {
  [ -f "$data/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1
}

# Keeps the callers that are still alive, plus the one given (if any).
update_users() {
  local add=${1:-} drop=${2:-} pid kept=()
  if [ -f "$dir/users" ]; then
    while read -r pid; do
      [ -n "$pid" ] || continue
      [ "$pid" = "$drop" ] && continue
      [ "$pid" = "$add" ] && continue
      kill -0 "$pid" 2>/dev/null && kept+=("$pid")
    done <"$dir/users"
  fi
  [ -n "$add" ] && kept+=("$add")
  if [ ${#kept[@]} -gt 0 ]; then printf '%s\n' "${kept[@]}" >"$dir/users"; else : >"$dir/users"; fi
  echo ${#kept[@]}
}

wait_ready() {
  for _ in $(seq 1 100); do
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres -U "$role" && return 0
    sleep 0.1
  done
  echo "pg-test-cluster: the server on port $port does not accept connections; log:" >&2
  tail -n 30 "$dir/postgres.log" >&2 || true
  return 1
}

start() {
  if [ "$(id -u)" -eq 0 ] && ! id -u "$os_user" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$os_user" 2>/dev/null ||
      id -u "$os_user" >/dev/null  # lost a race with another start: fine if it exists now
  fi
  mkdir -p "$dir"
  exec 9>"$dir.lock"
  flock 9
  update_users "$caller" "" >/dev/null
  if is_running; then
    wait_ready
    return
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    rm -rf "$data"
    [ "$(id -u)" -eq 0 ] && chown "$os_user": "$dir"
    # -N: initdb does not fsync its fresh files (a throwaway cluster); the server runs with fsync on.
    as_pg "$bin/initdb" -D "$data" -U "$role" --auth=trust -E UTF8 --locale=C -N >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
    cat >>"$data/postgresql.conf" <<'EOF'

# pg-test-cluster.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 100
shared_buffers = 64MB
logging_collector = off
log_min_messages = warning
EOF
  fi
  [ "$(id -u)" -eq 0 ] && chown "$os_user": "$dir"
  # 9>&-: the server must not inherit the lock.
  if ! as_pg "$bin/pg_ctl" -D "$data" -l "$dir/postgres.log" -o "-p $port" -w -t 60 start >/dev/null 9>&-; then
    echo "pg-test-cluster: could not start PostgreSQL on 127.0.0.1:$port; log:" >&2
    tail -n 30 "$dir/postgres.log" >&2 || true
    exit 1
  fi
  wait_ready
  local psql=("$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U "$role")
  if [ "$("${psql[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
    "${psql[@]}" -d postgres -c "CREATE DATABASE $db"
  fi
}

stop() {
  [ -d "$dir" ] || return 0
  exec 9>"$dir.lock"
  flock 9
  local left
  left=$(update_users "" "$caller")
  if [ "$left" -gt 0 ]; then
    echo "pg-test-cluster: still used by $left other run(s); left running"
    return
  fi
  if is_running; then
    as_pg "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
  fi
  rm -rf "$dir"
}

"$cmd"
