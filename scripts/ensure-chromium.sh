#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (test downloads of browser builds cannot reach their hosts
# here). Installs it when missing and this user can; otherwise says how.
set -euo pipefail
chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
[ -x "$chromium" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "ensure-chromium: installing Debian's chromium for the browser tests" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "ensure-chromium: Chromium is missing at $chromium: install Debian's chromium package (or set CHROMIUM_PATH)" >&2
exit 1
