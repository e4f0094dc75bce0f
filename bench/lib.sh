# Shell helpers shared by the benchmark scripts (sourced, not run).

# wait_ready URL PATH LOG: until GET URL+PATH answers 2xx (20 s), else print LOG and exit.
wait_ready() {
  for _ in $(seq 1 200); do
    curl -sf "$1$2" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "$1 did not become ready; log:" >&2
  cat "$3" >&2
  exit 1
}

# stop_server: SIGTERM to the server in $pid, wait for it, forget it.
stop_server() {
  kill -TERM "$pid"
  wait "$pid" || true
  pid=""
}

# field FILE NAME: a number from the flat JSON summary of `ordo load`.
field() {
  sed -n "s/.*\"$2\":\([0-9.eE+-]*\).*/\1/p" "$1" | head -n1
}

# bench_auth: the servers of a benchmark sign with one secret (ORDO_JWT_SECRET,
# read by `ordo serve` and `ordo token`), every load client sends an admin
# token (ORDO_LOAD_TOKEN, read by `ordo load`; AUTH for curl), and the staff
# rate limit is off (ORDO_RATE_LIMIT_STAFF=0): one admin token drives
# thousands of requests a second, which the default 500/s would refuse.
# Authentication itself stays on: every request's token is checked.
bench_auth() {
  export ORDO_JWT_SECRET=${ORDO_JWT_SECRET:-bench-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')}
  export ORDO_RATE_LIMIT_STAFF=${ORDO_RATE_LIMIT_STAFF:-0}
  ORDO_LOAD_TOKEN=$("$ORDO" token --role admin --subject bench --ttl 24h)
  export ORDO_LOAD_TOKEN
  AUTH="Authorization: Bearer $ORDO_LOAD_TOKEN"
}

# db_of BACKEND NAME: the --data or --db argument of a fresh database: a
# directory under $WORK (SQLite), or schema NAME, dropped and created again, of
# the PostgreSQL at $PG_BASE.
db_of() {
  if [ "$1" = sqlite ]; then
    echo "$WORK/$2"
  else
    psql -X -q -v ON_ERROR_STOP=1 "$PG_BASE" \
      -c "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $2 CASCADE; CREATE SCHEMA $2" >/dev/null
    echo "$PG_BASE options='-c search_path=$2'"
  fi
}

# db_flag BACKEND: the flag that takes db_of's answer.
db_flag() { [ "$1" = sqlite ] && echo --data || echo --db; }

# sample FILE NAME: an un-labelled sample of a saved Prometheus text.
sample() {
  awk -v n="$2" '$1 == n { print $2; exit }' "$1"
}

# loadavg: the 1, 5 and 15 minute load averages.
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# bench_setup NAME: RESULTS (bench/results/NAME-<UTC time>), WORK (a temporary
# directory), and an exit trap that kills the processes in $pid and $sim_pid,
# stops the PostgreSQL started in $WORK/pg when $pg_started, and removes WORK.
# Checks that $ORDO is built; then bench_auth.
bench_setup() {
  STAMP=$(date -u +%Y%m%dT%H%M%SZ)
  RESULTS=bench/results/$1-$STAMP
  WORK=$(mktemp -d "/tmp/ordo-$1.XXXXXX")
  chmod 755 "$WORK"
  mkdir -p "$RESULTS"
  pid=""
  sim_pid=""
  pg_started=""
  trap bench_cleanup EXIT
  [ -x "$ORDO" ] || { echo "no $ORDO: run make build first" >&2; exit 2; }
  bench_auth
}

bench_cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  [ -n "$sim_pid" ] && kill -9 "$sim_pid" 2>/dev/null || true
  [ -n "$pg_started" ] && bash scripts/pg-test-cluster.sh stop "$WORK/pg" "$PG_PORT" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}

# bench_backend BACKEND: true when the backend can run (for postgres, a
# PostgreSQL 15 is started in $WORK/pg on $PG_PORT), false with a note when
# it is not installed; exits on an unknown backend.
bench_backend() {
  case "$1" in
    sqlite) ;;
    postgres)
      if ! bash scripts/pg-test-cluster.sh start "$WORK/pg" "$PG_PORT" >/dev/null; then
        echo "== postgres: skipped (no PostgreSQL 15 here; scripts/install-deps.sh installs it)"
        return 1
      fi
      pg_started=1
      ;;
    *) echo "unknown backend $1 (sqlite, postgres)" >&2; exit 2 ;;
  esac
}

# AWK_ROUNDS: awk functions for the summaries of rounds.tsv (one line per
# round, tab-separated; the script stores field k of line i in v[i, k]):
# median(k) over the rounds, and verdict(ok).
AWK_ROUNDS='
function verdict(ok) { return ok ? "met" : "NOT met" }
function median(col,   i, j, t, a) {
  for (i = 1; i <= NR; i++) a[i] = v[i, col]
  for (i = 1; i <= NR; i++) for (j = i + 1; j <= NR; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
  return NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
}'
