import { describe, expect, it } from 'vitest';
import { checkSgRule, decide, defaultRules, egressOpen, restrictsEgress, whyBlocked, type SgGroup } from './groups';

const sg = (id: string, name: string, extra: SgGroup['rules'] = []): SgGroup => ({
  id,
  name,
  rules: [...defaultRules(id).map((r, i) => ({ ...r, id: `${id}-d${i}` })), ...extra],
});

describe('R-SG-1 rule shapes', () => {
  it('accepts ALL without ports, TCP/UDP ranges, ICMP -1/-1 and a type/code, CIDR and/or remote group', () => {
    expect(checkSgRule({ direction: 'ingress', protocol: 'all' })).toBeUndefined();
    expect(
      checkSgRule({ direction: 'ingress', protocol: 'tcp', portStart: 23, portEnd: 1024, cidr: '192.168.10.0/24' }),
    ).toBeUndefined();
    expect(checkSgRule({ direction: 'egress', protocol: 'udp', portStart: 53, portEnd: 53, remoteGroupId: 'g' })).toBeUndefined();
    expect(checkSgRule({ direction: 'ingress', protocol: 'icmp', icmpType: -1, icmpCode: -1 })).toBeUndefined();
    expect(
      checkSgRule({ direction: 'ingress', protocol: 'icmp', icmpType: 8, icmpCode: 0, cidr: '203.0.113.7', remoteGroupId: 'g' }),
    ).toBeUndefined();
  });
  it('refuses ports on ALL and ICMP', () => {
    expect(checkSgRule({ direction: 'ingress', protocol: 'all', portStart: 1, portEnd: 2 })).toMatchObject({
      code: 'PORT_RANGE_INVALID',
      field: 'portStart',
    });
    expect(checkSgRule({ direction: 'ingress', protocol: 'icmp', portStart: 1 })).toMatchObject({ code: 'PORT_RANGE_INVALID' });
  });
  it('refuses TCP/UDP ports outside 1–65535 or start > end', () => {
    expect(checkSgRule({ direction: 'ingress', protocol: 'tcp', portStart: 0, portEnd: 10 })).toMatchObject({
      field: 'portStart',
    });
    expect(checkSgRule({ direction: 'ingress', protocol: 'udp', portStart: 10, portEnd: 65536 })).toMatchObject({
      field: 'portEnd',
    });
    expect(checkSgRule({ direction: 'ingress', protocol: 'tcp', portStart: 1024, portEnd: 23 })).toMatchObject({
      field: 'portEnd',
      message: expect.stringContaining('below'),
    });
  });
  it('refuses ICMP type/code outside -1..255, a code without a type, and ICMP fields on other protocols', () => {
    expect(checkSgRule({ direction: 'ingress', protocol: 'icmp', icmpType: 256, icmpCode: -1 })).toMatchObject({
      field: 'icmpType',
    });
    expect(checkSgRule({ direction: 'ingress', protocol: 'icmp', icmpType: -1, icmpCode: 3 })).toMatchObject({
      field: 'icmpCode',
    });
    expect(checkSgRule({ direction: 'ingress', protocol: 'tcp', portStart: 1, portEnd: 1, icmpType: 8 })).toMatchObject({
      field: 'icmpType',
    });
  });
  it('refuses a CIDR that does not parse', () => {
    expect(checkSgRule({ direction: 'ingress', protocol: 'all', cidr: '10.0.0.0/33' })).toMatchObject({
      code: 'INVALID_ADDRESS',
      field: 'cidr',
    });
  });
});

describe('R-SG-2 semantics and "why blocked?"', () => {
  it('a new group has the two default intra-group rules', () => {
    expect(defaultRules('g1')).toEqual([
      expect.objectContaining({ direction: 'ingress', protocol: 'all', remoteGroupId: 'g1', isDefault: true }),
      expect.objectContaining({ direction: 'egress', protocol: 'all', remoteGroupId: 'g1', isDefault: true }),
    ]);
  });

  // S-SG (SPEC §5): VM-1 in no group; SG-1 with ingress TCP 23–1024 on VM-2 and VM-3.
  const vm1 = { ip: '192.168.10.11', groups: [] as SgGroup[] };
  const ingress = { id: 'r-in', direction: 'ingress' as const, protocol: 'tcp' as const, portStart: 23, portEnd: 1024 };
  const sg1 = sg('sg1', 'SG-1', [ingress]);
  const vm2 = { ip: '192.168.10.12', groups: [sg1] };
  const vm3 = { ip: '192.168.10.13', groups: [sg1] };

  it('S-SG VM-1 → VM-2:22 ✗ (no ingress rule), :23 ✓ (the TCP 23–1024 rule)', () => {
    const r22 = whyBlocked(vm1, vm2, { protocol: 'tcp', port: 22 });
    expect(r22).toMatchObject({
      allowed: false,
      egress: { allowed: true, by: 'no-group' },
      ingress: { allowed: false, by: 'no-rule' },
    });
    expect(r22.ingress.text).toContain('No ingress rule of "SG-1" allows TCP port 22 from 192.168.10.11');
    expect(whyBlocked(vm1, vm2, { protocol: 'tcp', port: 23 })).toMatchObject({
      allowed: true,
      ingress: { by: 'rule', ruleId: 'r-in' },
    });
  });
  it('members of one group reach each other through the default rules', () => {
    expect(whyBlocked(vm2, vm3, { protocol: 'udp', port: 5000 })).toMatchObject({
      allowed: true,
      egress: { by: 'rule', ruleId: 'sg1-d1' },
      ingress: { by: 'rule', ruleId: 'sg1-d0' },
    });
  });
  it('R-SG-2: a group restricts egress only with an egress rule of its own; a NIC is open if any group is', () => {
    const plain = sg('a', 'A');
    const strict = sg('b', 'B', [{ id: 'e', direction: 'egress', protocol: 'tcp', portStart: 23, portEnd: 1024 }]);
    expect(restrictsEgress(plain)).toBe(false);
    expect(restrictsEgress(strict)).toBe(true);
    expect(egressOpen([])).toBe(true);
    expect(egressOpen([strict])).toBe(false);
    expect(egressOpen([strict, plain])).toBe(true);
  });
  it('egress is open until the group has a user-defined egress rule', () => {
    expect(whyBlocked(vm2, vm1, { protocol: 'tcp', port: 21 })).toMatchObject({ allowed: true, egress: { by: 'egress-open' } });
  });
  it('S-SG after egress TCP 23–1024: VM-2 → VM-1:21 ✗, :23 ✓', () => {
    const withEgress = sg('sg1', 'SG-1', [
      ingress,
      { id: 'r-out', direction: 'egress', protocol: 'tcp', portStart: 23, portEnd: 1024 },
    ]);
    const vm2b = { ...vm2, groups: [withEgress] };
    expect(whyBlocked(vm2b, vm1, { protocol: 'tcp', port: 21 })).toMatchObject({
      allowed: false,
      egress: { allowed: false, by: 'no-rule' },
    });
    expect(whyBlocked(vm2b, vm1, { protocol: 'tcp', port: 23 })).toMatchObject({
      allowed: true,
      egress: { by: 'rule', ruleId: 'r-out' },
    });
  });
  it('deleting the default rules stops intra-group traffic', () => {
    const bare: SgGroup = { id: 'sg1', name: 'SG-1', rules: [ingress] };
    expect(whyBlocked({ ...vm2, groups: [bare] }, { ...vm3, groups: [bare] }, { protocol: 'udp', port: 5000 })).toMatchObject({
      allowed: false,
      ingress: { by: 'no-rule' },
    });
  });
  it('CIDR and remote group together must both hold (intersection); several groups are a union', () => {
    const both: SgGroup = {
      id: 'g2',
      name: 'G2',
      rules: [{ id: 'x', direction: 'ingress', protocol: 'all', cidr: '192.168.10.0/28', remoteGroupId: 'sg1' }],
    };
    expect(decide([both], 'ingress', { protocol: 'tcp', port: 80 }, { ip: '192.168.10.12', groupIds: ['sg1'] }).allowed).toBe(
      true,
    );
    expect(decide([both], 'ingress', { protocol: 'tcp', port: 80 }, { ip: '192.168.10.12', groupIds: [] }).allowed).toBe(false);
    expect(decide([both], 'ingress', { protocol: 'tcp', port: 80 }, { ip: '192.168.10.99', groupIds: ['sg1'] }).allowed).toBe(
      false,
    );
    expect(decide([both, sg1], 'ingress', { protocol: 'tcp', port: 80 }, { ip: '192.168.10.99', groupIds: [] })).toMatchObject({
      allowed: true,
      groupId: 'sg1',
    });
  });
  it('ICMP rules match by type and code, -1 meaning any', () => {
    const g: SgGroup = {
      id: 'g',
      name: 'G',
      rules: [{ id: 'echo', direction: 'ingress', protocol: 'icmp', icmpType: 8, icmpCode: -1 }],
    };
    expect(decide([g], 'ingress', { protocol: 'icmp', icmpType: 8, icmpCode: 0 }, { ip: '10.0.0.1', groupIds: [] }).allowed).toBe(
      true,
    );
    expect(
      decide([g], 'ingress', { protocol: 'icmp', icmpType: 13, icmpCode: 0 }, { ip: '10.0.0.1', groupIds: [] }).allowed,
    ).toBe(false);
  });
});
