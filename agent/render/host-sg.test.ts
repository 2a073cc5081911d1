import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { defaultRules, type SgGroup } from '@/server/domain/security/groups';
import { checkersOptedOut, golden, have } from './golden';
import { renderHostSg, renderHostSgDelta, type HostSgConfig } from './host-sg';

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
  it('tags only ports in a group; remote groups are sets of member addresses', () => {
    const text = renderHostSg(S_SG_HOST);
    expect(text).not.toContain('"vp1"');
    expect(text).toContain('set g_777777777777 { type ipv4_addr; elements = { 192.168.10.12, 192.168.10.13 } }');
    expect(text).toContain('ip daddr @g_777777777777 return comment');
    expect(text).toContain('udp sport 67 udp dport 68 accept');
  });
  it('an egress-open group ends its egress chain with return; one with an egress rule of its own ends with drop', () => {
    const open = renderHostSg({ ...S_SG_HOST, groups: [{ ...group, rules: group.rules.filter((r) => r.id !== 'out-tcp') }] });
    expect(open).toContain('return comment "egress not restricted (R-SG-2)"');
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
  it('a rule or port change is no delta: the ruleset is replaced whole', () => {
    expect(renderHostSgDelta(S_SG_HOST, { ...S_SG_HOST, groups: [{ ...group, rules: group.rules.slice(1) }] })).toBeNull();
    expect(renderHostSgDelta(S_SG_HOST, { ...S_SG_HOST, ports: S_SG_HOST.ports.slice(1) })).toBeNull();
  });
  it.skipIf(checkersOptedOut && (process.getuid?.() !== 0 || !have('nft')))('a delta applies on top of the full ruleset and gives the full ruleset of the new config', () => {
    const listing = (script: string) => execFileSync('unshare', ['-n', 'sh', '-c', 'nft -f - && nft list table inet cr_sg'], { input: script }).toString();
    expect(listing(renderHostSg(S_SG_HOST) + renderHostSgDelta(S_SG_HOST, joined))).toBe(listing(renderHostSg(joined)));
  });
});
