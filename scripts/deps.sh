#!/usr/bin/env bash
# Installs everything Sluice needs to build, test and run on Debian 12. Idempotent:
# packages already present are not fetched again.
set -euo pipefail
PKGS=(build-essential cmake ninja-build pkg-config ccache
  libboost-dev libtomlplusplus-dev libspdlog-dev libfmt-dev cppzmq-dev libzmq3-dev
  libgtest-dev libgmock-dev libsqlite3-dev libmunge-dev munge nlohmann-json3-dev
  procps iproute2 sqlite3 tmux)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
