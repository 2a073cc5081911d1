import { describe, expect, it } from 'vitest';
import { DomainError } from '../errors';
import { ipToInt } from '@/lib/ipv4';
import {
  allocatableSize,
  checkDhcpServerIp,
  checkRangeOverlap,
  initialExtents,
  parseRange,
  rangeFromCidr,
  type ParsedRange,
  type RangeByBounds,
} from './ranges';

// Address plan: the seed's public range (table 1) and private CIDR (table 3).
const SEED_PUBLIC: RangeByBounds = { startIp: '10.108.10.0', endIp: '10.108.11.255', netmask: '255.0.0.0', gateway: '10.0.0.1' };
const ok = (r: ParsedRange | DomainError): ParsedRange => {
  if (r instanceof DomainError) throw r;
  return r;
};

describe('R-L3-5 ranges', () => {
  it('R-L3-5 accepts the seed public range 10.108.10.0–10.108.11.255 mask 255.0.0.0 gw 10.0.0.1', () => {
    const r = ok(parseRange(SEED_PUBLIC));
    expect(r).toMatchObject({
      prefix: 8,
      network: ipToInt('10.0.0.0'),
      broadcast: ipToInt('10.255.255.255'),
      gateway: ipToInt('10.0.0.1'),
    });
    expect(allocatableSize(r)).toBe(512);
  });

  it.each([
    ['start after end', { ...SEED_PUBLIC, startIp: '10.108.11.0', endIp: '10.108.10.0' }, 'RANGE_START_AFTER_END', 'endIp'],
    [
      'end outside the mask subnet',
      { startIp: '192.168.1.10', endIp: '192.168.2.10', netmask: '255.255.255.0', gateway: '192.168.1.1' },
      'RANGE_OUTSIDE_SUBNET',
      'endIp',
    ],
    ['gateway outside the subnet', { ...SEED_PUBLIC, gateway: '11.0.0.1' }, 'GATEWAY_INVALID', 'gateway'],
    ['gateway inside start–end', { ...SEED_PUBLIC, gateway: '10.108.10.5' }, 'GATEWAY_INVALID', 'gateway'],
    [
      'gateway is the broadcast address',
      { startIp: '192.168.1.10', endIp: '192.168.1.20', netmask: '255.255.255.0', gateway: '192.168.1.255' },
      'GATEWAY_INVALID',
      'gateway',
    ],
    [
      'link-local 169.254.0.0/16',
      { startIp: '169.254.1.1', endIp: '169.254.1.10', netmask: '255.255.0.0', gateway: '169.254.0.1' },
      'RANGE_LINK_LOCAL',
      'startIp',
    ],
    [
      'a range that merely touches link-local',
      { startIp: '169.253.255.250', endIp: '169.254.0.5', netmask: '255.0.0.0', gateway: '169.0.0.1' },
      'RANGE_LINK_LOCAL',
      'startIp',
    ],
    ['a non-contiguous netmask', { ...SEED_PUBLIC, netmask: '255.0.255.0' }, 'INVALID_ADDRESS', 'netmask'],
    ['a malformed start IP', { ...SEED_PUBLIC, startIp: '10.108.10' }, 'INVALID_ADDRESS', 'startIp'],
    ['an out-of-range octet', { ...SEED_PUBLIC, endIp: '10.108.11.256' }, 'INVALID_ADDRESS', 'endIp'],
  ])('R-L3-5 refuses %s', (_name, input, code, field) => {
    const r = parseRange(input);
    expect(r).toBeInstanceOf(DomainError);
    expect(r).toMatchObject({ code, field });
  });

  it('R-L3-5 accepts a range beside an existing one and refuses one overlapping it', () => {
    const existing = [{ start: ipToInt('10.108.10.0'), end: ipToInt('10.108.11.255'), l3Name: 'L3-public', sameL3: true }];
    expect(checkRangeOverlap({ start: ipToInt('10.108.12.0'), end: ipToInt('10.108.12.255') }, existing)).toBeUndefined();
    expect(checkRangeOverlap({ start: ipToInt('10.108.11.0'), end: ipToInt('10.108.12.255') }, existing)).toMatchObject({
      code: 'RANGE_OVERLAP',
      field: 'startIp',
    });
  });

  it('R-L3-5 names the other L3 when the overlap is with an L3 sharing the L2', () => {
    const existing = [{ start: ipToInt('192.168.10.2'), end: ipToInt('192.168.10.254'), l3Name: 'L3-other', sameL3: false }];
    const r = checkRangeOverlap({ start: ipToInt('192.168.10.100'), end: ipToInt('192.168.10.110') }, existing);
    expect(r?.message).toContain('L3 "L3-other" on the same L2');
  });
});

describe('R-L3-3 CIDR ranges', () => {
  it('R-L3-3 turns 192.168.10.0/24 into gateway .1 and range .2–.254', () => {
    expect(rangeFromCidr('192.168.10.0/24')).toEqual({
      gateway: '192.168.10.1',
      startIp: '192.168.10.2',
      endIp: '192.168.10.254',
      netmask: '255.255.255.0',
    });
  });
  it.each([
    ['not a network address', '192.168.10.5/24', 'did you mean 192.168.10.0/24'],
    ['too small', '192.168.10.0/31', '/30 or larger'],
    ['malformed', '192.168.10.0', 'not a CIDR'],
  ])('R-L3-3 refuses a CIDR that is %s', (_n, cidr, text) => {
    const r = rangeFromCidr(cidr);
    expect(r).toBeInstanceOf(DomainError);
    expect((r as DomainError).field).toBe('cidr');
    expect((r as DomainError).message).toContain(text);
  });
});

describe('R-L3-4 DHCP server IP', () => {
  const priv = ok(parseRange(rangeFromCidr('192.168.10.0/24') as RangeByBounds));
  const ctx = { dhcpEnabled: true, l3HasDhcpIp: false, isUsed: () => false };

  it('R-L3-4 accepts the seed DHCP IP 192.168.10.10 inside the range', () => {
    expect(checkDhcpServerIp('192.168.10.10', priv, ctx)).toBeUndefined();
  });
  it('R-L3-4 accepts a DHCP IP outside start–end but inside the CIDR', () => {
    const r = ok(
      parseRange({ startIp: '192.168.20.100', endIp: '192.168.20.200', netmask: '255.255.255.0', gateway: '192.168.20.1' }),
    );
    expect(checkDhcpServerIp('192.168.20.2', r, ctx)).toBeUndefined();
  });
  it('R-L3-4 accepts a blank DHCP IP (the system picks one)', () => {
    expect(checkDhcpServerIp(undefined, priv, ctx)).toBeUndefined();
  });
  it.each([
    ['DHCP is off', '192.168.10.10', { ...ctx, dhcpEnabled: false }, 'DHCP_IP_NOT_ALLOWED'],
    ['the L3 already has one', '192.168.10.10', { ...ctx, l3HasDhcpIp: true }, 'DHCP_IP_NOT_ALLOWED'],
    ['it lies outside the CIDR', '192.168.11.10', ctx, 'DHCP_IP_INVALID'],
    ['it is the gateway', '192.168.10.1', ctx, 'DHCP_IP_INVALID'],
    ['it is the network address', '192.168.10.0', ctx, 'DHCP_IP_INVALID'],
    ['it is already used', '192.168.10.10', { ...ctx, isUsed: () => true }, 'DHCP_IP_INVALID'],
    ['it is malformed', '192.168.10.x', ctx, 'INVALID_ADDRESS'],
  ])('R-L3-4 refuses a DHCP IP when %s', (_n, ip, c, code) => {
    expect(checkDhcpServerIp(ip, priv, c)).toMatchObject({ code, field: 'dhcpServerIp' });
  });
});

describe('free extents of a new range (IPAM)', () => {
  it('leave out the network address when the range contains it', () => {
    const r = ok(
      parseRange({ startIp: '192.168.0.0', endIp: '192.168.0.255', netmask: '255.255.254.0', gateway: '192.168.1.1' }),
    );
    expect(allocatableSize(r)).toBe(255);
    expect(initialExtents(r, [])).toEqual([{ start: ipToInt('192.168.0.1'), end: ipToInt('192.168.0.255') }]);
  });
  it('split around holes and skip the network address', () => {
    const r = ok(parseRange({ startIp: '10.0.0.0', endIp: '10.0.0.9', netmask: '255.255.255.0', gateway: '10.0.0.254' }));
    expect(allocatableSize(r)).toBe(9);
    expect(initialExtents(r, [ipToInt('10.0.0.5')])).toEqual([
      { start: ipToInt('10.0.0.1'), end: ipToInt('10.0.0.4') },
      { start: ipToInt('10.0.0.6'), end: ipToInt('10.0.0.9') },
    ]);
  });
});
