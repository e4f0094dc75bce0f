# Shell helpers shared by the benchmark scripts (sourced, not run).

# wait_ready URL PATH LOG: until GET URL+PATH answers 2xx (20 s), else print LOG and exit.
wait_ready() {
  for _ in $(seq 1 200); do
    curl -sf "$1$2" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "$1 did not become ready; log:" >&2
  cat "$3" >&2
  exit 1
}

# stop_server: SIGTERM to the server in $pid, wait for it, forget it.
stop_server() {
  kill -TERM "$pid"
  wait "$pid" || true
  pid=""
}

# field FILE NAME: a number from the flat JSON summary of `ordo load`.
field() {
  sed -n "s/.*\"$2\":\([0-9.eE+-]*\).*/\1/p" "$1" | head -n1
}
