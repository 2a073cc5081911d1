/**
 * UDP listeners (SPEC R-LB-2, R-LB-3): haproxy has no UDP, so the kernel balances — one DNAT rule
 * per listener in the vRouter's prerouting chain, choosing a backend by `numgen` (round-robin,
 * weights as repeated entries) or by a hash of the source address (source-hash: one client keeps
 * its VM). conntrack keeps every datagram of a flow on the backend its first one chose; the rule
 * lists only the backends the agent's health checks find healthy, so a failed backend leaves it.
 *
 * The vRouter agent loads these tables (`apply/lb.ts`) from the protocol's listeners and its own
 * health checks; the console's rule preview shows a new listener's rule.
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

/** What a UDP listener's counting rules count per backend: new flows, bytes towards the VM, bytes back. */
export const UDP_COUNTS = ['new', 'in', 'out'] as const;

/**
 * Counting rules of one UDP listener in the forward hook (R-LB-6): per configured backend — healthy
 * or not — its new flows and the bytes of its flows each way, matched by the connection's original
 * destination (the VIP and port) and its reply source (the VM). No work in user space per packet.
 */
export function renderUdpCounters(
  l: Pick<UdpListener, 'id' | 'vip' | 'lbPort'>,
  backends: ReadonlyArray<{ nicId: string; ip: string }>,
) {
  const sorted = [...backends].sort((a, b) => a.nicId.localeCompare(b.nicId));
  return sorted.flatMap((b) => {
    const match = `ct protocol udp ct original ip daddr ${l.vip} ct original proto-dst ${l.lbPort} ct reply ip saddr ${b.ip}`;
    const tag = (what: string) => `comment "lb udp=${l.id} nic=${b.nicId} ${what}"`;
    return [
      `${match} ct state new counter ${tag('new')}`,
      `${match} ct direction original counter ${tag('in')}`,
      `${match} ct direction reply counter ${tag('out')}`,
    ];
  });
}

/** One table replaced whole in one `nft -f` transaction — declared, deleted, defined (R-HITLESS-1). */
function replaceTable(name: string, chain: string, hook: string, rules: string[]): string {
  const T = `ip ${name}`;
  return [
    `table ${T} {}`,
    `delete table ${T}`,
    `table ${T} {`,
    `\tchain ${chain} {`,
    `\t\t${hook}`,
    ...rules.map((r) => `\t\t${r}`),
    '\t}',
    '}',
    '',
  ].join('\n');
}

/**
 * The UDP listeners' DNAT table: each listener's rule over its healthy backends, replaced whole
 * when a backend's health changes. `rules`: how many it holds (drift detection counts them).
 */
export function renderUdpTable(listeners: readonly UdpListener[]): { text: string; rules: number } {
  const rules = [...listeners]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map(renderUdpListenerRule)
    .filter((r): r is string => r !== null);
  return {
    text: replaceTable(LB_UDP_TABLE, 'prerouting', 'type nat hook prerouting priority dstnat - 5; policy accept;', rules),
    rules: rules.length,
  };
}

/** The UDP listeners' counters: a table of their own, so that a health change (which reloads the DNAT table) keeps them. */
export const LB_COUNT_TABLE = 'cr_vrouter_lb_count';

/**
 * The counting rules of the UDP listeners over all their configured backends (R-LB-6), replaced
 * only when the listeners' configuration changes (their counts start again then, as haproxy's do on
 * a reload).
 */
export function renderUdpCountTable(listeners: ReadonlyArray<Pick<UdpListener, 'id' | 'vip' | 'lbPort' | 'backends'>>): {
  text: string;
  rules: number;
} {
  const rules = [...listeners].sort((a, b) => a.id.localeCompare(b.id)).flatMap((l) => renderUdpCounters(l, l.backends));
  return {
    text: replaceTable(LB_COUNT_TABLE, 'count', 'type filter hook forward priority filter - 1; policy accept;', rules),
    rules: rules.length,
  };
}

/** Per UDP listener and backend: its counters from `nft -j list table ip cr_vrouter_lb` (packets of `new` are flows). */
export function parseUdpCounters(
  json: string,
): Map<string, Map<string, Record<(typeof UDP_COUNTS)[number], { packets: number; bytes: number }>>> {
  const out = new Map<string, Map<string, Record<(typeof UDP_COUNTS)[number], { packets: number; bytes: number }>>>();
  type Expr = { counter?: { packets: number; bytes: number } };
  for (const item of (JSON.parse(json) as { nftables: Array<{ rule?: { comment?: string; expr: Expr[] } }> }).nftables) {
    const m = /^lb udp=([0-9a-f-]{36}) nic=([0-9a-f-]{36}) (new|in|out)$/.exec(item.rule?.comment ?? '');
    const counter = item.rule?.expr.find((e) => e.counter)?.counter;
    if (!m || !counter) continue;
    const [, listener, nic, what] = m as unknown as [string, string, string, (typeof UDP_COUNTS)[number]];
    let byNic = out.get(listener);
    if (!byNic) out.set(listener, (byNic = new Map()));
    const zero = { packets: 0, bytes: 0 };
    const entry = byNic.get(nic) ?? { new: zero, in: zero, out: zero };
    entry[what] = { packets: counter.packets, bytes: counter.bytes };
    byNic.set(nic, entry);
  }
  return out;
}
