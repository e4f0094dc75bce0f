#!/usr/bin/env bash
# A throwaway NATS server with JetStream for tests, benchmarks and local runs:
#
#   nats-test-server.sh start DIR PORT   in the background; waits until it takes connections
#   nats-test-server.sh run DIR PORT     in the foreground (exec): the integration tests use this
#   nats-test-server.sh stop DIR         SIGTERM (SIGKILL after 10 s); the store stays, so start resumes it
#   nats-test-server.sh status DIR       exit 0 and the URL while it runs, exit 3 otherwise
#   nats-test-server.sh check            is nats-server there, and does it fsync every write? (exit 0 when it runs)
#   nats-test-server.sh destroy DIR      stop, then remove DIR
#
# The server is the Debian package's nats-server on 127.0.0.1:PORT only, with
# JetStream on and its file store in DIR/jetstream; `start` logs to DIR/nats.log.
#
# fsync on every write is `jetstream { sync_interval: always }`, which
# nats-server has since 2.10.0. Debian 12 ships 2.9.10, which knows no such
# setting: a stream there writes every message to the file before it acks it
# (no AsyncFlush), so a kill -9 of the server loses nothing acknowledged, but it
# fsyncs the file only every 2 minutes, hard-coded, so an OS crash or power
# loss can lose the acknowledged messages of the last 2 minutes. The script asks
# the server (`nats-server -t`) and turns `sync_interval: always` on wherever it
# is understood; `check` says which of the two is in effect.
set -euo pipefail

usage() { echo "usage: $0 start|run DIR PORT | stop|status|destroy DIR | check" >&2; exit 2; }
[ $# -ge 1 ] || usage
cmd=$1
bin=${NATS_SERVER:-$(command -v nats-server || echo /usr/sbin/nats-server)}
if [ ! -x "$bin" ]; then
  echo "nats-test-server: nats-server not found (Debian package nats-server: scripts/install-deps.sh)" >&2
  exit 1
fi

# write_config DIR PORT: DIR/nats.conf, with sync_interval: always when the server knows it.
write_config() {
  local dir=$1 port=$2
  local conf="$dir/nats.conf"
  # The config format quotes strings in double quotes; a directory with one cannot be written.
  case "$dir" in *'"'*) echo "nats-test-server: DIR must not contain a double quote" >&2; exit 2 ;; esac
  cat >"$conf.probe" <<EOF
jetstream {
  sync_interval: always
}
EOF
  local sync="  sync_interval: always  # fsync every message before the ack"
  if ! "$bin" -t -c "$conf.probe" >/dev/null 2>&1; then
    sync="  # no sync_interval before nats-server 2.10: each message is written before its ack, fsync'd within 2 min"
  fi
  rm -f "$conf.probe"
  cat >"$conf" <<EOF
# nats-test-server.sh
listen: 127.0.0.1:$port
pid_file: "$dir/nats.pid"
jetstream {
  store_dir: "$dir"  # the server adds jetstream/
  max_memory_store: 64MB
  max_file_store: 4GB
$sync
}
EOF
  echo "$port" >"$dir/port"
}

is_running() {
  local dir=$1 pid
  [ -f "$dir/nats.pid" ] || return 1
  pid=$(cat "$dir/nats.pid" 2>/dev/null) || return 1
  # The pid file outlives a killed server: the pid must still be a nats-server on this configuration.
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr "\\0" " " <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-c $dir/nats.conf"
}

# ready DIR LINES: the log has a new "Server is ready" after its first LINES lines.
ready() {
  tail -n +"$(( $2 + 1 ))" "$1/nats.log" 2>/dev/null | grep -q "Server is ready"
}

abs_dir() {
  case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac
}

case "$cmd" in
  check)
    dir=$(mktemp -d /tmp/nats-check.XXXXXX)
    write_config "$dir" 4222
    version=$("$bin" --version 2>&1 | head -n1)
    if grep -q "^  sync_interval: always" "$dir/nats.conf"; then
      echo "$version: JetStream fsyncs every message before the ack (sync_interval: always)"
    else
      echo "$version: no sync_interval (2.10+): each message is written before its ack and fsync'd within 2 min"
    fi
    ok=0
    "$bin" -t -c "$dir/nats.conf" >/dev/null 2>&1 || ok=$?
    rm -rf "$dir"
    exit "$ok"
    ;;
  run | start)
    [ $# -eq 3 ] || usage
    dir=$(abs_dir "$2")
    port=$3
    [[ "$port" =~ ^[0-9]+$ ]] || usage
    mkdir -p "$dir"
    if is_running "$dir"; then
      [ "$cmd" = start ] && { echo "nats://127.0.0.1:$(cat "$dir/port")"; exit 0; }
      echo "nats-test-server: already running in $dir" >&2
      exit 1
    fi
    write_config "$dir" "$port"
    if [ "$cmd" = run ]; then
      exec "$bin" -c "$dir/nats.conf"
    fi
    lines=0
    [ -f "$dir/nats.log" ] && lines=$(wc -l <"$dir/nats.log")
    nohup "$bin" -c "$dir/nats.conf" >>"$dir/nats.log" 2>&1 </dev/null &
    for _ in $(seq 1 100); do
      if ready "$dir" "$lines"; then
        echo "nats://127.0.0.1:$port"
        exit 0
      fi
      sleep 0.1
    done
    echo "nats-test-server: nats-server did not become ready on 127.0.0.1:$port; log:" >&2
    tail -n 20 "$dir/nats.log" >&2 || true
    exit 1
    ;;
  stop | destroy)
    [ $# -eq 2 ] || usage
    dir=$(abs_dir "$2")
    if is_running "$dir"; then
      pid=$(cat "$dir/nats.pid")
      kill -TERM "$pid"
      for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    if [ "$cmd" = destroy ] && [ -d "$dir" ] && [ "$dir" != / ]; then rm -rf "$dir"; fi
    ;;
  status)
    [ $# -eq 2 ] || usage
    dir=$(abs_dir "$2")
    if is_running "$dir"; then
      echo "nats://127.0.0.1:$(cat "$dir/port")"
    else
      echo "not running" >&2
      exit 3
    fi
    ;;
  *) usage ;;
esac
