#!/usr/bin/env bash
# The lifecycle benchmark behind the README's figures, in one run on one machine.
# `ordo sim` is the payment gateway (chaos knobs at 0) and `ordo serve --demo
# --payment-gateway <sim>` the server, both on loopback. For each backend:
#   1. placement: the baseline, `ordo load --scenario uniform` (POST /v1/orders only)
#   2. lifecycle: `ordo load --scenario lifecycle`, each connection running order
#      flows in a closed loop: create → pay → poll GET until paid (the charge is a
#      job the runner takes to the gateway) → ship → deliver
# Each step starts on a fresh database (SQLite: WAL, synchronous=FULL; PostgreSQL
# 15 started here: fsync on, a fresh schema), the same server flags, the same
# connections and duration; then the server drains, `ordo check` checks the data,
# and after the lifecycle no job may be dead. Figures: flows/s from create to
# delivered, p99 of POST /pay and of the whole flow, next to placement orders/s.
#
# Usage: make bench-lifecycle, or bash bench/lifecycle.sh after make build
#   DURATION=10 CONNECTIONS=64 POLL_MS=10 BACKENDS="sqlite postgres" ORDO=build/src/cli/ordo
#   SERVE_FLAGS="--job-workers 32" (extra `ordo serve` flags, default none)
# PostgreSQL is skipped, with a note, when its binaries are not installed.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh

ORDO=${ORDO:-build/src/cli/ordo}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
POLL_MS=${POLL_MS:-10}
BACKENDS=${BACKENDS:-sqlite postgres}
SERVE_FLAGS=${SERVE_FLAGS:-}
PORT=${PORT:-18183}
SIM_PORT=${SIM_PORT:-18184}
PG_PORT=${PG_PORT:-25433}
URL="http://127.0.0.1:$PORT"
SIM_URL="http://127.0.0.1:$SIM_PORT"
PG_BASE="host=127.0.0.1 port=$PG_PORT dbname=ordo_test user=ordo"
bench_setup lifecycle

start_server() {  # start_server BACKEND DB
  local log="$WORK/serve-$STEP.log"
  # shellcheck disable=SC2086  # SERVE_FLAGS is a list of flags
  "$ORDO" serve "$(db_flag "$1")" "$2" --listen "127.0.0.1:$PORT" --demo --demo-stock 1000000 \
    --payment-gateway "$SIM_URL" $SERVE_FLAGS >"$log" 2>&1 &
  pid=$!
  wait_ready "$URL" /readyz "$log"
}

run_step() {  # run_step BACKEND SCENARIO
  local backend=$1 scenario=$2 db
  STEP="$backend-$scenario"
  db=$(db_of "$backend" "lc_$scenario")
  curl -sf -X POST "$SIM_URL/v1/reset" >/dev/null
  start_server "$backend" "$db"
  "$ORDO" load --url "$URL" --scenario "$scenario" -c "$CONNECTIONS" -d "$DURATION" -q \
    --poll-interval-ms "$POLL_MS" --json-out "$RESULTS/$STEP.json" | tee "$RESULTS/$STEP.txt"
  curl -sf -H "$AUTH" "$URL/metrics" >"$RESULTS/$STEP-metrics.txt"
  if [ "$scenario" = lifecycle ]; then
    curl -sf -H "$AUTH" "$URL/v1/jobs/stats" >"$RESULTS/$STEP-jobs.json"
    curl -sf -H "$AUTH" "$URL/v1/jobs?state=dead&limit=200" >"$RESULTS/$STEP-dead.json"
    curl -sf "$SIM_URL/v1/ledger" | grep -o '"totals":{[^}]*}' >"$RESULTS/$STEP-ledger.json" || true
    echo "   gateway $(cat "$RESULTS/$STEP-ledger.json")"
    if ! grep -q '"items":\[\]' "$RESULTS/$STEP-dead.json"; then
      echo "dead jobs after the lifecycle run: $RESULTS/$STEP-dead.json" >&2
      exit 1
    fi
  fi
  stop_server
  echo "-- $STEP" >>"$RESULTS/check.txt"
  if [ "$backend" = sqlite ]; then
    "$ORDO" check "$db" | tee -a "$RESULTS/check.txt" | sed 's/^/   /'
    rm -rf "$db"
  else
    "$ORDO" check --db "$db" | tee -a "$RESULTS/check.txt" | sed 's/^/   /'
  fi
}

echo "== machine: $(nproc) cores, $(uname -r), load average $(loadavg); ordo $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
load_before=$(loadavg)
echo "== $CONNECTIONS connections, $DURATION s per step, poll every $POLL_MS ms; serve flags: ${SERVE_FLAGS:-(defaults)}"
"$ORDO" sim --listen "127.0.0.1:$SIM_PORT" >"$WORK/sim.log" 2>&1 &
sim_pid=$!
wait_ready "$SIM_URL" /v1/chaos "$WORK/sim.log"

ran=()
for backend in $BACKENDS; do
  bench_backend "$backend" || continue
  echo "== $backend 1/2: placement baseline (uniform)"
  run_step "$backend" uniform
  echo "== $backend 2/2: lifecycle, create to delivered"
  run_step "$backend" lifecycle
  ran+=("$backend")
done
kill -TERM "$sim_pid"
wait "$sim_pid" || true
sim_pid=""

{
  printf "| %d connections, %d s, poll every %s ms | rate | p99 | ratio |\n" "$CONNECTIONS" "$DURATION" "$POLL_MS"
  printf "|---|---:|---:|---:|\n"
  for backend in "${ran[@]}"; do
    u="$RESULTS/$backend-uniform.json"
    l="$RESULTS/$backend-lifecycle.json"
    um="$RESULTS/$backend-uniform-metrics.txt"
    lm="$RESULTS/$backend-lifecycle-metrics.txt"
    awk -v b="$backend" -v u="$(field "$u" ok_per_second)" -v up="$(field "$u" p99_ms)" \
        -v ub="$(sample "$um" ordo_batch_duration_seconds_count)" -v uc="$(field "$u" ok_2xx)" \
        -v lb="$(sample "$lm" ordo_batch_duration_seconds_count)" -v lbs="$(sample "$lm" ordo_batch_duration_seconds_sum)" \
        -v lcmd="$(sample "$lm" ordo_batch_commands_sum)" -v lf="$(field "$l" flows_completed)" \
        -v ubs="$(sample "$um" ordo_batch_duration_seconds_sum)" -v ucmd="$(sample "$um" ordo_batch_commands_sum)" \
        -v f="$(field "$l" flows_per_second)" -v pay="$(field "$l" pay_p99_ms)" -v fl="$(field "$l" flow_p99_ms)" \
        -v flp50="$(field "$l" flow_p50_ms)" -v cr="$(field "$l" create_p99_ms)" -v rq="$(field "$l" ok_per_second)" \
        -v polls="$(field "$l" polls_per_flow)" -v failed="$(field "$l" flows_failed)" \
        -v n2="$(( $(field "$l" create_non_2xx) + $(field "$l" pay_non_2xx) + $(field "$l" poll_non_2xx) + $(field "$l" ship_non_2xx) + $(field "$l" deliver_non_2xx) ))" '
    BEGIN {
      printf "| %s: placement (uniform), create only | %.0f orders/s | %.2f ms | 1.00 |\n", b, u, up
      printf "| %s: lifecycle, create to delivered | **%.0f flows/s** | pay **%.2f ms** · create %.2f ms · flow %.1f ms (p50 %.1f) | %.2f x placement |\n", b, f, pay, cr, fl, flp50, f / u
      printf "| %s: lifecycle, every request (%.2f polls a flow) | %.0f requests/s | | %.2f x placement |\n", b, polls, rq, rq / u
      if (failed > 0 || n2 > 0) printf "| %s: lifecycle failed flows %d, non-2xx %d | | | |\n", b, failed, n2
      printf "| %s: commits (batches): placement %.2f an order, %.1f commands and %.1f ms each; lifecycle %.1f a flow, %.1f commands and %.1f ms each | | | |\n", b, ub / uc, ucmd / ub, 1000 * ubs / ub, lb / lf, lcmd / lb, 1000 * lbs / lb
    }'
  done
  printf "\nload average (1, 5, 15 min) on %d cores: %s before the run (other processes), %s after it\n" \
    "$(nproc)" "$load_before" "$(loadavg)"
} | tee "$RESULTS/summary.md"
echo "results: $RESULTS"
