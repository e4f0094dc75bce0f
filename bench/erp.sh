#!/usr/bin/env bash
# ERP → Ordo → WMS, end to end, against the same run's plain placement.
# `ordo sim` is the ERP and the WMS (chaos knobs at 0, `--wms-step-ms` apart
# between picked, packed, shipped and delivered) and `ordo serve --demo
# --wms-url <sim>` the server, all on loopback. For each backend:
#   1. placement: the baseline, `ordo load --scenario uniform` (POST /v1/orders only)
#   2. erp: the simulated ERP sends COUNT new orders as fast as it can (RATE,
#      CONCURRENCY senders), signed, to POST /v1/integrations/erp/orders; each is
#      placed, paid elsewhere and moved to fulfilling with its WMS push queued in
#      one commit; the push job posts it to the WMS; the WMS's four signed
#      callbacks take it to delivered. The clock runs from the run's start until
#      the WMS has had every callback answered (the last one is the delivery).
# Each step starts on a fresh database (SQLite: WAL, synchronous=FULL; PostgreSQL
# 15 started here: fsync on, a fresh schema) with the same server flags; then the
# server drains and `ordo check` checks the data. The ERP step also checks that
# every order is delivered once in Ordo, pushed once (the WMS's stats) and that
# no job is dead.
# Figures: ERP orders/s end to end (sent to delivered), the intake alone (the
# ERP's sends, answered 201), and placement orders/s.
#
# Usage: make bench-erp, or bash bench/erp.sh after make build
#   COUNT=4000 RATE=10000 CONCURRENCY=32 STEP_MS=10 DURATION=10 CONNECTIONS=64
#   BACKENDS="sqlite postgres" ORDO=build/src/cli/ordo SERVE_FLAGS="--job-workers 32"
# PostgreSQL is skipped, with a note, when its binaries are not installed.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh

ORDO=${ORDO:-build/src/cli/ordo}
COUNT=${COUNT:-4000}
RATE=${RATE:-10000}
CONCURRENCY=${CONCURRENCY:-32}
STEP_MS=${STEP_MS:-10}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
BACKENDS=${BACKENDS:-sqlite postgres}
SERVE_FLAGS=${SERVE_FLAGS:-}
PORT=${PORT:-18185}
SIM_PORT=${SIM_PORT:-18186}
PG_PORT=${PG_PORT:-25434}
URL="http://127.0.0.1:$PORT"
SIM_URL="http://127.0.0.1:$SIM_PORT"
PG_BASE="host=127.0.0.1 port=$PG_PORT dbname=ordo_test user=ordo"
ERP_SECRET="whsec_$(printf 'bench-erp-secret-%s' "$$" | base64 -w0)"
WMS_SECRET="whsec_$(printf 'bench-wms-secret-%s' "$$" | base64 -w0)"
bench_setup erp

start_server() {  # start_server BACKEND DB
  local log="$WORK/serve-$STEP.log"
  # shellcheck disable=SC2086  # SERVE_FLAGS is a list of flags
  "$ORDO" serve "$(db_flag "$1")" "$2" --listen "127.0.0.1:$PORT" --demo --demo-stock 1000000 \
    --payment-gateway "$SIM_URL" --wms-url "$SIM_URL" --erp-secret "$ERP_SECRET" --wms-secret "$WMS_SECRET" \
    $SERVE_FLAGS >"$log" 2>&1 &
  pid=$!
  wait_ready "$URL" /readyz "$log"
}

json_num() {  # json_num NAME: a number of the flat JSON object on stdin
  sed -n "s/.*\"$1\":\([0-9.eE+-]*\).*/\1/p" | head -n1
}

now_ms() { date +%s%3N; }

api_key() {  # api_key SCOPE: a new API key of that scope
  curl -sf -X POST "$URL/v1/auth/api-keys" -H "$AUTH" -H 'content-type: application/json' \
    -d "{\"name\": \"bench $1\", \"scopes\": [\"$1\"]}" | sed -n 's/.*"key":"\([^"]*\)".*/\1/p'
}

# Orders of the demo SKUs with index % 3 == 0: every one can be filled from one warehouse (ERP orders are never split).
SKUS=$(for i in $(seq 1 3 60); do printf '"SKU-%04d",' "$i"; done | sed 's/,$//')

run_placement() {  # run_placement BACKEND
  local backend=$1 db
  STEP="$backend-placement"
  db=$(db_of "$backend" erp_placement)
  start_server "$backend" "$db"
  "$ORDO" load --url "$URL" --scenario uniform -c "$CONNECTIONS" -d "$DURATION" -q \
    --json-out "$RESULTS/$STEP.json" | tee "$RESULTS/$STEP.txt"
  stop_server
  check "$backend" "$db"
}

run_erp() {  # run_erp BACKEND
  local backend=$1 db started finished t0 t1 stats sent
  STEP="$backend-erp"
  db=$(db_of "$backend" erp_erp)
  curl -sf -X POST "$SIM_URL/v1/reset" >/dev/null
  start_server "$backend" "$db"
  curl -sf -X PUT "$SIM_URL/wms/v1/config" -H 'content-type: application/json' \
    -d "{\"callback_url\": \"$URL/v1/integrations/wms/events\", \"api_key\": \"$(api_key wms)\"}" >/dev/null
  curl -sf -X PUT "$SIM_URL/erp/v1/config" -H 'content-type: application/json' \
    -d "{\"ordo_url\": \"$URL\", \"api_key\": \"$(api_key erp)\"}" >/dev/null
  t0=$(now_ms)
  curl -sf -X POST "$SIM_URL/erp/v1/runs" -H 'content-type: application/json' \
    -d "{\"rate\": $RATE, \"count\": $COUNT, \"concurrency\": $CONCURRENCY, \"skus\": [$SKUS]}" >/dev/null
  # Until every order's last callback (delivered) is answered, or 10 minutes.
  for _ in $(seq 1 6000); do
    stats=$(curl -sf "$SIM_URL/wms/v1/stats")
    sent=$(echo "$stats" | json_num callbacks_sent)
    [ "${sent:-0}" -ge $((4 * COUNT)) ] && break
    [ -z "${finished:-}" ] && curl -sf "$SIM_URL/erp/v1/runs/current" | grep -q '"state":"finished"' && finished=$(now_ms)
    sleep 0.1
  done
  t1=$(now_ms)
  curl -sf "$SIM_URL/erp/v1/runs/current" >"$RESULTS/$STEP-run.json"
  echo "$stats" >"$RESULTS/$STEP-wms.json"
  curl -sf -H "$AUTH" "$URL/v1/jobs/stats" >"$RESULTS/$STEP-jobs.json"
  curl -sf -H "$AUTH" "$URL/metrics" >"$RESULTS/$STEP-metrics.txt"
  local delivered=0 cursor="" page
  while :; do
    page=$(curl -sf -H "$AUTH" "$URL/v1/orders?status=delivered&limit=200${cursor:+&cursor=$cursor}")
    delivered=$((delivered + $(echo "$page" | grep -o '{"id":"ord_' | wc -l)))
    cursor=$(echo "$page" | sed -n 's/.*"next_cursor":"\([^"]*\)".*/\1/p')
    [ -z "$cursor" ] && break
  done
  started=$(sed -n 's/.*"started_at":"\([^"]*\)".*/\1/p' "$RESULTS/$STEP-run.json")
  local accepted pushes dead busy
  accepted=$(json_num accepted <"$RESULTS/$STEP-run.json")
  busy=$(sample "$RESULTS/$STEP-metrics.txt" ordo_batch_duration_seconds_sum)
  pushes=$(json_num pushes_accepted <"$RESULTS/$STEP-wms.json")
  dead=$(sed -n 's/.*"totals":{[^}]*"dead":\([0-9]*\).*/\1/p' "$RESULTS/$STEP-jobs.json")
  printf '{"count":%d,"accepted":%d,"delivered":%d,"pushes_accepted":%d,"dead_jobs":%d,"elapsed_ms":%d,"intake_ms":%d,"writer_busy_s":%s,"commits":%s,"started_at":"%s"}\n' \
    "$COUNT" "$accepted" "$delivered" "$pushes" "${dead:-0}" $((t1 - t0)) $((${finished:-$t1} - t0)) "$busy" \
    "$(sample "$RESULTS/$STEP-metrics.txt" ordo_batch_duration_seconds_count)" "$started" \
    | tee "$RESULTS/$STEP.json"
  unset finished
  stop_server
  check "$backend" "$db"
  if [ "$accepted" -ne "$COUNT" ] || [ "$delivered" -ne "$COUNT" ] || [ "$pushes" -ne "$COUNT" ] || [ "${dead:-0}" -ne 0 ]; then
    echo "the ERP step did not deliver every order exactly once: $RESULTS/$STEP.json" >&2
    exit 1
  fi
}

check() {  # check BACKEND DB
  echo "-- $STEP" >>"$RESULTS/check.txt"
  if [ "$1" = sqlite ]; then
    "$ORDO" check "$2" | tee -a "$RESULTS/check.txt" | sed 's/^/   /'
    rm -rf "$2"
  else
    "$ORDO" check --db "$2" | tee -a "$RESULTS/check.txt" | sed 's/^/   /'
  fi
}

echo "== machine: $(nproc) cores, $(uname -r), load average $(loadavg); ordo $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
load_before=$(loadavg)
echo "== ERP: $COUNT orders at up to $RATE/s over $CONCURRENCY senders, WMS steps $STEP_MS ms apart; placement: $CONNECTIONS connections, $DURATION s; serve flags: ${SERVE_FLAGS:-(defaults)}"
"$ORDO" sim --listen "127.0.0.1:$SIM_PORT" --wms-step-ms "$STEP_MS" --erp-secret "$ERP_SECRET" \
  --wms-secret "$WMS_SECRET" >"$WORK/sim.log" 2>&1 &
sim_pid=$!
wait_ready "$SIM_URL" /v1/chaos "$WORK/sim.log"

ran=()
for backend in $BACKENDS; do
  bench_backend "$backend" || continue
  echo "== $backend 1/2: placement baseline (uniform)"
  run_placement "$backend"
  echo "== $backend 2/2: ERP → Ordo → WMS → delivered"
  run_erp "$backend"
  ran+=("$backend")
done
kill -TERM "$sim_pid"
wait "$sim_pid" || true
sim_pid=""

{
  printf "| ERP: %d orders, WMS steps %s ms apart; placement: %d connections, %d s | orders/s | ratio |\n" \
    "$COUNT" "$STEP_MS" "$CONNECTIONS" "$DURATION"
  printf "|---|---:|---:|\n"
  for backend in "${ran[@]}"; do
    p="$RESULTS/$backend-placement.json"
    e="$RESULTS/$backend-erp.json"
    awk -v b="$backend" -v u="$(field "$p" ok_per_second)" -v up="$(field "$p" p99_ms)" -v n="$(field "$e" count)" \
        -v ms="$(field "$e" elapsed_ms)" -v ims="$(field "$e" intake_ms)" -v busy="$(field "$e" writer_busy_s)" \
        -v commits="$(field "$e" commits)" '
    BEGIN {
      printf "| %s: placement (uniform), POST /v1/orders, p99 %.2f ms | %.0f | 1.00 |\n", b, up, u
      printf "| %s: ERP intake, sent to answered 201 (%.1f s) | %.0f | %.2f x placement |\n", b, ims / 1000, n * 1000 / ims, n * 1000 / ims / u
      printf "| %s: ERP → Ordo → WMS → delivered, end to end (%.1f s) | **%.0f** | %.2f x placement |\n", b, ms / 1000, n * 1000 / ms, n * 1000 / ms / u
      printf "| %s: the writer was busy %.1f of those %.1f s: %.2f ms and %.1f commits an order | | |\n", b, busy, ms / 1000, busy * 1000 / n, commits / n
    }'
  done
  printf "\nload average (1, 5, 15 min) on %d cores: %s before the run (other processes), %s after it\n" \
    "$(nproc)" "$load_before" "$(loadavg)"
} | tee "$RESULTS/summary.md"
echo "results: $RESULTS"
