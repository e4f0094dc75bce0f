#!/usr/bin/env bash
# Slow senders (slowloris) against `ordo serve`, in one run on this machine:
#   1. baseline: `ordo load --scenario uniform` with CONNECTIONS connections
#   2. the same, while SLOW (500) other connections each trickle one header
#      line a second and never finish their request
# on fresh SQLite directories with the same server flags. The figure is a
# normal client's p99 with the slow senders open (target: under 1 s), next to
# the baseline's, and how many slow senders the server cut off by the end
# (its --read-timeout, 10 s by default, ends a request that is not complete).
#
#   bash bench/slowloris.sh            # or: make bench-slowloris
#   CONNECTIONS=8 DURATION=15 SLOW=500 bash bench/slowloris.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh

ORDO=${ORDO:-build/src/cli/ordo}
PORT=${PORT:-18097}
URL="http://127.0.0.1:$PORT"
CONNECTIONS=${CONNECTIONS:-8}
DURATION=${DURATION:-15}
SLOW=${SLOW:-500}
WORK=$(mktemp -d /tmp/ordo-slowloris-XXXXXX)
RESULTS=${RESULTS:-$WORK/results}
mkdir -p "$RESULTS"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$WORK/data-"*' EXIT

[ -x "$ORDO" ] || { echo "no $ORDO: run make build first" >&2; exit 2; }
bench_auth

step() {  # step NAME SLOW_CONNECTIONS
  local dir="$WORK/data-$1"
  mkdir -p "$dir"
  "$ORDO" serve --data "$dir" --listen "127.0.0.1:$PORT" --demo --demo-stock 1000000 >"$dir/serve.log" 2>&1 &
  pid=$!
  wait_ready "$URL" /readyz "$dir/serve.log"
  "$ORDO" load --url "$URL" --scenario uniform -c "$CONNECTIONS" -d "$DURATION" -q --slow-connections "$2" \
    --json-out "$RESULTS/$1.json" | tee "$RESULTS/$1.txt"
  stop_server
}

echo "== machine: $(nproc) cores, $(uname -r); ordo $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "== step 1/2: $CONNECTIONS connections, no slow senders"
step baseline 0
echo "== step 2/2: $CONNECTIONS connections and $SLOW slow senders"
step slow "$SLOW"

base_p99=$(field "$RESULTS/baseline.json" p99_ms)
slow_p99=$(field "$RESULTS/slow.json" p99_ms)
base_rps=$(field "$RESULTS/baseline.json" ok_per_second)
slow_rps=$(field "$RESULTS/slow.json" ok_per_second)
opened=$(field "$RESULTS/slow.json" slow_opened)
closed=$(field "$RESULTS/slow.json" slow_closed)
echo
printf "| %s | orders/s | p99 |\n|---|---:|---:|\n" "$CONNECTIONS connections, $DURATION s"
printf "| no slow senders | %.0f | %.2f ms |\n" "$base_rps" "$base_p99"
printf "| %s slow senders open | %.0f | %.2f ms |\n" "$opened" "$slow_rps" "$slow_p99"
echo
echo "slow senders cut off by the server by the end: $closed of $opened"
awk -v p="$slow_p99" 'BEGIN { exit !(p < 1000) }' && echo "p99 under 1 s with $opened slow senders: met" ||
  { echo "p99 under 1 s with $opened slow senders: NOT met"; exit 1; }
