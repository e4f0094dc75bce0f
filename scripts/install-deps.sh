#!/usr/bin/env bash
# Installs the Debian packages Ordo needs to build, test and run, when missing.
# Idempotent: does nothing when everything is there. Needs root (or sudo).
# chromium: the dashboard's browser tests (web/e2e, playwright-core drives Debian's build).
set -euo pipefail
packages=(
  g++ cmake make pkg-config ccache git
  libboost-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev prometheus-cpp-dev
  libsqlite3-dev sqlite3 libpq-dev postgresql libcurl4-openssl-dev libssl-dev libjemalloc-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libjwt-dev libnats-dev nats-server
  curl nginx
  chromium fonts-dejavu-core
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node may come from another source than Debian (the machine image ships one); only
# install Debian's when there is none at all.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
