#!/usr/bin/env bash
# Installs what the test suite runs for real: redis-server, PostgreSQL and chromium (Debian packages) and
# FerretDB (built from Go). Safe to run again: each step is skipped when its result is already there.
# The suite starts its own instances on free loopback ports (tests/support/servers.py): no system-wide
# server is needed, and a cluster that Debian's postgresql package creates and starts is stopped again.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
apt_updated=""

apt_install() {
  if [ -z "$apt_updated" ]; then
    $sudo_cmd apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "$@" >/dev/null
}

if ! command -v redis-server >/dev/null; then
  echo "servers: installing redis-server from Debian packages"
  apt_install redis-server
  # Debian starts a system-wide instance on 6379; the tests start their own on free ports.
fi
echo "servers: $(redis-server --version | cut -d' ' -f1-3)"

# Debian's chromium: the web app's browser test (tests/e2e/test_web_app.py) drives it with
# playwright-core, whose own browser download cannot be reached here.
if [ ! -x /usr/bin/chromium ]; then
  echo "servers: installing chromium from Debian packages"
  apt_install chromium
fi
echo "servers: $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium: not installed')"

# Debian's poppler-utils: the report tests read PDFs with pdftotext and keep a page as PNG (pdftoppm).
if ! command -v pdftoppm >/dev/null; then
  echo "servers: installing poppler-utils from Debian packages"
  apt_install poppler-utils
fi

pg_postgres() { ls -d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(pg_postgres)" ]; then
  echo "servers: installing postgresql from Debian packages"
  before=$(ls -d /etc/postgresql/*/* 2>/dev/null || true)
  apt_install postgresql
  # The package creates and starts a cluster ("main", port 5432) where a service manager runs.
  # FerretDB's PostgreSQL in the tests is a throwaway cluster of their own: stop the new one and
  # keep it from starting at boot. A cluster that was there before is left as it was.
  for conf in $(ls -d /etc/postgresql/*/* 2>/dev/null || true); do
    if grep -qxF "$conf" <<<"$before"; then continue; fi
    version=$(basename "$(dirname "$conf")"); name=$(basename "$conf")
    $sudo_cmd pg_ctlcluster "$version" "$name" stop 2>/dev/null || true
    echo manual | $sudo_cmd tee "$conf/start.conf" >/dev/null
    echo "servers: stopped Debian's new cluster $version/$name (start.conf: manual)"
  done
fi
postgres_bin=$(pg_postgres)
[ -n "$postgres_bin" ] || { echo "servers: PostgreSQL did not install" >&2; exit 1; }
id postgres >/dev/null 2>&1 || [ "$(id -u)" -ne 0 ] || {
  echo "servers: no postgres user: as root the tests run PostgreSQL as that user" >&2; exit 1; }
echo "servers: $("$postgres_bin" --version)"

bash "$here/build_ferretdb.sh"
