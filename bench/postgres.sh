#!/usr/bin/env bash
# Scale-out benchmark, in one run on one PostgreSQL 15 server (started here,
# fsync on, loopback only): Ordo with two nodes against the row-lock approach
# of the seed systems (bench/rowlock.sql under pgbench), both at 32 client
# connections, on a flash sale (every order on one SKU) and on orders uniform
# over the 60 demo SKUs. Each step gets a fresh schema with the demo data and
# ample stock. Targets: flash sale >= 10 x row-lock, uniform >= 3 x row-lock.
#
# Usage: make bench-pg, or bash bench/postgres.sh after make build
#   DURATION=10 CLIENTS=32 PG_PORT=25432 ORDO=build/src/cli/ordo
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

fresh_schema() {  # fresh_schema NAME: the schema with Ordo's tables and the demo data
  psql_q "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $1 CASCADE; CREATE SCHEMA $1"
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
  "$ORDO" serve --db "$db" --listen "127.0.0.1:$PORT_A" --demo --demo-stock 1000000 >"$WORK/node-a.log" 2>&1 &
  pids+=($!)
  wait_ready "http://127.0.0.1:$PORT_A" /readyz "$WORK/node-a.log"
  "$ORDO" serve --db "$db" --listen "127.0.0.1:$PORT_B" >"$WORK/node-b.log" 2>&1 &
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

echo "== step 1/4: row-lock, flash sale on one SKU ($CLIENTS pgbench clients)"
run_rowlock flash 1
echo "== step 2/4: row-lock, uniform over the catalogue"
run_rowlock uniform 0
echo "== step 3/4: Ordo, 2 nodes, flash sale ($CLIENTS connections split over the nodes)"
run_ordo flash flash-sale --sku SKU-0001
echo "== step 4/4: Ordo, 2 nodes, uniform"
run_ordo uniform uniform

tps() { sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$1" | head -n1; }
lat() { sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p' "$1" | head -n1; }
rl_flash=$(tps "$RESULTS/rowlock-flash.txt")
rl_uni=$(tps "$RESULTS/rowlock-uniform.txt")
rl_flash_lat=$(lat "$RESULTS/rowlock-flash.txt")
rl_uni_lat=$(lat "$RESULTS/rowlock-uniform.txt")
of=$(awk -v a="$(field "$RESULTS/ordo-flash-a.json" ok_per_second)" -v b="$(field "$RESULTS/ordo-flash-b.json" ok_per_second)" 'BEGIN{print a+b}')
ou=$(awk -v a="$(field "$RESULTS/ordo-uniform-a.json" ok_per_second)" -v b="$(field "$RESULTS/ordo-uniform-b.json" ok_per_second)" 'BEGIN{print a+b}')
ofp=$(awk -v a="$(field "$RESULTS/ordo-flash-a.json" p99_ms)" -v b="$(field "$RESULTS/ordo-flash-b.json" p99_ms)" 'BEGIN{print (a>b)?a:b}')
oup=$(awk -v a="$(field "$RESULTS/ordo-uniform-a.json" p99_ms)" -v b="$(field "$RESULTS/ordo-uniform-b.json" p99_ms)" 'BEGIN{print (a>b)?a:b}')

awk -v rf="$rl_flash" -v ru="$rl_uni" -v rfl="$rl_flash_lat" -v rul="$rl_uni_lat" -v of="$of" -v ou="$ou" \
    -v ofp="$ofp" -v oup="$oup" -v c="$CLIENTS" -v d="$DURATION" '
function verdict(ok) { return ok ? "met" : "NOT met" }
BEGIN {
  printf "| PostgreSQL 15, %d connections, %d s | orders/s | latency | ratio | target |\n", c, d
  printf "|---|---:|---:|---:|---|\n"
  printf "| row-lock (pgbench), flash sale | %.0f | avg %.2f ms | 1.00 | |\n", rf, rfl
  printf "| Ordo, 2 nodes, flash sale | %.0f | p99 %.2f ms | %.1f x row-lock | >= 10 x: %s |\n", of, ofp, of / rf, verdict(of / rf >= 10)
  printf "| row-lock (pgbench), uniform | %.0f | avg %.2f ms | 1.00 | |\n", ru, rul
  printf "| Ordo, 2 nodes, uniform | %.0f | p99 %.2f ms | %.1f x row-lock | >= 3 x: %s |\n", ou, oup, ou / ru, verdict(ou / ru >= 3)
}' | tee "$RESULTS/summary.md"
echo "results: $RESULTS"
