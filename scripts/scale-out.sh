#!/usr/bin/env bash
# Ordo scaled out on one machine: PostgreSQL, two `ordo serve` nodes and nginx
# in front of them, with deploy/nginx/ordo.conf as the nginx configuration.
#
#   scripts/scale-out.sh start   PostgreSQL (a local cluster, fsync on, loopback only),
#                                node A (loads the demo data) and node B, nginx;
#                                then http://127.0.0.1:8080/ is the load balancer.
#   scripts/scale-out.sh stop    stops everything and removes the data
#   scripts/scale-out.sh smoke   start, check the stack through nginx, stop (a test)
#
# Ports (127.0.0.1): LB_PORT=8080, NODE_A_PORT=8081, NODE_B_PORT=8082, PG_PORT=25433.
# DIR=/tmp/ordo-scale-out holds the data and the logs. ORDO=build/src/cli/ordo.
# DEMO_STOCK=N stocks every demo SKU with N units per location (default: varied).
set -Eeuo pipefail  # -E: the ERR trap below also fires inside functions
# Under set -e a failing command ends the script; say which one.
trap 'echo "scale-out: line $LINENO: exit $? from: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."

ORDO=${ORDO:-build/src/cli/ordo}
DIR=${DIR:-/tmp/ordo-scale-out}
LB_PORT=${LB_PORT:-8080}
NODE_A_PORT=${NODE_A_PORT:-8081}
NODE_B_PORT=${NODE_B_PORT:-8082}
PG_PORT=${PG_PORT:-25433}
NGINX=${NGINX:-/usr/sbin/nginx}
DB="postgresql://ordo@127.0.0.1:$PG_PORT/ordo_test"
LB="http://127.0.0.1:$LB_PORT"

wait_ready() {  # wait_ready URL LOG
  for _ in $(seq 1 200); do
    curl -sf "$1/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "scale-out: $1 did not become ready; last lines of $2:" >&2
  tail -n 20 "$2" >&2 || true
  return 1
}

start() {
  [ -x "$ORDO" ] || { echo "scale-out: no $ORDO (make build first)" >&2; exit 2; }
  [ -x "$NGINX" ] || { echo "scale-out: no $NGINX (apt-get install nginx, or scripts/install-deps.sh)" >&2; exit 2; }
  mkdir -p "$DIR"
  chmod 755 "$DIR"
  bash scripts/pg-test-cluster.sh start "$DIR/pg" "$PG_PORT" >/dev/null
  "$ORDO" migrate --db "$DB" >/dev/null
  "$ORDO" serve --db "$DB" --listen "127.0.0.1:$NODE_A_PORT" --demo --demo-stock "${DEMO_STOCK:-0}" >"$DIR/node-a.log" 2>&1 &
  echo $! >"$DIR/node-a.pid"
  wait_ready "http://127.0.0.1:$NODE_A_PORT" "$DIR/node-a.log"
  "$ORDO" serve --db "$DB" --listen "127.0.0.1:$NODE_B_PORT" >"$DIR/node-b.log" 2>&1 &
  echo $! >"$DIR/node-b.pid"
  wait_ready "http://127.0.0.1:$NODE_B_PORT" "$DIR/node-b.log"
  # The example configuration, on this run's ports.
  sed -e "s/127.0.0.1:8080/127.0.0.1:$LB_PORT/" -e "s/127.0.0.1:8081/127.0.0.1:$NODE_A_PORT/" \
      -e "s/127.0.0.1:8082/127.0.0.1:$NODE_B_PORT/" deploy/nginx/ordo.conf >"$DIR/ordo.conf"
  mkdir -p "$DIR/nginx-temp"
  cat >"$DIR/nginx.conf" <<CONF
worker_processes 1;
pid $DIR/nginx.pid;
error_log $DIR/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $DIR/nginx-temp/body;
    proxy_temp_path $DIR/nginx-temp/proxy;
    include $DIR/ordo.conf;
}
CONF
  "$NGINX" -p "$DIR" -c "$DIR/nginx.conf" -e "$DIR/nginx-error.log"
  wait_ready "$LB" "$DIR/nginx-error.log"
  # Both nodes sign and verify with the secret node A generated and kept in
  # PostgreSQL at its first start; an operator's admin token from it:
  "$ORDO" token --db "$DB" --role admin --subject operator >"$DIR/admin.token"
  echo "scale-out: an admin token is in $DIR/admin.token (Authorization: Bearer \$(cat $DIR/admin.token))"
  echo "scale-out: $LB -> nodes :$NODE_A_PORT and :$NODE_B_PORT on $DB (logs in $DIR)"
}

stop() {
  [ -f "$DIR/nginx.pid" ] && kill "$(cat "$DIR/nginx.pid")" 2>/dev/null || true
  for node in a b; do
    if [ -f "$DIR/node-$node.pid" ]; then
      pid=$(cat "$DIR/node-$node.pid")
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  done
  bash scripts/pg-test-cluster.sh stop "$DIR/pg" "$PG_PORT" >/dev/null 2>&1 || true
  rm -rf "$DIR"
}

fail() {
  echo "scale-out smoke: FAILED: $*" >&2
  for f in "$DIR"/node-a.log "$DIR"/node-b.log "$DIR"/nginx-error.log; do
    [ -f "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }
  done
  exit 1
}

placed_on() {  # placed_on PORT: the node's count of placed orders
  curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$1/metrics" | sed -n 's/^ordo_orders_total{outcome="placed"} \([0-9.e+]*\)$/\1/p' |
    awk '{printf "%d", $1}'
}

smoke() {
  trap stop EXIT
  start
  TOKEN=$(cat "$DIR/admin.token")
  local body='{"currency":"EUR","lines":[{"sku":"SKU-0002","quantity":1}],"shipping_address":{"name":"Ada","line1":"Unter den Linden 1","city":"Berlin","country":"DE"}}'
  # 1. A live stream through nginx, opened before the orders.
  curl -sN --max-time 15 -H "Authorization: Bearer $TOKEN" "$LB/v1/events/stream" >"$DIR/stream.txt" 2>/dev/null &
  local stream=$!
  for _ in $(seq 1 100); do grep -q '^: connected' "$DIR/stream.txt" 2>/dev/null && break; sleep 0.05; done
  # 2. Orders through nginx land on both nodes.
  local ids=()
  for i in $(seq 1 40); do
    out=$(curl -s -w '\n%{http_code}' -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' -H "Idempotency-Key: smoke-$i" \
          -X POST "$LB/v1/orders" -d "$body") || fail "order $i: curl exit $?"
    [ "$(echo "$out" | tail -n1)" = 201 ] || fail "order $i: $out"
    # No `echo | head`: head may exit before echo writes, and pipefail turns that SIGPIPE into a failure.
    ids+=("$(sed -n '1s/^{"id":"\([^"]*\)".*/\1/p' <<<"$out")")
  done
  a=$(placed_on "$NODE_A_PORT") || fail "no metrics from node A"
  b=$(placed_on "$NODE_B_PORT") || fail "no metrics from node B"
  [ "$((a + b))" -eq 40 ] || fail "the nodes count $a + $b placed orders, not 40"
  [ "$a" -gt 0 ] && [ "$b" -gt 0 ] || fail "nginx sent every order to one node ($a on A, $b on B)"
  # 3. A replay through nginx, whichever node answers.
  out=$(curl -s -D - -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' -H "Idempotency-Key: smoke-1" \
        -X POST "$LB/v1/orders" -d "$body") || fail "replay: curl exit $?"
  grep -qi '^Idempotent-Replayed: true' <<<"$out" || fail "no replay for smoke-1: $out"
  # 4. The stream showed every order, whichever node placed it.
  for _ in $(seq 1 50); do
    [ "$(grep -c '^event: order.created' "$DIR/stream.txt")" -ge 40 ] && break
    sleep 0.1
  done
  for id in "${ids[@]}"; do grep -q "\"order_id\":\"$id\"" "$DIR/stream.txt" || fail "order $id not in the stream"; done
  kill "$stream" 2>/dev/null || true
  # 5. The ledger is consistent.
  "$ORDO" check --db "$DB" >"$DIR/check.txt" || fail "ordo check: $(cat "$DIR/check.txt")"
  echo "scale-out smoke: ok ($a orders via node A, $b via node B, all 40 in the live stream through nginx; $(head -n1 "$DIR/check.txt"))"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  smoke) smoke ;;
  *) echo "usage: $0 start|stop|smoke" >&2; exit 2 ;;
esac
