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
  # IPsec: strongSwan's charon run per router namespace, swanctl, the ciphers (openssl) and the
  # userspace ESP (kernel-libipsec) for kernels without it.
  debs+=(charon-systemd strongswan-swanctl libstrongswan-standard-plugins libcharon-extra-plugins)
fi
if [ "$want_test" = 1 ]; then
  debs+=(postgresql chromium fonts-wqy-microhei)
fi

missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The daemons these packages start for the whole machine (haproxy, strongSwan) are not ours: the lab
# runs its own in its namespaces. While installing, no service starts (Debian's policy-rc.d, only
# when none is there); the strongSwan service we just installed is then disabled, so nothing of it
# runs in the root namespace.
no_services() {
  $1 sh -c '[ -e /usr/sbin/policy-rc.d ] || { printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d.cloudrouter &&
    chmod +x /usr/sbin/policy-rc.d.cloudrouter && mv /usr/sbin/policy-rc.d.cloudrouter /usr/sbin/policy-rc.d && touch /tmp/.cloudrouter-policy-rc; }'
}
services_back() {
  $1 sh -c '[ ! -e /tmp/.cloudrouter-policy-rc ] || rm -f /usr/sbin/policy-rc.d /tmp/.cloudrouter-policy-rc'
  if printf '%s\n' "${missing[@]}" | grep -qx charon-systemd && command -v systemctl >/dev/null; then
    $1 systemctl disable --now strongswan.service >/dev/null 2>&1 || true
  fi
}
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "install: Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    no_services ''
    trap "services_back ''" EXIT
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    no_services sudo
    trap 'services_back sudo' EXIT
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
