#!/usr/bin/env bash
# Installs what CloudRouter needs on Debian/Ubuntu. Idempotent: installs only what is missing.
#   scripts/install.sh            everything the console needs (npm packages)
#   scripts/install.sh --lab      plus what the built-in lab needs (iproute2, nftables, dnsmasq, …)
#   scripts/install.sh --test     plus what the tests need (the lab's, PostgreSQL server, Chromium)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
want_lab=0
[ "${1:-}" = "--test" ] && want_test=1 && want_lab=1
[ "${1:-}" = "--lab" ] && want_lab=1

debs=()
if [ "$want_lab" = 1 ]; then
  # The lab: namespaces and the kernel features the agents program.
  debs+=(iproute2 nftables dnsmasq-base busybox conntrack iputils-ping curl haproxy)
fi
if [ "$want_test" = 1 ]; then
  debs+=(postgresql chromium fonts-wqy-microhei)
fi

missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "install: Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "install: missing Debian packages: ${missing[*]}" >&2
    echo "install: run as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

# npm packages: reinstall only when package-lock.json changed since the last install.
stamp=node_modules/.cloudrouter-lock.sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "install: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
