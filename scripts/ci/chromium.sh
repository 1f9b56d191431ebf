#!/usr/bin/env bash
# Headless Chromium for the browser tests (`npm run test:browser`, issue 15): installs Debian's
# chromium package when /usr/bin/chromium (or $CHROMIUM_PATH) is missing. puppeteer-core drives
# that executable; browser downloads cannot work here. Source it or run it; it starts nothing.
set -euo pipefail

chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$chromium_path" ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends chromium fonts-liberation
fi
echo "chromium: $("$chromium_path" --version 2>/dev/null || echo "not runnable at $chromium_path")"
