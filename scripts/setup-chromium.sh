#!/usr/bin/env bash
# setup-chromium.sh: makes sure Debian's Chromium is installed for the tests that run in a real
# browser (the rollout dashboard, the rendered reports). playwright-core drives it; browser
# downloads by npm packages are not used. Installs the `chromium` package with apt-get when
# /usr/bin/chromium (or $CHROMIUM) is missing; needs root (or sudo) for that.
set -euo pipefail
bin=${CHROMIUM:-/usr/bin/chromium}
if [ -x "$bin" ]; then
    echo "[setup-chromium] cached: $("$bin" --version 2>/dev/null || echo "$bin")"
    exit 0
fi
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
echo "[setup-chromium] installing Debian's chromium with apt-get"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
[ -x "$bin" ] || { echo "[setup-chromium] ERROR: no $bin after installing chromium" >&2; exit 1; }
echo "[setup-chromium] installed: $("$bin" --version)"
