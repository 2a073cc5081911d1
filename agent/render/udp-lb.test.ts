import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkersOptedOut, have } from './golden';
import { renderUdpCountTable, renderUdpListenerRule, renderUdpTable, udpSlots, type UdpListener } from './udp-lb';

const nic = (n: number) => `00000000-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`;
const DNS: UdpListener = {
  id: '33333333-3333-4333-8333-333333333333',
  vip: '10.108.12.50',
  lbPort: 53,
  vmPort: 5353,
  algorithm: 'round-robin',
  backends: [
    { nicId: nic(2), ip: '192.168.10.12', weight: 1 },
    { nicId: nic(1), ip: '192.168.10.11', weight: 3 },
  ],
};

describe('UDP listeners in the kernel (R-LB-2, R-LB-3)', () => {
  it('round-robin: each healthy backend once, by NIC id', () => {
    expect(udpSlots(DNS)).toEqual(['192.168.10.11', '192.168.10.12']);
    expect(renderUdpListenerRule(DNS)).toBe(
      'ip daddr 10.108.12.50 udp dport 53 dnat ip to numgen inc mod 2 map { 0 : 192.168.10.11 . 5353, 1 : 192.168.10.12 . 5353 } ' +
        'comment "lb udp=33333333-3333-4333-8333-333333333333"',
    );
  });

  it('weighted round-robin: weights as entries, reduced and spread (3:1 → a a b a; 2:2 → a b)', () => {
    expect(udpSlots({ ...DNS, algorithm: 'weighted-round-robin' })).toEqual([
      '192.168.10.11',
      '192.168.10.11',
      '192.168.10.12',
      '192.168.10.11',
    ]);
    const even = { ...DNS, algorithm: 'weighted-round-robin' as const, backends: DNS.backends.map((b) => ({ ...b, weight: 2 })) };
    expect(udpSlots(even)).toEqual(['192.168.10.11', '192.168.10.12']);
    // Any weights: each backend gets exactly its share of the entries.
    const w = {
      ...DNS,
      algorithm: 'weighted-round-robin' as const,
      backends: [5, 3, 2].map((weight, i) => ({ nicId: nic(i), ip: `10.0.0.${i}`, weight })),
    };
    const slots = udpSlots(w);
    expect([0, 1, 2].map((i) => slots.filter((s) => s === `10.0.0.${i}`).length)).toEqual([5, 3, 2]);
  });

  it('source-hash: a hash of the client address with a seed of the listener’s own (a reload keeps clients on their VMs)', () => {
    const rule = renderUdpListenerRule({ ...DNS, algorithm: 'source-hash' })!;
    expect(rule).toContain('dnat ip to jhash ip saddr mod 2 seed 0x33333333 map {');
    expect(renderUdpListenerRule({ ...DNS, algorithm: 'source-hash' })).toBe(rule);
  });

  it('one healthy backend: a plain DNAT; none: no rule', () => {
    expect(renderUdpListenerRule({ ...DNS, backends: DNS.backends.slice(0, 1) })).toBe(
      'ip daddr 10.108.12.50 udp dport 53 dnat ip to 192.168.10.12:5353 comment "lb udp=33333333-3333-4333-8333-333333333333"',
    );
    expect(renderUdpListenerRule({ ...DNS, backends: [] })).toBeNull();
  });

  it.skipIf(checkersOptedOut && (process.getuid?.() !== 0 || !have('nft')))('each form loads into a NAT prerouting chain', () => {
    const rules = [
      renderUdpListenerRule(DNS),
      renderUdpListenerRule({ ...DNS, lbPort: 54, algorithm: 'weighted-round-robin' }),
      renderUdpListenerRule({ ...DNS, lbPort: 55, algorithm: 'source-hash' }),
      renderUdpListenerRule({ ...DNS, lbPort: 56, backends: DNS.backends.slice(1) }),
    ];
    const text = ['table ip t {', '  chain prerouting {', '    type nat hook prerouting priority dstnat; policy accept;']
      .concat(
        rules.map((r) => `    ${r}`),
        ['  }', '}', ''],
      )
      .join('\n');
    const listing = execFileSync('unshare', ['-n', 'sh', '-c', 'nft -f - && nft list table ip t'], { input: text }).toString();
    expect(listing.match(/comment "lb udp=/g)).toHaveLength(4);
    expect(listing).toContain('jhash ip saddr mod 2 seed 0x33333333');
  });

  it.skipIf(checkersOptedOut && (process.getuid?.() !== 0 || !have('nft')))(
    'the whole table replaces itself in one transaction, loaded twice; a listener without a healthy backend has no rule',
    () => {
      const listeners = [DNS, { ...DNS, id: '44444444-4444-4444-8444-444444444444', lbPort: 54, backends: [] }];
      const dnat = renderUdpTable(listeners);
      const counts = renderUdpCountTable(listeners);
      expect(dnat.rules).toBe(1); // the listener without a healthy backend has none
      expect(counts.rules).toBe(2 * 3); // three counting rules per configured backend
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cr-udp-')), 'lb.nft');
      fs.writeFileSync(file, dnat.text + counts.text);
      // Loaded into an empty namespace, then again over itself (declared, deleted, defined): one rule, not two.
      const twice = execFileSync('unshare', [
        '-n',
        'bash',
        '-c',
        'nft -f "$0" && nft -f "$0" && nft list table ip cr_vrouter_lb && nft list table ip cr_vrouter_lb_count',
        file,
      ]).toString();
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
      expect(twice.match(/comment "lb udp=[0-9a-f-]+"/g)).toHaveLength(1);
      expect(twice.match(/ct state new counter packets 0 bytes 0/g)).toHaveLength(2);
    },
  );
});
