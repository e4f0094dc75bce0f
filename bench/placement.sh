#!/usr/bin/env bash
# The placement benchmark behind the README's figures, in one run on one machine:
#   1. echo      : POST /v1/echo parses and validates an order, no storage (the ceiling)
#   2. uniform   : durable placement, SKUs uniform over the demo catalogue
#   3. flash-sale: durable placement, every order on one SKU (ample stock)
#   4. 1M stored : uniform placement after PRELOAD_ORDERS orders are already stored
# Each step starts `ordo serve` on a fresh SQLite directory (WAL, synchronous=FULL),
# drives it with `ordo load` (64 keep-alive connections, closed loop), stops it and
# runs `ordo check` on the data. Targets: uniform >= 0.6 x echo, flash >= 0.95 x
# uniform, p99 <= 10 ms, 1M-stored within 10 % of uniform.
#
# Usage: bash bench/placement.sh            (make bench builds first)
#   DURATION=10 CONNECTIONS=64 PRELOAD_ORDERS=1000000 ORDO=build/src/cli/ordo
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh

ORDO=${ORDO:-build/src/cli/ordo}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
PRELOAD_ORDERS=${PRELOAD_ORDERS:-1000000}
PORT=${PORT:-18181}
URL="http://127.0.0.1:$PORT"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=bench/results/placement-$STAMP
WORK=$(mktemp -d /tmp/ordo-bench.XXXXXX)
mkdir -p "$RESULTS"
pid=""

cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

[ -x "$ORDO" ] || { echo "no $ORDO: run make bench (or make build) first" >&2; exit 2; }
bench_auth

start_server() {  # start_server DIR [flags…]
  local dir=$1
  shift
  mkdir -p "$dir"
  "$ORDO" serve --data "$dir" --listen "127.0.0.1:$PORT" --demo --demo-stock 1000000 "$@" >"$dir/serve.log" 2>&1 &
  pid=$!
  wait_ready "$URL" /readyz "$dir/serve.log"
}

run_load() {  # run_load NAME SCENARIO [extra load flags…]
  local name=$1 scenario=$2
  shift 2
  "$ORDO" load --url "$URL" --scenario "$scenario" -c "$CONNECTIONS" -d "$DURATION" -q \
    --json-out "$RESULTS/$name.json" "$@" | tee "$RESULTS/$name.txt"
}

check_db() {
  "$ORDO" check "$1" | tee -a "$RESULTS/check.txt"
}

echo "== machine: $(nproc) cores, $(uname -r); ordo $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "== step 1/4: echo ceiling"
start_server "$WORK/echo" --bench-echo
run_load echo echo
stop_server

echo "== step 2/4: uniform placement, empty database"
start_server "$WORK/uniform"
run_load uniform uniform
stop_server
check_db "$WORK/uniform"
rm -rf "$WORK/uniform"

echo "== step 3/4: flash sale on one SKU"
start_server "$WORK/flash"
run_load flash flash-sale --sku SKU-0001
stop_server
check_db "$WORK/flash"
rm -rf "$WORK/flash"

echo "== step 4/4: uniform placement with $PRELOAD_ORDERS orders stored"
start_server "$WORK/big"
stored=0
chunk=0
while [ "$stored" -lt "$PRELOAD_ORDERS" ]; do
  chunk=$((chunk + 1))
  "$ORDO" load --url "$URL" --scenario uniform -c "$CONNECTIONS" -d 20 -q --json-out "$WORK/preload-$chunk.json" >/dev/null
  stored=$((stored + $(sed -n 's/.*"ok_2xx":\([0-9]*\).*/\1/p' "$WORK/preload-$chunk.json")))
  echo "   preloaded $stored orders"
done
run_load big uniform
stop_server
check_db "$WORK/big"

echo_rps=$(field "$RESULTS/echo.json" ok_per_second)
uni_rps=$(field "$RESULTS/uniform.json" ok_per_second)
flash_rps=$(field "$RESULTS/flash.json" ok_per_second)
big_rps=$(field "$RESULTS/big.json" ok_per_second)
uni_p99=$(field "$RESULTS/uniform.json" p99_ms)
flash_p99=$(field "$RESULTS/flash.json" p99_ms)
big_p99=$(field "$RESULTS/big.json" p99_ms)
echo_p99=$(field "$RESULTS/echo.json" p99_ms)

awk -v e="$echo_rps" -v u="$uni_rps" -v f="$flash_rps" -v b="$big_rps" -v up="$uni_p99" -v fp="$flash_p99" \
    -v bp="$big_p99" -v ep="$echo_p99" -v n="$stored" -v c="$CONNECTIONS" -v d="$DURATION" '
function verdict(ok) { return ok ? "met" : "NOT met" }
BEGIN {
  printf "| step (%d connections, %d s) | orders/s | p99 ms | ratio | target |\n", c, d
  printf "|---|---:|---:|---:|---|\n"
  printf "| echo ceiling (parse + validate, no storage) | %.0f | %.2f | 1.00 | |\n", e, ep
  printf "| uniform placement, durable | %.0f | %.2f | %.2f x echo | >= 0.60 x echo: %s; p99 <= 10 ms: %s |\n", u, up, u / e, verdict(u / e >= 0.6), verdict(up <= 10)
  printf "| flash sale, one SKU, durable | %.0f | %.2f | %.2f x uniform | >= 0.95 x uniform: %s; p99 <= 10 ms: %s |\n", f, fp, f / u, verdict(f / u >= 0.95), verdict(fp <= 10)
  printf "| uniform with %d orders stored | %.0f | %.2f | %.2f x empty | within 10 %%: %s |\n", n, b, bp, b / u, verdict(b / u >= 0.9)
}' | tee "$RESULTS/summary.md"
echo "results: $RESULTS"
