#!/usr/bin/env bash
# The Debian packages the suites need, installed in one apt-get run when any is missing (a fresh
# machine): redis-server, postgresql, squid (+ openssl for its test certificate and password file)
# and chromium (+ a font, so screenshots have text). Each scripts/ci/<service>.sh still installs
# its own package when run alone; this only saves CI four separate `apt-get update`s.
set -euo pipefail

missing=()
command -v redis-server >/dev/null && command -v redis-cli >/dev/null || missing+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/sbin/squid ] && [ -x /usr/lib/squid/basic_ncsa_auth ] || missing+=(squid)
command -v openssl >/dev/null || missing+=(openssl)
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium fonts-liberation)

if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "CI: installing ${missing[*]}"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
  # The packages start system services of their own; the tests start theirs, so stop these.
  for service in squid redis-server postgresql; do
    $sudo systemctl stop "$service" >/dev/null 2>&1 || $sudo service "$service" stop >/dev/null 2>&1 || true
  done
fi
