import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkersOptedOut, golden, have } from './golden';
import { VRouterConfigV1, type VRouterConfig } from '../protocol/vrouter';
import { renderDnsForwarder } from './dnsmasq';
import { linksUnchanged, planLinks, ROUTE_PROTO } from './links';
import { FakeNft } from './nft/fake';
import { parseMapElements } from './nft';
import { expectedCounts, flowsToForget, observedCounts, renderVRouterNft, renderVRouterNftDelta } from './vrouter-nft';

// Address plan: S-BASIC's vRouter (seed tables 1–3), internet DNS on 198.51.100.53.
const PUB = '11111111-1111-4111-8111-111111111111';
const PRIV = '22222222-2222-4222-8222-222222222222';
const BASIC: VRouterConfig = VRouterConfigV1.parse({
  version: 1,
  routerId: '33333333-3333-4333-8333-333333333333',
  generation: 7,
  nics: [
    { name: 'eth0', role: 'management', l3Id: PUB, addresses: ['192.168.29.31/24'] },
    { name: 'eth1', role: 'public', l3Id: PUB, addresses: ['10.108.10.5/8'], mac: '02:00:00:00:00:01' },
    { name: 'eth2', role: 'private', l3Id: PRIV, addresses: ['192.168.10.1/24'] },
  ],
  defaultRoute: { via: '10.0.0.1', nic: 'eth1' },
  snat: [{ sourceCidr: '192.168.10.0/24', outNic: 'eth1', toAddress: '10.108.10.5', l3Id: PRIV }],
  dns: { listen: ['192.168.10.1'], upstreams: ['198.51.100.53'] },
});

describe('vRouter nftables (R-SNAT-1)', () => {
  it('renders the basic router to its golden file', () => {
    golden('vrouter-basic.nft', renderVRouterNft(BASIC));
  });
  it('scopes SNAT to the public NIC and names the L3', () => {
    expect(renderVRouterNft(BASIC)).toContain(
      `oifname "eth1" ip saddr 192.168.10.0/24 snat to 10.108.10.5 comment "snat l3=${PRIV}"`,
    );
  });
  it.skipIf(checkersOptedOut && (process.getuid?.() !== 0 || !have('nft')))(
    'passes `nft --check` (in a throwaway network namespace)',
    () => {
      // The ARP responder's chain hooks eth1: the namespace needs one.
      expect(() =>
        execFileSync('unshare', ['-n', 'sh', '-c', 'ip link add eth1 type veth peer name p1 && nft --check -f -'], {
          input: renderVRouterNft(BASIC),
        }),
      ).not.toThrow();
    },
  );
});

// S-EIP / S-PF / S-TENANT on the same router: an EIP, a single-port PF with an offset and a source
// restriction, a range with an offset, and a route table entry to the other tenant's network.
const EIP = '44444444-4444-4444-8444-444444444444';
const PF1 = '55555555-5555-4555-8555-555555555555';
const PF2 = '66666666-6666-4666-8666-666666666666';
const SERVICES: VRouterConfig = VRouterConfigV1.parse({
  ...BASIC,
  routes: [{ destination: '192.168.11.0/24', via: '10.108.10.9' }],
  vips: [
    { ip: '10.108.10.20', nic: 'eth1' },
    { ip: '10.108.10.21', nic: 'eth1' },
  ],
  eips: [{ id: EIP, vip: '10.108.10.20', target: '192.168.10.2', nic: 'eth1' }],
  portForwards: [
    {
      id: PF1,
      protocol: 'tcp',
      vip: '10.108.10.21',
      vipPortStart: 24,
      vipPortEnd: 24,
      target: '192.168.10.3',
      targetPortStart: 22,
      allowedCidr: '198.51.100.0/24',
    },
    {
      id: PF2,
      protocol: 'tcp',
      vip: '10.108.10.21',
      vipPortStart: 5900,
      vipPortEnd: 5902,
      target: '192.168.10.2',
      targetPortStart: 6900,
    },
  ],
});

describe('vRouter services in nftables (R-EIP-2, R-PF-1, R-RT-1)', () => {
  it('renders EIPs, port forwards and route exclusions to their golden file', () => {
    golden('vrouter-services.nft', renderVRouterNft(SERVICES));
  });
  it('one map element per EIP direction and per forwarded port, keeping the offset', () => {
    const text = renderVRouterNft(SERVICES);
    expect(text).toContain('add element ip cr_vrouter eip_dnat { 10.108.10.20 : 192.168.10.2 }');
    expect(text).toContain('add element ip cr_vrouter eip_snat_eth1 { 192.168.10.2 : 10.108.10.20 }');
    expect(text).toContain(
      '10.108.10.21 . 5900 : 192.168.10.2 . 6900, 10.108.10.21 . 5901 : 192.168.10.2 . 6901, 10.108.10.21 . 5902 : 192.168.10.2 . 6902',
    );
    expect(text).toContain('ip daddr 10.108.10.21 tcp dport 24-24 ip saddr != 198.51.100.0/24 drop');
    expect(text).toContain('set no_snat { type ipv4_addr; flags interval; elements = { 192.168.11.0/24 } }');
  });
  it('moves an EIP by deleting and adding its elements, and names the VIP whose flows go', () => {
    const moved = { ...SERVICES, generation: 8, eips: [{ ...SERVICES.eips[0]!, target: '192.168.10.3' }] };
    const delta = renderVRouterNftDelta(SERVICES, moved)!;
    expect(delta.text).toBe(
      [
        'delete element ip cr_vrouter eip_dnat { 10.108.10.20 }',
        'delete element ip cr_vrouter eip_snat_eth1 { 192.168.10.2 }',
        'add element ip cr_vrouter eip_dnat { 10.108.10.20 : 192.168.10.3 }',
        'add element ip cr_vrouter eip_snat_eth1 { 192.168.10.3 : 10.108.10.20 }',
        '',
      ].join('\n'),
    );
    expect(delta.changed.get('eip_dnat')).toEqual(['10.108.10.20']);
    expect(linksUnchanged(SERVICES, moved)).toBe(true);
  });
  it('one more EIP is one element each way and one VIP-set element', () => {
    const more = {
      ...SERVICES,
      vips: [...SERVICES.vips, { ip: '10.108.10.22', nic: 'eth1' }],
      eips: [...SERVICES.eips, { id: PF1, vip: '10.108.10.22', target: '192.168.10.9', nic: 'eth1' }],
    };
    const delta = renderVRouterNftDelta(SERVICES, more);
    expect(delta.text.trim().split('\n')).toEqual([
      'add element ip cr_vrouter eip_dnat { 10.108.10.22 : 192.168.10.9 }',
      'add element ip cr_vrouter eip_snat_eth1 { 192.168.10.9 : 10.108.10.22 }',
      'add element netdev cr_vrouter_arp vips_eth1 { 10.108.10.22 }',
    ]);
    expect(delta.addedVips).toEqual([{ ip: '10.108.10.22', nic: 'eth1' }]);
  });
  it('nothing changed → nothing to do', () => {
    expect(renderVRouterNftDelta(SERVICES, { ...SERVICES, generation: 9 })).toEqual({
      text: '',
      changed: new Map(),
      addedVips: [],
    });
  });
  it('a removed route entry rebuilds the small parts only: the SNAT exclusion set, not the maps', () => {
    const text = renderVRouterNftDelta(SERVICES, { ...SERVICES, routes: [] }).text;
    expect(text).toBe('flush set ip cr_vrouter no_snat\n');
    expect(linksUnchanged(SERVICES, { ...SERVICES, routes: [] })).toBe(false);
  });
  it('a new source restriction rebuilds the prefilter chain; a new public NIC adds its SNAT map', () => {
    const restricted = { ...SERVICES, portForwards: SERVICES.portForwards.map((p) => ({ ...p, allowedCidr: '192.0.2.0/24' })) };
    const text = renderVRouterNftDelta(SERVICES, restricted).text;
    expect(text).toContain('flush chain ip cr_vrouter prefilter');
    expect(text).toContain(
      'add rule ip cr_vrouter prefilter ip daddr 10.108.10.21 tcp dport 5900-5902 ip saddr != 192.0.2.0/24 drop',
    );
    expect(text).not.toContain('pf_tcp');
    const twoPublics = {
      ...SERVICES,
      nics: [
        ...SERVICES.nics,
        { name: 'eth3', role: 'public' as const, l3Id: PUB, addresses: ['172.20.0.10/24'], mac: '02:00:00:00:00:03' },
      ],
    };
    const more = renderVRouterNftDelta(SERVICES, twoPublics).text;
    expect(more).toContain('add map ip cr_vrouter eip_snat_eth3 { type ipv4_addr : ipv4_addr; }');
    expect(more).toContain(
      'add rule ip cr_vrouter postrouting oifname "eth3" snat ip to ip saddr map @eip_snat_eth3 comment "eip"',
    );
    expect(more).toContain(
      'add chain netdev cr_vrouter_arp arp_eth3 { type filter hook ingress device "eth3" priority 0; policy accept; }',
    );
  });
  it.skipIf(checkersOptedOut && (process.getuid?.() !== 0 || !have('nft')))(
    'the deltas apply on top of the full table in a real kernel',
    () => {
      const restricted = {
        ...SERVICES,
        routes: [],
        portForwards: SERVICES.portForwards.map((p) => ({ ...p, allowedCidr: '192.0.2.0/24' })),
      };
      const script = renderVRouterNft(SERVICES) + renderVRouterNftDelta(SERVICES, restricted).text;
      expect(() =>
        execFileSync(
          'unshare',
          [
            '-n',
            'sh',
            '-c',
            'ip link add eth1 type veth peer name p1 && ip link add eth3 type veth peer name p3 && nft -f - && ' +
              'nft list table ip cr_vrouter',
          ],
          { input: script },
        ),
      ).not.toThrow();
    },
  );
  it('every delta, applied on top of the full tables, gives the full tables of the new config (in-memory nft)', () => {
    const restricted = {
      ...SERVICES,
      routes: [],
      portForwards: SERVICES.portForwards.map((p) => ({ ...p, allowedCidr: '192.0.2.0/24' })),
    };
    const twoPublics = {
      ...SERVICES,
      nics: [
        ...SERVICES.nics,
        { name: 'eth3', role: 'public' as const, l3Id: PUB, addresses: ['172.20.0.10/24'], mac: '02:00:00:00:00:03' },
      ],
      vips: [...SERVICES.vips, { ip: '172.20.0.11', nic: 'eth3' }],
      eips: [...SERVICES.eips, { id: PF2, vip: '172.20.0.11', target: '192.168.10.9', nic: 'eth3' }],
    };
    const moved = { ...SERVICES, eips: [{ ...SERVICES.eips[0]!, target: '192.168.10.3' }] };
    const emptied = { ...SERVICES, eips: [], portForwards: [], vips: SERVICES.vips.slice(0, 1), routes: [] };
    const steps: VRouterConfig[] = [BASIC, SERVICES, moved, restricted, twoPublics, SERVICES, emptied, SERVICES, BASIC];
    const state = new FakeNft();
    state.apply(renderVRouterNft(steps[0]!));
    for (let i = 1; i < steps.length; i++) {
      state.apply(renderVRouterNftDelta(steps[i - 1]!, steps[i]!).text);
      const fresh = new FakeNft();
      fresh.apply(renderVRouterNft(steps[i]!));
      expect(state.snapshot(), `step ${i}`).toEqual(fresh.snapshot());
    }
  });
  it('R-HITLESS-1 a full apply forgets the flows of keys the kernel maps elsewhere or not at all', () => {
    const kernel = new Map([
      [
        'eip_dnat',
        parseMapElements(
          '{"nftables": [{"metainfo": {}}, {"map": {"name": "eip_dnat", "elem": [["10.108.10.20", "192.168.10.9"]]}}]}',
        ),
      ],
      [
        'pf_tcp',
        parseMapElements(
          '{"nftables": [{"map": {"name": "pf_tcp", "elem": [[{"concat": ["10.108.10.21", 5900]}, {"concat": ["192.168.10.2", 6900]}],' +
            ' [{"concat": ["10.108.10.21", 9999]}, {"concat": ["192.168.10.2", 22]}]]}}]}',
        ),
      ],
    ]);
    expect(kernel.get('pf_tcp')!.get('10.108.10.21 . 5900')).toBe('192.168.10.2 . 6900');
    // The EIP points elsewhere in the config; port 5900 is the config's own; 9999 is no longer forwarded.
    expect(flowsToForget(kernel, SERVICES)).toEqual(
      new Map([
        ['eip_dnat', ['10.108.10.20']],
        ['pf_tcp', ['10.108.10.21 . 9999']],
      ]),
    );
  });
  it.skipIf(checkersOptedOut && (process.getuid?.() !== 0 || !have('nft')))(
    'reads back what it loaded from real nft: nothing to forget for the same config, the moved EIP for another',
    () => {
      const read = (m: string) =>
        execFileSync(
          'unshare',
          ['-n', 'sh', '-c', `ip link add eth1 type veth peer name p1 && nft -f - && nft -j list map ip cr_vrouter ${m}`],
          {
            input: renderVRouterNft(SERVICES),
          },
        ).toString();
      const kernel = new Map(['eip_dnat', 'pf_tcp', 'pf_udp'].map((m) => [m, parseMapElements(read(m))]));
      expect(kernel.get('pf_tcp')!.size).toBeGreaterThan(0);
      expect(flowsToForget(kernel, SERVICES)).toEqual(new Map());
      const moved = { ...SERVICES, eips: [{ ...SERVICES.eips[0]!, target: '192.168.10.3' }] };
      expect(flowsToForget(kernel, moved)).toEqual(new Map([['eip_dnat', [SERVICES.eips[0]!.vip]]]));
    },
  );
  it.skipIf(checkersOptedOut && (process.getuid?.() !== 0 || !have('nft')))(
    'R-HITLESS-1 the counts real nft reports for the loaded tables are the expected ones; a flushed chain is not',
    () => {
      const list = (extra: string) =>
        execFileSync(
          'unshare',
          [
            '-n',
            'sh',
            '-c',
            'ip link add eth1 type veth peer name p1 && nft -f - && ' +
              `${extra}nft -j list table ip cr_vrouter && echo && nft -j list table netdev cr_vrouter_arp`,
          ],
          { input: renderVRouterNft(SERVICES) },
        )
          .toString()
          .split('\n')
          .filter(Boolean);
      const want = expectedCounts(SERVICES);
      const have = observedCounts(list(''));
      // Every count the config implies is what the kernel reports (others, such as the route-table set, are not watched).
      for (const kind of ['rules', 'elements'] as const)
        for (const [key, n] of want[kind]) expect(have[kind].get(key), `${kind} ${key}`).toBe(n);
      expect(want.elements.get('ip cr_vrouter pf_tcp')).toBe(4);
      const flushed = observedCounts(list('nft flush chain ip cr_vrouter postrouting && '));
      expect(flushed.rules.get('ip cr_vrouter postrouting')).toBe(0);
      expect(want.rules.get('ip cr_vrouter postrouting')).toBeGreaterThan(0);
    },
  );
  it.skipIf(checkersOptedOut && (process.getuid?.() !== 0 || !have('nft')))('passes `nft --check` with services', () => {
    expect(() =>
      execFileSync('unshare', ['-n', 'sh', '-c', 'ip link add eth1 type veth peer name p1 && nft --check -f -'], {
        input: renderVRouterNft(SERVICES),
      }),
    ).not.toThrow();
  });
});

describe('vRouter DNS forwarder (R-DNS-1)', () => {
  it('renders the basic router to its golden file, listening on the gateway only', () => {
    golden('vrouter-basic.dnsmasq', renderDnsForwarder(BASIC, { pidFile: '/run/cr/dns.pid' })!);
  });
  it('renders nothing when the router serves no DNS', () => {
    expect(renderDnsForwarder({ ...BASIC, dns: null }, { pidFile: '/x' })).toBeNull();
  });
  it.skipIf(checkersOptedOut && !have('dnsmasq'))('passes `dnsmasq --test`', () => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cr-dns-')), 'dns.conf');
    fs.writeFileSync(f, renderDnsForwarder(BASIC, { pidFile: '/run/cr/dns.pid' })!);
    expect(execFileSync('dnsmasq', ['--test', `--conf-file=${f}`], { stdio: 'pipe' }).toString() + 'ok').toContain('ok');
  });
});

describe('links, addresses and routes by diff', () => {
  const link = (name: string, addresses: string[], up = true) => ({ name, up, mtu: 1500, addresses });
  it.each([
    [
      'a fresh router',
      [link('eth0', [], false), link('eth1', [], false), link('eth2', [], false)],
      [],
      [
        'link set dev eth0 up',
        'addr add 192.168.29.31/24 dev eth0',
        'link set dev eth1 up',
        'addr add 10.108.10.5/8 dev eth1',
        'link set dev eth2 up',
        'addr add 192.168.10.1/24 dev eth2',
        `route replace default via 10.0.0.1 dev eth1 proto ${ROUTE_PROTO}`,
      ],
    ],
    [
      'a router already in shape',
      [link('eth0', ['192.168.29.31/24']), link('eth1', ['10.108.10.5/8']), link('eth2', ['192.168.10.1/24'])],
      [{ destination: 'default', via: '10.0.0.1', dev: 'eth1', protocol: String(ROUTE_PROTO) }],
      [],
    ],
    [
      'a stale address and a stale route of ours',
      [link('eth0', ['192.168.29.31/24']), link('eth1', ['10.108.10.5/8', '10.108.10.9/8']), link('eth2', ['192.168.10.1/24'])],
      [
        { destination: 'default', via: '10.0.0.1', dev: 'eth1', protocol: String(ROUTE_PROTO) },
        { destination: '172.16.0.0/16', via: '10.0.0.9', dev: 'eth1', protocol: String(ROUTE_PROTO) },
        { destination: '10.0.0.0/8', dev: 'eth1', protocol: 'kernel' },
      ],
      ['addr del 10.108.10.9/8 dev eth1', `route del 172.16.0.0/16 proto ${ROUTE_PROTO}`],
    ],
  ])('plans only the difference for %s', (_name, links, routes, expected) => {
    expect(planLinks({ links, routes }, BASIC)).toEqual(expected);
  });
  it('refuses to plan for a NIC the router does not have', () => {
    expect(() => planLinks({ links: [link('eth1', [])], routes: [] }, BASIC)).toThrow('NIC eth0 does not exist');
  });
});

const LISTENER: VRouterConfig['listeners'][number] = {
  id: PF1,
  name: 'web',
  protocol: 'tcp',
  vip: '10.108.10.21',
  lbPort: 80,
  vmPort: 5000,
  algorithm: 'round-robin',
  maxConnections: 100000,
  idleTimeoutSeconds: 60,
  healthCheck: {
    protocol: 'tcp',
    httpCodes: [],
    uri: null,
    method: 'HEAD',
    healthyThreshold: 2,
    unhealthyThreshold: 2,
    intervalSeconds: 5,
    port: null,
  },
  certificateId: null,
  backends: [{ nicId: EIP, ip: '192.168.10.2', weight: 1, group: 'default' }],
  policies: [],
};

describe('vRouter protocol v1', () => {
  it.each([
    ['a NIC name that would inject nft syntax', { nics: [{ ...BASIC.nics[0], name: 'eth1"; drop' }] }],
    ['an address without prefix', { nics: [{ ...BASIC.nics[0], addresses: ['10.108.10.5'] }] }],
    ['the same NIC twice', { nics: [BASIC.nics[0], BASIC.nics[0]] }],
    ['SNAT through a NIC the router lacks', { snat: [{ ...BASIC.snat[0], outNic: 'eth9' }] }],
    ['a default route through a NIC the router lacks', { defaultRoute: { via: '10.0.0.1', nic: 'eth9' } }],
    ['an unknown version', { version: 2 }],
    [
      'two listeners on one TCP port of a VIP (HTTP listens on TCP)',
      { listeners: [LISTENER, { ...LISTENER, id: PF2, protocol: 'http' }] },
    ],
    [
      'a listener on a forwarded port',
      { listeners: [{ ...LISTENER, vip: '10.108.10.21', lbPort: 24 }], portForwards: SERVICES.portForwards },
    ],
    [
      'an HTTPS listener naming a certificate the config lacks',
      { listeners: [{ ...LISTENER, protocol: 'https', certificateId: EIP }] },
    ],
    [
      'a policy to a group no backend is in',
      { listeners: [{ ...LISTENER, policies: [{ name: 'p', host: null, pathPrefix: '/a', group: 'x' }] }] },
    ],
    [
      'a health-check URI that would inject haproxy syntax',
      { listeners: [{ ...LISTENER, healthCheck: { ...LISTENER.healthCheck, uri: '/a b' } }] },
    ],
    [
      'a path prefix with a space',
      { listeners: [{ ...LISTENER, policies: [{ name: 'p', host: null, pathPrefix: '/a b', group: 'default' }] }] },
    ],
  ])('refuses %s', (_n, patch) => {
    expect(VRouterConfigV1.safeParse({ ...BASIC, ...patch }).success).toBe(false);
  });
  it('accepts TCP and UDP listeners on one port of a VIP', () => {
    expect(
      VRouterConfigV1.safeParse({ ...BASIC, listeners: [LISTENER, { ...LISTENER, id: PF2, protocol: 'udp' }] }).success,
    ).toBe(true);
  });
  it('accepts the basic router', () => {
    expect(VRouterConfigV1.safeParse(BASIC).success).toBe(true);
  });
});
