#!/usr/bin/env bash
# Removes every lab namespace whose name starts with cr-PREFIX: stops its processes by PID, deletes
# the namespace and its /etc/netns entry. Touches nothing else.
set -uo pipefail
prefix=${1:?usage: lab-sweep.sh PREFIX}
[[ "$prefix" =~ ^[a-z0-9]+$ ]] || { echo "lab-sweep: bad prefix $prefix" >&2; exit 2; }
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^cr-$prefix"); do
  for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
  ip netns del "$ns" 2>/dev/null
  rm -rf "/etc/netns/$ns"
  echo "lab-sweep: removed $ns"
done
