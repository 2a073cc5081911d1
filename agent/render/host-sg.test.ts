import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkersOptedOut, golden, have } from './golden';
import { renderHostSg, renderHostSgDelta, type HostSgConfig } from './host-sg';
import { FakeNft } from './nft/fake';

type SgGroup = HostSgConfig['groups'][number];
/** A group's two default rules (R-SG-2) as the server ships them. */
const defaultRules = (groupId: string) =>
  (['ingress', 'egress'] as const).map((direction) => ({
    direction,
    protocol: 'all' as const,
    remoteGroupId: groupId,
    isDefault: true,
  }));

// S-SG (SPEC §5): VM-1 in no group; SG-1 (defaults + ingress TCP 23–1024 + egress TCP 23–1024) on VM-2 and VM-3.
const SG1 = '77777777-7777-4777-8777-777777777777';
const group: SgGroup = {
  id: SG1,
  name: 'SG-1',
  rules: [
    ...defaultRules(SG1).map((r, i) => ({ ...r, id: `d${i}` })),
    { id: 'in-tcp', direction: 'ingress', protocol: 'tcp', portStart: 23, portEnd: 1024 },
    { id: 'out-tcp', direction: 'egress', protocol: 'tcp', portStart: 23, portEnd: 1024 },
  ],
  egressRestricted: true,
};
const S_SG_HOST: HostSgConfig = {
  ports: [
    { port: 'vp1', ip: '192.168.10.11', groupIds: [], dns: ['192.168.10.1'] },
    { port: 'vp2', ip: '192.168.10.12', groupIds: [SG1], dns: ['192.168.10.1'] },
    { port: 'vp3', ip: '192.168.10.13', groupIds: [SG1], dns: ['192.168.10.1'] },
  ],
  groups: [group],
  members: { [SG1]: ['192.168.10.13', '192.168.10.12'] },
};

describe('host security-group ruleset (R-SG-2, R-SG-3)', () => {
  it('renders S-SG to its golden file', () => {
    golden('host-sg-s-sg.nft', renderHostSg(S_SG_HOST));
  });
  it('tags only ports in a group, ports with the same groups and DNS with one profile; remote groups are sets of member addresses', () => {
    const text = renderHostSg(S_SG_HOST);
    expect(text).not.toContain('"vp1"');
    expect(text).toContain('map port_in { type ifname : mark; elements = { "vp2" : 0x5c000001, "vp3" : 0x5c000001 } }');
    expect(text).toContain('set g_777777777777 { type ipv4_addr; elements = { 192.168.10.12, 192.168.10.13 } }');
    expect(text).toContain('ip daddr @g_777777777777 accept comment');
    expect(text).toContain('udp sport 67 udp dport 68 accept');
  });
  it('renders each group’s rules once, however many ports use it', () => {
    const many: HostSgConfig = {
      ...S_SG_HOST,
      ports: Array.from({ length: 50 }, (_, i) => ({
        port: `vp${i}`,
        ip: `192.168.10.${i + 20}`,
        groupIds: [SG1],
        dns: ['192.168.10.1'],
      })),
    };
    // One element per direction in the allow sets: the profile's tag, any address, TCP 23–1024.
    expect(renderHostSg(many).match(/0x5c000001 \. 0\.0\.0\.0\/0 \. tcp \. 23-1024/g)).toHaveLength(1);
    expect(renderHostSg(many).match(/1:1 \. 0\.0\.0\.0\/0 \. tcp \. 23-1024/g)).toHaveLength(1);
  });
  it('an egress-open group ends its profile’s egress chain with accept; one with an egress rule of its own ends with drop', () => {
    const open = renderHostSg({
      ...S_SG_HOST,
      groups: [{ ...group, rules: group.rules.filter((r) => r.id !== 'out-tcp'), egressRestricted: false }],
    });
    expect(open).toContain('accept comment "egress not restricted (R-SG-2)"');
    expect(renderHostSg(S_SG_HOST)).not.toContain('egress not restricted');
  });
  it.skipIf(checkersOptedOut && (process.getuid?.() !== 0 || !have('nft')))('passes `nft --check`', () => {
    expect(() => execFileSync('unshare', ['-n', 'nft', '--check', '-f', '-'], { input: renderHostSg(S_SG_HOST) })).not.toThrow();
  });
  const joined: HostSgConfig = { ...S_SG_HOST, members: { [SG1]: ['192.168.10.12', '192.168.10.13', '192.168.20.7'] } };
  it('a membership change elsewhere is one set element (R-SG-3), both ways', () => {
    expect(renderHostSgDelta(S_SG_HOST, joined)).toBe('add element inet cr_sg g_777777777777 { 192.168.20.7 }\n');
    expect(renderHostSgDelta(joined, S_SG_HOST)).toBe('delete element inet cr_sg g_777777777777 { 192.168.20.7 }\n');
    expect(renderHostSgDelta(S_SG_HOST, S_SG_HOST)).toBe('');
  });
  const portJoined: HostSgConfig = {
    ...S_SG_HOST,
    ports: [{ ...S_SG_HOST.ports[0]!, groupIds: [SG1] }, ...S_SG_HOST.ports.slice(1)],
  };
  it('a port joining a profile that exists here is one element per port map', () => {
    expect(renderHostSgDelta(S_SG_HOST, portJoined)).toBe(
      'add element bridge cr_sg port_in { "vp1" : 0x5c000001 }\nadd element bridge cr_sg port_out { "vp1" : 1:1 }\n',
    );
    expect(renderHostSgDelta(portJoined, S_SG_HOST)).toBe(
      'delete element bridge cr_sg port_in { "vp1" }\ndelete element bridge cr_sg port_out { "vp1" }\n',
    );
  });
  it('every delta, applied on top of the full ruleset, gives the full ruleset of the new config (in-memory nft)', () => {
    const steps = [S_SG_HOST, joined, portJoined, { ...portJoined, members: joined.members }, S_SG_HOST];
    const state = new FakeNft();
    state.apply(renderHostSg(steps[0]!));
    for (let i = 1; i < steps.length; i++) {
      state.apply(renderHostSgDelta(steps[i - 1]!, steps[i]!)!);
      const fresh = new FakeNft();
      fresh.apply(renderHostSg(steps[i]!));
      expect(state.snapshot(), `step ${i}`).toEqual(fresh.snapshot());
    }
  });
  it('a rule change or a new profile is no delta: the ruleset is replaced whole', () => {
    expect(renderHostSgDelta(S_SG_HOST, { ...S_SG_HOST, groups: [{ ...group, rules: group.rules.slice(1) }] })).toBeNull();
    expect(
      renderHostSgDelta(S_SG_HOST, {
        ...S_SG_HOST,
        ports: [{ ...S_SG_HOST.ports[0]!, groupIds: [SG1], dns: ['192.168.10.2'] }, ...S_SG_HOST.ports.slice(1)],
      }),
    ).toBeNull();
  });
  it.skipIf(checkersOptedOut && (process.getuid?.() !== 0 || !have('nft')))(
    'a delta applies on top of the full ruleset and gives the full ruleset of the new config',
    () => {
      const listing = (script: string) =>
        execFileSync('unshare', ['-n', 'sh', '-c', 'nft -f - && nft list table inet cr_sg'], { input: script }).toString();
      expect(listing(renderHostSg(S_SG_HOST) + renderHostSgDelta(S_SG_HOST, joined))).toBe(listing(renderHostSg(joined)));
      const both = (script: string) =>
        execFileSync('unshare', ['-n', 'sh', '-c', 'nft -f - && nft list ruleset'], { input: script }).toString();
      expect(both(renderHostSg(S_SG_HOST) + renderHostSgDelta(S_SG_HOST, portJoined))).toBe(both(renderHostSg(portJoined)));
    },
  );

  it.skipIf(checkersOptedOut && (process.getuid?.() !== 0 || !have('nft')))(
    'allow sets: any mix of overlapping rules loads into the kernel, and allows exactly what the rules allow',
    () => {
      let seed = 7;
      const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), (seed >>> 8) % n);
      const pick = <T>(xs: readonly T[]) => xs[rnd(xs.length)]!;
      const CIDRS = [null, '10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24', '10.1.2.3/32', '10.1.2.99/24', '192.168.0.0/16'];
      const PORTS: Array<[number, number]> = [
        [22, 22],
        [20, 30],
        [25, 40],
        [1, 65535],
        [53, 53],
        [1000, 2000],
      ];
      const ip = (t: string) => t.split('.').reduce((a, x) => a * 256 + Number(x), 0);
      const range = (cidr: string) => {
        const [a, n] = cidr.split('/');
        const size = 2 ** (32 - Number(n));
        const lo = Math.floor(ip(a!) / size) * size;
        return [lo, lo + size - 1] as const;
      };
      let layered = 0;
      for (let round = 0; round < 25; round++) {
        const groups: SgGroup[] = Array.from({ length: 3 }, (_, g) => ({
          id: `00000000-0000-4000-8000-00000000000${g}`,
          name: `G${g}`,
          egressRestricted: true,
          rules: Array.from({ length: 2 + rnd(6) }, (_, r) => {
            const protocol = pick(['tcp', 'udp', 'all'] as const);
            const [portStart, portEnd] = protocol === 'all' ? [null, null] : pick(PORTS);
            return {
              id: `r${g}-${r}`,
              direction: pick(['ingress', 'egress'] as const),
              protocol,
              portStart,
              portEnd,
              cidr: pick(CIDRS),
            };
          }),
        }));
        const cfg: HostSgConfig = {
          ports: Array.from({ length: 3 }, (_, i) => ({
            port: `vp${i}`,
            ip: `192.168.10.${i + 2}`,
            groupIds: [...new Set([groups[i]!.id, groups[rnd(3)]!.id])],
            dns: ['10.1.2.3'],
          })),
          groups,
          members: {},
        };
        const text = renderHostSg(cfg);
        if (/_(ports|addrs)_1 /.test(text)) layered++;
        // The kernel takes it (an overlap inside one set would be refused with "File exists").
        expect(() => execFileSync('unshare', ['-n', 'nft', '-f', '-'], { input: text, stdio: 'pipe' })).not.toThrow();
        // The elements, read back from the text, allow a packet exactly when a rule (or DNS) of the port's groups does.
        const elements = [...text.matchAll(/set (eg|ig)_(ports|addrs)_\d+ \{[^{]*elements = \{ ([^}]*) \}/g)].flatMap((m) =>
          m[3]!.split(', ').map((e) => ({ direction: m[1] === 'eg' ? 'egress' : 'ingress', parts: e.split(' . ') })),
        );
        for (const port of cfg.ports) {
          // Profiles are numbered in the order of their keys (groups, then DNS), from 1.
          const key = (p: HostSgConfig['ports'][number]) => `${[...p.groupIds].sort().join(',')}|${p.dns.join(',')}`;
          const n = [...new Set(cfg.ports.map(key))].sort().indexOf(key(port)) + 1;
          for (let probe = 0; probe < 60; probe++) {
            const direction = pick(['ingress', 'egress'] as const);
            const addr = pick(['10.1.2.3', '10.1.2.200', '10.1.9.9', '10.9.9.9', '192.168.1.1', '8.8.8.8']);
            const protocol = pick(['tcp', 'udp'] as const);
            const p = pick([21, 22, 26, 35, 53, 1500, 9999]);
            const tag = direction === 'egress' ? `0x5c00000${n}` : `1:${n}`;
            const byRules =
              (direction === 'egress' && addr === '10.1.2.3' && p === 53) ||
              port.groupIds.some((g) =>
                groups
                  .find((x) => x.id === g)!
                  .rules.some((r) => {
                    if (r.direction !== direction) return false;
                    const [lo, hi] = range(r.cidr ?? '0.0.0.0/0');
                    if (ip(addr) < lo || ip(addr) > hi) return false;
                    return r.protocol === 'all' || (r.protocol === protocol && r.portStart! <= p && p <= r.portEnd!);
                  }),
              );
            const bySets = elements.some(({ direction: d, parts }) => {
              if (d !== direction || parts[0] !== tag) return false;
              const [lo, hi] = range(parts[1]!);
              if (ip(addr) < lo || ip(addr) > hi) return false;
              if (parts.length === 2) return true;
              const [a, b] = parts[3]!.split('-').map(Number);
              return parts[2] === protocol && a! <= p && p <= b!;
            });
            expect({ round, port: port.port, direction, addr, protocol, p, allowed: bySets }).toEqual({
              round,
              port: port.port,
              direction,
              addr,
              protocol,
              p,
              allowed: byRules,
            });
          }
        }
      }
      // Overlapping rules did meet in one profile: some rounds needed a second layer.
      expect(layered).toBeGreaterThan(3);
    },
  );
});
