#!/usr/bin/env bash
# A/B of two `ordo` binaries in the same minutes: the machine is shared and
# noisy, so a change is judged against its baseline measured alternately, never
# against a figure from another hour. Each run starts `ordo serve --demo` on a
# fresh SQLite directory and drives it with `ordo load` (NEW's load generator
# for both, with an admin token both accept).
#
#   OLD=/tmp/old/build/src/cli/ordo NEW=build/src/cli/ordo bash bench/ab.sh
#   SCENARIOS="echo uniform" ROUNDS=2 CONNECTIONS=64 DURATION=8
# OLD_FLAGS / NEW_FLAGS: extra serve flags of each (e.g. a binary from before
# authentication takes no --jwt-secret: OLD_FLAGS="" is the default).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh

OLD=${OLD:?give OLD=path/to/the/baseline/ordo}
NEW=${NEW:-build/src/cli/ordo}
ORDO=$NEW
SCENARIOS=${SCENARIOS:-echo uniform}
ROUNDS=${ROUNDS:-2}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-8}
PORT=${PORT:-18111}
URL="http://127.0.0.1:$PORT"
OLD_FLAGS=${OLD_FLAGS:-}
NEW_FLAGS=${NEW_FLAGS:-}
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null' EXIT
bench_auth

run() {  # run LABEL BINARY FLAGS SCENARIO
  local dir
  dir=$(mktemp -d /tmp/ordo-ab-XXXXXX)
  local extra=""
  [ "$4" = echo ] && extra="--bench-echo"
  # shellcheck disable=SC2086
  "$2" serve --data "$dir" --listen "127.0.0.1:$PORT" --demo --demo-stock 1000000 $extra $3 >"$dir/log" 2>&1 &
  pid=$!
  wait_ready "$URL" /readyz "$dir/log"
  "$NEW" load --url "$URL" --scenario "$4" -c "$CONNECTIONS" -d "$DURATION" -q --json-out "$dir/out.json" >/dev/null
  printf "%-4s %-8s %10.0f orders/s  p99 %7.2f ms\n" "$1" "$4" "$(field "$dir/out.json" ok_per_second)" \
    "$(field "$dir/out.json" p99_ms)"
  stop_server
  rm -rf "$dir"
}

echo "== OLD $OLD ($OLD_FLAGS) vs NEW $NEW ($NEW_FLAGS); $CONNECTIONS connections, $DURATION s, $ROUNDS rounds"
for _ in $(seq 1 "$ROUNDS"); do
  for scenario in $SCENARIOS; do
    run old "$OLD" "$OLD_FLAGS" "$scenario"
    run new "$NEW" "$NEW_FLAGS" "$scenario"
  done
done
