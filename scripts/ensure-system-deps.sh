#!/usr/bin/env bash
# Install the system packages the project needs when they are missing (Debian/Ubuntu).
# Usage: ensure-system-deps.sh mosquitto|chromium
set -euo pipefail
want="$1"
case "$want" in
  mosquitto) have() { command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ]; }; pkgs="mosquitto" ;;
  chromium)  have() { command -v chromium >/dev/null || [ -x /usr/bin/chromium ]; }; pkgs="chromium" ;;
  *) echo "unknown dependency: $want" >&2; exit 2 ;;
esac
have && exit 0
if ! command -v apt-get >/dev/null; then
  echo "$want is missing and apt-get is not available: install $pkgs with your package manager" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing $pkgs with apt-get ..."
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
have || { echo "$want is still missing after apt-get install $pkgs" >&2; exit 1; }
