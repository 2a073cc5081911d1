import { describe, expect, it } from 'vitest';
import { intToIp, ipToInt, isIpv4, netmaskToPrefix, parseCidr, prefixToNetmask, rangeToCidrs, subnetOf } from './ipv4';

describe('IPv4 as integers', () => {
  it('round-trips addresses across the whole space', () => {
    for (const ip of ['0.0.0.0', '10.108.10.1', '192.168.10.254', '255.255.255.255']) expect(intToIp(ipToInt(ip))).toBe(ip);
    expect(ipToInt('255.255.255.255')).toBe(4294967295);
  });
  it('rejects malformed addresses', () => {
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', ' 1.2.3.4', 'a.b.c.d']) expect(isIpv4(bad)).toBe(false);
  });
  it('maps netmasks to prefixes and back, refusing holes', () => {
    expect(netmaskToPrefix('255.0.0.0')).toBe(8);
    expect(netmaskToPrefix('255.255.255.0')).toBe(24);
    expect(netmaskToPrefix('0.0.0.0')).toBe(0);
    expect(netmaskToPrefix('255.255.255.255')).toBe(32);
    expect(netmaskToPrefix('255.0.255.0')).toBeUndefined();
    expect(prefixToNetmask(23)).toBe('255.255.254.0');
  });
  it('computes subnets and parses CIDRs', () => {
    expect(subnetOf(ipToInt('10.108.10.5'), 8)).toEqual({
      network: ipToInt('10.0.0.0'),
      broadcast: ipToInt('10.255.255.255'),
      prefix: 8,
    });
    expect(parseCidr('192.168.10.0/24')).toEqual({ ip: ipToInt('192.168.10.0'), prefix: 24 });
    expect(parseCidr('192.168.10.0/33')).toBeUndefined();
  });
});

describe('rangeToCidrs (the lab internet routes each public range)', () => {
  it('covers a range with the fewest blocks', () => {
    expect(rangeToCidrs(ipToInt('10.108.12.0'), ipToInt('10.108.13.255'))).toEqual(['10.108.12.0/23']);
    expect(rangeToCidrs(ipToInt('192.168.29.30'), ipToInt('192.168.29.40'))).toEqual([
      '192.168.29.30/31',
      '192.168.29.32/29',
      '192.168.29.40/32',
    ]);
    expect(rangeToCidrs(ipToInt('0.0.0.0'), ipToInt('255.255.255.255'))).toEqual(['0.0.0.0/0']);
  });
});
