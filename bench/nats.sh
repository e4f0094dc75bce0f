#!/usr/bin/env bash
# Event publish lag of the NATS relay: from an event's commit (its batch's
# start, so slightly more) to its JetStream ack, as the relay measures it
# (histogram ordo_relay_publish_lag_seconds, read from /metrics before and after
# each step). One `ordo serve --demo --nats` on SQLite and one nats-server
# (scripts/nats-test-server.sh: JetStream, file storage, loopback), both fresh
# for every step. `ordo load` places orders (2 events each, 3 with a second
# line) at fixed rates, then closed-loop; after the load the script waits for
# the relay to empty its backlog. A last step runs the closed loop without
# --nats, for the relay's cost on placement. (The integration tests check that the stream
# then holds every event once: tests/integration/nats_test.cpp.)
#
# Usage: bash bench/nats.sh after make build
#   DURATION=10 RATES="200 1000" CLIENTS=64 ORDO=build/src/cli/ordo PORT=18291 NATS_PORT=18292
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh

ORDO=${ORDO:-build/src/cli/ordo}
DURATION=${DURATION:-10}
RATES=${RATES:-"200 1000"}
CLIENTS=${CLIENTS:-64}
PORT=${PORT:-18291}
NATS_PORT=${NATS_PORT:-18292}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=bench/results/nats-$STAMP
WORK=$(mktemp -d /tmp/ordo-natsbench.XXXXXX)
mkdir -p "$RESULTS"
pid=""

cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  bash scripts/nats-test-server.sh destroy "$WORK/nats" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

[ -x "$ORDO" ] || { echo "no $ORDO: run make build first" >&2; exit 2; }
bench_auth
URL="http://127.0.0.1:$PORT"

metric() {  # metric NAME: an un-labelled sample from /metrics
  # awk reads to the end: an early exit would fail curl with SIGPIPE (pipefail).
  curl -sf -H "$AUTH" "$URL/metrics" | awk -v n="$1" '$1 == n { v = $2 } END { print v }'
}

# quantiles BEFORE AFTER: p50, p99 and max bucket of the lag histogram between two
# /metrics texts, in ms, linear within a bucket.
quantiles() {
  awk '
    FNR == 1 { file++ }
    /^ordo_relay_publish_lag_seconds_bucket/ {
      le = $1; sub(/.*le="/, "", le); sub(/".*/, "", le)
      if (file == 1) before[le] = $2; else { after[le] = $2; if (!(le in seen)) { order[n++] = le; seen[le] = 1 } }
    }
    END {
      total = after["+Inf"] - before["+Inf"]
      if (total <= 0) { print "0 - - -"; exit }
      split("0.5 0.99", qs, " ")
      out = total
      for (qi = 1; qi <= 2; qi++) {
        want = qs[qi] * total; prev_le = 0; prev_c = 0; v = "-"
        for (i = 0; i < n; i++) {
          c = after[order[i]] - before[order[i]]
          if (c >= want) {
            if (order[i] == "+Inf") { v = "> " prev_le * 1000; break }
            v = sprintf("%.1f", (prev_le + (order[i] - prev_le) * (c > prev_c ? (want - prev_c) / (c - prev_c) : 1)) * 1000)
            break
          }
          prev_le = order[i]; prev_c = c
        }
        out = out " " v
      }
      # the largest non-empty bucket
      top = "-"; prev_c = 0
      for (i = 0; i < n; i++) { c = after[order[i]] - before[order[i]]; if (c > prev_c) top = order[i]; prev_c = c }
      print out " " (top == "+Inf" ? "> 10000" : top * 1000)
    }' "$1" "$2"
}

# baseline NAME [load flags…]: the same load with no relay (orders/s only).
baseline() {
  local name=$1
  shift
  rm -rf "$WORK/data"
  "$ORDO" serve --data "$WORK/data" --listen "127.0.0.1:$PORT" --demo --demo-stock 1000000 >"$RESULTS/serve-$name.log" 2>&1 &
  pid=$!
  wait_ready "$URL" /readyz "$RESULTS/serve-$name.log"
  "$ORDO" load --url "$URL" --scenario uniform -d "$DURATION" -q --json-out "$RESULTS/load-$name.json" "$@" \
    >"$RESULTS/load-$name.txt"
  stop_server
  printf '| %s | %.0f | no relay | | | | | |\n' "$name" "$(field "$RESULTS/load-$name.json" ok_per_second)" |
    tee -a "$RESULTS/summary.md"
}

run_step() {  # run_step NAME [load flags…]
  local name=$1
  shift
  rm -rf "$WORK/data"
  bash scripts/nats-test-server.sh destroy "$WORK/nats" >/dev/null
  bash scripts/nats-test-server.sh start "$WORK/nats" "$NATS_PORT" >/dev/null
  "$ORDO" serve --data "$WORK/data" --listen "127.0.0.1:$PORT" --demo --demo-stock 1000000 \
    --nats "nats://127.0.0.1:$NATS_PORT" >"$RESULTS/serve-$name.log" 2>&1 &
  pid=$!
  wait_ready "$URL" /readyz "$RESULTS/serve-$name.log"
  for _ in $(seq 1 100); do [ "$(metric ordo_relay_backlog_events)" = 0 ] && break; sleep 0.1; done
  curl -sf -H "$AUTH" "$URL/metrics" >"$RESULTS/metrics-$name-before.txt"
  local published_before
  published_before=$(metric ordo_relay_events_published_total)
  "$ORDO" load --url "$URL" --scenario uniform -d "$DURATION" -q --json-out "$RESULTS/load-$name.json" "$@" \
    >"$RESULTS/load-$name.txt"
  local backlog_at_end drained=0 polls=0
  backlog_at_end=$(metric ordo_relay_backlog_events)
  for polls in $(seq 0 600); do
    [ "$(metric ordo_relay_backlog_events)" = 0 ] && { drained=1; break; }
    sleep 0.1
  done
  local drain_s
  drain_s=$(awk -v p="$polls" 'BEGIN { printf "%.1f", p / 10 }')
  curl -sf -H "$AUTH" "$URL/metrics" >"$RESULTS/metrics-$name-after.txt"
  local published
  published=$(awk -v a="$(metric ordo_relay_events_published_total)" -v b="$published_before" 'BEGIN { print a - b }')
  stop_server
  local events
  events=$("$ORDO" check "$WORK/data" | sed -n 's/.*orders, \([0-9]*\) events.*/\1/p')
  read -r count p50 p99 top <<<"$(quantiles "$RESULTS/metrics-$name-before.txt" "$RESULTS/metrics-$name-after.txt")"
  local orders_s
  orders_s=$(field "$RESULTS/load-$name.json" ok_per_second)
  printf '| %s | %.0f | %.0f | %s | %s | %s | %s | %s |\n' "$name" "$orders_s" \
    "$(awk -v p="$published" -v d="$DURATION" 'BEGIN { print p / d }')" "$p50" "$p99" "$top" "$backlog_at_end" \
    "$([ "$drained" = 1 ] && echo "${drain_s} s" || echo "not drained in 60 s")" | tee -a "$RESULTS/summary.md"
  echo "$name: $events events in the log, $published published during the step ($count lag samples)" >>"$RESULTS/notes.txt"
}

echo "== machine: $(nproc) cores, $(uname -r); ordo $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "== $(bash scripts/nats-test-server.sh check)"
{
  echo "| step ($DURATION s, SQLite) | orders/s | events published/s | lag p50 ms | lag p99 ms | worst bucket ≤ ms | backlog at the end | drained within |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|"
} | tee "$RESULTS/summary.md"
for rate in $RATES; do
  run_step "rate-$rate" --rate "$rate" -c 16
done
run_step "closed-loop-$CLIENTS" -c "$CLIENTS"
baseline "closed-loop-$CLIENTS-without-nats" -c "$CLIENTS"
cat "$RESULTS/notes.txt"
echo "results: $RESULTS"
