#!/usr/bin/env bash
# squid for the proxy tests (issue 17): installs the Debian squid package (and openssl, which the
# tests use for a throwaway certificate and the proxy-auth password file) when missing. Nothing is
# started here: each proxy test file starts its own squids, with their own configs, on free
# loopback ports (test/proxy/support.ts). Source it (`. scripts/ci/squid.sh`) or run it.
set -euo pipefail

if [ ! -x /usr/sbin/squid ] || [ ! -x /usr/lib/squid/basic_ncsa_auth ] || ! command -v openssl >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends squid openssl
  # The package starts a system squid on port 3128; the tests need none, so stop it.
  $sudo systemctl stop squid >/dev/null 2>&1 || $sudo service squid stop >/dev/null 2>&1 || true
fi
echo "squid: $(/usr/sbin/squid -v | head -1)"
