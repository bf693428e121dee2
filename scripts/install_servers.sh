#!/usr/bin/env bash
# Installs what the test suite runs for real: redis-server (Debian package) and FerretDB (built from Go).
# Safe to run again: each step is skipped when its result is already there.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if ! command -v redis-server >/dev/null; then
  echo "servers: installing redis-server from Debian packages"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq redis-server >/dev/null
  # Debian starts a system-wide instance on 6379; the tests start their own on free ports.
fi
echo "servers: $(redis-server --version | cut -d' ' -f1-3)"

bash "$here/build_ferretdb.sh"
