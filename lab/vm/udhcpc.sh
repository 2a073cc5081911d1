#!/bin/sh
# busybox udhcpc event script for lab VMs. Configures the interface with `ip` and writes the
# resolver to $CR_RESOLV (the VM namespace's /etc/netns file) — never the root /etc/resolv.conf.
case "$1" in
  deconfig)
    ip -4 addr flush dev "$interface"
    ip link set "$interface" up
    ;;
  bound|renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    # Only the default NIC (R-VM-1: the first network) sets the default route.
    if [ -n "$router" ] && [ -z "$CR_NO_ROUTE" ]; then
      ip route replace default via "${router%% *}" dev "$interface"
    fi
    if [ -n "$CR_RESOLV" ] && [ -n "$dns" ]; then
      : > "$CR_RESOLV"
      for s in $dns; do echo "nameserver $s" >> "$CR_RESOLV"; done
    fi
    ;;
esac
exit 0
