/**
 * UDP listeners (SPEC R-LB-2, R-LB-3): haproxy has no UDP, so the kernel balances — one DNAT rule
 * per listener in the vRouter's prerouting chain, choosing a backend by `numgen` (round-robin,
 * weights as repeated entries) or by a hash of the source address (source-hash: one client keeps
 * its VM). conntrack keeps every datagram of a flow on the backend its first one chose; the rule
 * lists only the backends the agent's health checks find healthy, so a failed backend leaves it.
 *
 * Issue 13, first slice: the rule text alone, checked by `nft`; the vRouter agent adds it to its
 * table when the protocol carries listeners.
 */

export interface UdpListener {
  id: string;
  vip: string;
  lbPort: number;
  vmPort: number;
  algorithm: 'round-robin' | 'weighted-round-robin' | 'source-hash';
  /** The healthy backends, in a stable order (by NIC id). */
  backends: Array<{ nicId: string; ip: string; weight: number }>;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * The entries of the choice map: each backend once, or — weighted round-robin — as many times as
 * its weight over the weights' greatest common divisor (3:1 → four entries, 2:2 → two), spread
 * rather than grouped so that consecutive flows alternate.
 */
export function udpSlots(l: UdpListener): string[] {
  const backends = [...l.backends].sort((a, b) => a.nicId.localeCompare(b.nicId));
  if (l.algorithm !== 'weighted-round-robin') return backends.map((b) => b.ip);
  const g = backends.reduce((x, b) => gcd(x, b.weight), 0) || 1;
  const left = backends.map((b) => ({ ip: b.ip, n: b.weight / g }));
  const slots: string[] = [];
  // Smooth weighted round-robin (as nginx does): each round the backend with the most credit goes next.
  const total = left.reduce((s, b) => s + b.n, 0);
  const credit = left.map(() => 0);
  for (let i = 0; i < total; i++) {
    let best = 0;
    for (let k = 0; k < left.length; k++) {
      credit[k]! += left[k]!.n;
      if (credit[k]! > credit[best]!) best = k;
    }
    credit[best]! -= total;
    slots.push(left[best]!.ip);
  }
  return slots;
}

/** A stable hash seed per listener: a reload keeps each client on its VM. */
const seedOf = (id: string) => `0x${id.replace(/-/g, '').slice(0, 8)}`;

/** The prerouting rule of one UDP listener; null when it has no healthy backend (datagrams then reach no VM). */
export function renderUdpListenerRule(l: UdpListener): string | null {
  const slots = udpSlots(l);
  if (slots.length === 0) return null;
  const match = `ip daddr ${l.vip} udp dport ${l.lbPort}`;
  const comment = `comment "lb udp=${l.id}"`;
  if (slots.length === 1) return `${match} dnat ip to ${slots[0]}:${l.vmPort} ${comment}`;
  const choose =
    l.algorithm === 'source-hash' ? `jhash ip saddr mod ${slots.length} seed ${seedOf(l.id)}` : `numgen inc mod ${slots.length}`;
  const map = slots.map((ip, i) => `${i} : ${ip} . ${l.vmPort}`).join(', ');
  return `${match} dnat ip to ${choose} map { ${map} } ${comment}`;
}

/** The vRouter's table for UDP listeners: apart from `cr_vrouter`, because what it holds follows the agent's health checks. */
export const LB_UDP_TABLE = 'cr_vrouter_lb';

/**
 * The whole UDP listener table as one `nft -f` transaction — declared, deleted, defined — so the
 * kernel goes from the old rules to the new at once (R-HITLESS-1); `rules`: how many it holds
 * (one per listener with a healthy backend), which drift detection counts.
 */
export function renderUdpTable(listeners: readonly UdpListener[]): { text: string; rules: number } {
  const rules = [...listeners]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map(renderUdpListenerRule)
    .filter((r): r is string => r !== null);
  const T = `ip ${LB_UDP_TABLE}`;
  const text = [
    `table ${T} {}`,
    `delete table ${T}`,
    `table ${T} {`,
    '\tchain prerouting {',
    '\t\ttype nat hook prerouting priority dstnat - 5; policy accept;',
    ...rules.map((r) => `\t\t${r}`),
    '\t}',
    '}',
    '',
  ].join('\n');
  return { text, rules: rules.length };
}
