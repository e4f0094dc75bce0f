#!/usr/bin/env bash
# How much of durable placement's cost is storage, and how much is the path
# every order takes anyway: the bound behind the placement target.
#
# It builds a private `ordo` from this checkout with bench/bound/store-less.patch
# applied (never shipped: it lets ORDO_BOUND_STORE skip storage), then runs, in
# turn, ROUNDS times, each on a fresh SQLite directory with 64 connections:
#   echo    : POST /v1/echo, the ceiling of bench/placement.sh
#   full    : uniform placement, everything stored (what ordo does)
#   order   : the same, but only the order row is written (no reservations,
#             events or stock changes): the least any durable design stores
#   nothing : the same, nothing written; each batch still runs the decision,
#             commits and waits for its sync, and every order still goes
#             through the writer thread and back
# and prints each round and the medians, as ratios to echo. All four steps run
# the same binary; `full` is ordo's own code path (the patch only adds a branch).
#
# Usage: bash bench/bound.sh       (the first run builds for about 11 minutes)
#   ROUNDS=4 DURATION=8 CONNECTIONS=64 BOUND_ORDO=path/to/a/patched/ordo
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh

ROUNDS=${ROUNDS:-4}
DURATION=${DURATION:-8}
CONNECTIONS=${CONNECTIONS:-64}
PORT=${PORT:-18191}
URL="http://127.0.0.1:$PORT"
TREE=${BOUND_TREE:-/tmp/ordo-bound}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=bench/results/bound-$STAMP
WORK=$(mktemp -d /tmp/ordo-bound-run.XXXXXX)
mkdir -p "$RESULTS"
pid=""
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$WORK"' EXIT

if [ -z "${BOUND_ORDO:-}" ]; then
  # A worktree of this commit with the patch, built in its own directory (kept
  # between runs, so a second run at the same commit builds nothing).
  head=$(git rev-parse HEAD)
  if [ ! -d "$TREE" ] || [ "$(git -C "$TREE" rev-parse HEAD 2>/dev/null)" != "$head" ]; then
    git worktree remove --force "$TREE" 2>/dev/null || rm -rf "$TREE"
    git worktree prune
    git worktree add --detach "$TREE" "$head" >/dev/null
    git -C "$TREE" apply "$PWD/bench/bound/store-less.patch"
  fi
  echo "== building the patched ordo in $TREE/build"
  cmake -S "$TREE" -B "$TREE/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$TREE/build" --target ordo -j "$(nproc)" >"$WORK/build.log" 2>&1 || {
    tail -n 30 "$WORK/build.log" >&2
    exit 1
  }
  BOUND_ORDO=$TREE/build/src/cli/ordo
fi
ORDO=$BOUND_ORDO
bench_auth

step() {  # step NAME ROUND STORE SCENARIO [serve flags…]
  local name=$1 round=$2 store=$3 scenario=$4 dir="$WORK/$1"
  shift 4
  mkdir -p "$dir"
  ORDO_BOUND_STORE=$store "$ORDO" serve --data "$dir" --listen "127.0.0.1:$PORT" --demo --demo-stock 1000000 "$@" \
    >"$dir/serve.log" 2>&1 &
  pid=$!
  wait_ready "$URL" /readyz "$dir/serve.log"
  "$ORDO" load --url "$URL" --scenario "$scenario" -c "$CONNECTIONS" -d "$DURATION" -q \
    --json-out "$RESULTS/${name}_$round.json" >/dev/null
  stop_server
  # Only the full step keeps the invariants (the others skip the reservations on purpose).
  if [ "$name" = full ]; then "$ORDO" check "$dir" >>"$RESULTS/check.txt"; fi
  rm -rf "$dir"
}

echo "== machine: $(nproc) cores, $(uname -r); ordo $(git rev-parse --short HEAD) + bench/bound/store-less.patch"
printf 'round\techo\tfull\torder\tnothing\n' | tee "$RESULTS/rounds.tsv"
for round in $(seq 1 "$ROUNDS"); do
  step echo "$round" "" echo --bench-echo
  step full "$round" "" uniform
  step order "$round" order uniform
  step nothing "$round" nothing uniform
  row=$round
  for name in echo full order nothing; do
    row="$row\t$(printf '%.0f' "$(field "$RESULTS/${name}_$round.json" ok_per_second)")"
  done
  printf '%b\n' "$row" | tee -a "$RESULTS/rounds.tsv"
done

python3 - "$RESULTS/rounds.tsv" <<'EOF' | tee "$RESULTS/summary.txt"
import statistics, sys
rows = [line.split('\t') for line in open(sys.argv[1]).read().split('\n')[1:] if line]
cols = {name: [float(r[i + 1]) for r in rows] for i, name in enumerate(['echo', 'full', 'order', 'nothing'])}
echo = statistics.median(cols['echo'])
print(f"== medians over {len(rows)} rounds (orders/s; ratio to echo, and the range of the rounds' own ratios)")
for name, what in [('echo', 'the ceiling'), ('full', 'durable placement, all stored'),
                   ('order', 'the order row only'), ('nothing', 'nothing stored')]:
    own = [v / e for v, e in zip(cols[name], cols['echo'])]
    print(f"{name:8s} {statistics.median(cols[name]):9.0f}  {statistics.median(cols[name]) / echo:5.2f} x"
          f"  ({min(own):.2f}-{max(own):.2f})  {what}")
EOF
echo "== results in $RESULTS"
