#!/usr/bin/env bash
# Scale-out benchmark, in one run on one PostgreSQL 15 server (started here,
# fsync on, loopback only): Ordo with two nodes against the row-lock approach
# of the seed systems (bench/rowlock.sql under pgbench), both at 32 client
# connections, on a flash sale (every order on one SKU) and on orders uniform
# over the 60 demo SKUs. Each step gets a fresh schema with the demo data and
# ample stock. Targets: flash sale >= 10 x row-lock, uniform >= 3 x row-lock.
#
# Usage: make bench-pg, or bash bench/postgres.sh after make build
#   DURATION=10 CLIENTS=32 ROUNDS=5 NODE_THREADS=1 PG_PORT=25432 ORDO=build/src/cli/ordo
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh

ORDO=${ORDO:-build/src/cli/ordo}
DURATION=${DURATION:-10}
CLIENTS=${CLIENTS:-32}
PG_PORT=${PG_PORT:-25432}
PORT_A=${PORT_A:-18191}
PORT_B=${PORT_B:-18192}
# HTTP io threads per node. The two nodes share this machine's cores with
# PostgreSQL and the load generators: one thread each is what a node would get
# on a machine of its own with one core per node, and it measured 8-12 % more
# orders/s than two each (fewer threads contending for the same two cores).
NODE_THREADS=${NODE_THREADS:-1}
ROUNDS=${ROUNDS:-5}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=bench/results/postgres-$STAMP
WORK=$(mktemp -d /tmp/ordo-pgbench.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$RESULTS"
PG_BASE="host=127.0.0.1 port=$PG_PORT dbname=ordo_test user=ordo"
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  bash scripts/pg-test-cluster.sh stop "$WORK/pg" "$PG_PORT" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

[ -x "$ORDO" ] || { echo "no $ORDO: run make build first" >&2; exit 2; }
bench_auth
command -v pgbench >/dev/null || { echo "pgbench not found (Debian package postgresql-client)" >&2; exit 2; }

psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$PG_BASE" -c "$1" >/dev/null; }

# fresh_schema NAME: the schema with Ordo's tables and the demo data. The
# previous step's schema is dropped and a CHECKPOINT written first, so that no
# step pays for the WAL of the one before it.
fresh_schema() {
  if [ -n "${last_schema:-}" ]; then psql_q "SET client_min_messages = warning; DROP SCHEMA $last_schema CASCADE"; fi
  last_schema=$1
  psql_q "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $1 CASCADE; CREATE SCHEMA $1"
  psql_q "CHECKPOINT"
  "$ORDO" migrate --db "$PG_BASE options='-c search_path=$1'" >/dev/null
}

run_rowlock() {  # run_rowlock NAME FLASH
  local name=$1 flash=$2 schema=rl_$1
  fresh_schema "$schema"
  "$ORDO" demo --db "$PG_BASE options='-c search_path=$schema'" --demo-stock 1000000 >/dev/null
  psql_q "SET search_path = $schema; CREATE SEQUENCE pgb_ids; CREATE SEQUENCE pgb_events START 1000000000"
  PGOPTIONS="-c search_path=$schema" pgbench -n -M prepared -c "$CLIENTS" -j 2 -T "$DURATION" -D flash="$flash" \
    -f bench/rowlock.sql -h 127.0.0.1 -p "$PG_PORT" -U ordo ordo_test >"$RESULTS/rowlock-$name.txt" 2>&1 ||
    { cat "$RESULTS/rowlock-$name.txt" >&2; exit 1; }
  grep -E "^(tps|latency average|number of failed)" "$RESULTS/rowlock-$name.txt" | sed "s/^/   row-lock $name: /"
}

run_ordo() {  # run_ordo NAME SCENARIO [load flags…]
  local name=$1 scenario=$2 schema=ob_$1
  shift 2
  fresh_schema "$schema"
  local db="$PG_BASE options='-c search_path=$schema'"
  "$ORDO" serve --db "$db" --listen "127.0.0.1:$PORT_A" --threads "$NODE_THREADS" --demo --demo-stock 1000000 >"$WORK/node-a.log" 2>&1 &
  pids+=($!)
  wait_ready "http://127.0.0.1:$PORT_A" /readyz "$WORK/node-a.log"
  "$ORDO" serve --db "$db" --listen "127.0.0.1:$PORT_B" --threads "$NODE_THREADS" >"$WORK/node-b.log" 2>&1 &
  pids+=($!)
  wait_ready "http://127.0.0.1:$PORT_B" /readyz "$WORK/node-b.log"
  local half=$((CLIENTS / 2))
  "$ORDO" load --url "http://127.0.0.1:$PORT_A" --scenario "$scenario" -c "$half" -d "$DURATION" -q \
    --json-out "$RESULTS/ordo-$name-a.json" "$@" >"$RESULTS/ordo-$name-a.txt" &
  local la=$!
  "$ORDO" load --url "http://127.0.0.1:$PORT_B" --scenario "$scenario" -c "$((CLIENTS - half))" -d "$DURATION" -q \
    --json-out "$RESULTS/ordo-$name-b.json" "$@" >"$RESULTS/ordo-$name-b.txt"
  wait "$la"
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
  "$ORDO" check --db "$db" | tee -a "$RESULTS/check.txt" | sed 's/^/   /'
  echo "   ordo $name: $(field "$RESULTS/ordo-$name-a.json" ok_per_second) + $(field "$RESULTS/ordo-$name-b.json" ok_per_second) orders/s"
}

echo "== machine: $(nproc) cores, $(uname -r); ordo $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $(pgbench --version)"
bash scripts/pg-test-cluster.sh start "$WORK/pg" "$PG_PORT" >/dev/null
psql_q "ALTER SYSTEM SET max_connections = 200" || true

tps() { sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$1" | head -n1; }
lat() { sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' "$1" | head -n1; }
ordo_rps() { awk -v a="$(field "$RESULTS/ordo-$1-a.json" ok_per_second)" -v b="$(field "$RESULTS/ordo-$1-b.json" ok_per_second)" 'BEGIN{print a+b}'; }
ordo_p99() { awk -v a="$(field "$RESULTS/ordo-$1-a.json" p99_ms)" -v b="$(field "$RESULTS/ordo-$1-b.json" p99_ms)" 'BEGIN{print (a>b)?a:b}'; }

# ROUNDS rounds, each the four steps one after the other, so that a baseline
# and the Ordo figure it is compared with are measured minutes apart at most;
# the summary takes the median of each figure over the rounds (this machine
# is shared, and one 10 s step can be a third off the next).
: >"$RESULTS/rounds.tsv"
for round in $(seq 1 "$ROUNDS"); do
  echo "== round $round/$ROUNDS, step 1/4: row-lock, flash sale on one SKU ($CLIENTS pgbench clients)"
  run_rowlock "flash_$round" 1
  echo "== round $round/$ROUNDS, step 2/4: Ordo, 2 nodes, flash sale ($CLIENTS connections split over the nodes)"
  run_ordo "flash_$round" flash-sale --sku SKU-0001
  echo "== round $round/$ROUNDS, step 3/4: row-lock, uniform over the catalogue"
  run_rowlock "uniform_$round" 0
  echo "== round $round/$ROUNDS, step 4/4: Ordo, 2 nodes, uniform"
  run_ordo "uniform_$round" uniform
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" \
    "$(tps "$RESULTS/rowlock-flash_$round.txt")" "$(lat "$RESULTS/rowlock-flash_$round.txt")" \
    "$(ordo_rps "flash_$round")" "$(ordo_p99 "flash_$round")" \
    "$(tps "$RESULTS/rowlock-uniform_$round.txt")" "$(lat "$RESULTS/rowlock-uniform_$round.txt")" \
    "$(ordo_rps "uniform_$round")" "$(ordo_p99 "uniform_$round")" >>"$RESULTS/rounds.tsv"
done

awk -F '\t' -v c="$CLIENTS" -v d="$DURATION" -v n="$ROUNDS" "$AWK_ROUNDS"'
{ for (k = 1; k <= NF; k++) v[NR, k] = $k }
END {
  rf = median(2); rfl = median(3); of = median(4); ofp = median(5)
  ru = median(6); rul = median(7); ou = median(8); oup = median(9)
  printf "| PostgreSQL 15, %d connections, %d s, median of %d rounds | orders/s | latency | ratio | target |\n", c, d, n
  printf "|---|---:|---:|---:|---|\n"
  printf "| row-lock (pgbench), flash sale | %.0f | avg %.2f ms | 1.00 | |\n", rf, rfl
  printf "| Ordo, 2 nodes, flash sale | %.0f | p99 %.2f ms | %.1f x row-lock | >= 10 x: %s |\n", of, ofp, of / rf, verdict(of / rf >= 10)
  printf "| row-lock (pgbench), uniform | %.0f | avg %.2f ms | 1.00 | |\n", ru, rul
  printf "| Ordo, 2 nodes, uniform | %.0f | p99 %.2f ms | %.1f x row-lock | >= 3 x: %s |\n", ou, oup, ou / ru, verdict(ou / ru >= 3)
  printf "\nEach round (orders/s, Ordo / row-lock):\n"
  for (i = 1; i <= NR; i++)
    printf "- round %d: flash %.0f / %.0f = %.1f x; uniform %.0f / %.0f = %.1f x\n", i, v[i, 4], v[i, 2], v[i, 4] / v[i, 2], v[i, 8], v[i, 6], v[i, 8] / v[i, 6]
}' "$RESULTS/rounds.tsv" | tee "$RESULTS/summary.md"
echo "results: $RESULTS"
