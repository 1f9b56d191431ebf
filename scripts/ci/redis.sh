#!/usr/bin/env bash
# A real Redis for the hellosign-oauth/redis tests (issue 5): installs the Debian redis-server
# package if missing, starts a throwaway server (no persistence) on a free loopback port and sets
# REDIS_URL. Source it (`. scripts/ci/redis.sh`) to get REDIS_URL exported and the server stopped
# when the calling shell exits; run it directly to start one and print REDIS_URL.
# Without REDIS_URL the tests start their own redis-server, so only the package is strictly needed.
set -euo pipefail

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y redis-server
fi

redis_port="$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --logfile "${TMPDIR:-/tmp}/hellosign-oauth-redis-$redis_port.log"
for _ in $(seq 50); do
  [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = "PONG" ] && break
  sleep 0.1
done
[ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = "PONG" ] || { echo "redis-server did not start on port $redis_port" >&2; exit 1; }

export REDIS_URL="redis://127.0.0.1:$redis_port"
echo "REDIS_URL=$REDIS_URL ($(redis-server --version | cut -d' ' -f3))"
if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  # shellcheck disable=SC2064  # the port is fixed now, on purpose
  trap "redis-cli -p $redis_port shutdown nosave >/dev/null 2>&1 || true" EXIT
fi
