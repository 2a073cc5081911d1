import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkersOptedOut } from '../golden';
import { atom, chainDecl, concat, element, elementCommand, replaceTable, setDecl, type TableRef } from './index';

// Documentation ranges only: 192.0.2.0/24 (VIPs), 198.51.100.0/24 (targets).
const T: TableRef = { family: 'ip', name: 'cr_test' };

describe('nft text kit: one element encoding for full loads and deltas', () => {
  it('quotes interface names, leaves addresses and numbers bare, joins concatenations and map values', () => {
    expect(atom({ ifname: 'vp1' })).toBe('"vp1"');
    expect(atom('192.0.2.7')).toBe('192.0.2.7');
    expect(concat('192.0.2.7', 5900)).toBe('192.0.2.7 . 5900');
    expect(element({ ifname: 'vp1' }, '0x5c000001')).toBe('"vp1" : 0x5c000001');
    expect(element(concat('192.0.2.7', 5900), concat('198.51.100.5', 6900))).toBe('192.0.2.7 . 5900 : 198.51.100.5 . 6900');
  });
  it('writes element commands, and nothing for no elements', () => {
    expect(elementCommand('add', T, 'eip_dnat', [element('192.0.2.7', '198.51.100.5')])).toBe(
      'add element ip cr_test eip_dnat { 192.0.2.7 : 198.51.100.5 }',
    );
    expect(elementCommand('delete', T, 'eip_dnat', [])).toBeNull();
  });
  it('declares sets and maps with or without elements', () => {
    expect(setDecl('set', 's', 'ipv4_addr')).toEqual(['\tset s { type ipv4_addr; }']);
    expect(setDecl('set', 's', 'ipv4_addr', ['192.0.2.0/24'], { flags: 'interval' })).toEqual([
      '\tset s { type ipv4_addr; flags interval; elements = { 192.0.2.0/24 } }',
    ]);
  });

  const sample = [
    ...replaceTable(T, [
      ...setDecl('map', 'pf_tcp', 'ipv4_addr . inet_service : ipv4_addr . inet_service', [
        element(concat('192.0.2.7', 5900), concat('198.51.100.5', 6900)),
      ]),
      ...setDecl('set', 'no_snat', 'ipv4_addr', ['198.51.100.0/24'], { flags: 'interval' }),
      ...chainDecl(
        'prerouting',
        ['dnat ip to ip daddr . tcp dport map @pf_tcp'],
        'type nat hook prerouting priority dstnat; policy accept;',
      ),
    ]),
    ...replaceTable({ family: 'bridge', name: 'cr_test' }, [
      ...setDecl('map', 'port_in', 'ifname : mark', [element({ ifname: 'vp1' }, '0x5c000001')], { multiline: true }),
      ...chainDecl('tag', ['meta mark set iifname map @port_in'], 'type filter hook forward priority -200; policy accept;'),
    ]),
    elementCommand('add', T, 'pf_tcp', [element(concat('192.0.2.7', 5901), concat('198.51.100.5', 6901))]),
    '',
  ].join('\n');

  it('replaces a table in one transaction: declared empty, deleted, defined whole', () => {
    expect(sample.split('\n').slice(0, 3)).toEqual(['table ip cr_test {}', 'delete table ip cr_test', 'table ip cr_test {']);
  });
  it.skipIf(checkersOptedOut)('what it writes passes `nft --check` (in a throwaway network namespace)', () => {
    expect(() => execFileSync('unshare', ['-n', 'nft', '--check', '-f', '-'], { input: sample })).not.toThrow();
  });
});
