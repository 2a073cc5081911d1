import { describe, expect, it } from 'vitest';
import { FakeNft } from './fake';

// Documentation ranges only.
const BASE = [
  'table ip cr_t {}',
  'delete table ip cr_t',
  'table ip cr_t {',
  '\tmap eip_dnat { type ipv4_addr : ipv4_addr; elements = { 192.0.2.7 : 198.51.100.5 } }',
  '\tchain prerouting {',
  '\t\ttype nat hook prerouting priority dstnat; policy accept;',
  '\t\tdnat ip to ip daddr map @eip_dnat comment "eip"',
  '\t\tjump extra',
  '\t}',
  '\tchain extra {',
  '\t}',
  '}',
  '',
].join('\n');

describe('the in-memory nftables fake refuses what the kernel would, all or nothing', () => {
  const loaded = () => {
    const f = new FakeNft();
    f.apply(BASE);
    return f;
  };
  it('loads a table block with its map, hook and rules', () => {
    expect(loaded().snapshot()).toEqual({
      'ip cr_t': {
        sets: { eip_dnat: ['192.0.2.7 : 198.51.100.5'] },
        chains: {
          extra: { hook: null, rules: [] },
          prerouting: {
            hook: 'type nat hook prerouting priority dstnat; policy accept;',
            rules: ['dnat ip to ip daddr map @eip_dnat comment "eip"', 'jump extra'],
          },
        },
      },
    });
  });
  it('moves a map element by key: delete then add', () => {
    const f = loaded();
    f.apply('delete element ip cr_t eip_dnat { 192.0.2.7 }\nadd element ip cr_t eip_dnat { 192.0.2.7 : 198.51.100.6 }\n');
    expect(f.snapshot()['ip cr_t']!.sets.eip_dnat).toEqual(['192.0.2.7 : 198.51.100.6']);
  });
  it.each([
    ['an element in a map that does not exist', 'add element ip cr_t nope { 192.0.2.8 : 198.51.100.5 }', /no such set/],
    ['deleting an element that is not there', 'delete element ip cr_t eip_dnat { 192.0.2.99 }', /no element 192.0.2.99/],
    ['deleting a table never declared', 'delete table ip cr_other', /no such table/],
    ['a rule naming a set the table lacks', 'add rule ip cr_t extra ip daddr @missing accept', /no set or map @missing/],
    ['a jump to a chain the table lacks', 'add rule ip cr_t extra jump nowhere', /no chain nowhere/],
    ['deleting a map a rule still uses', 'delete map ip cr_t eip_dnat', /no set or map @eip_dnat/],
    ['deleting a chain that still has rules', 'delete chain ip cr_t prerouting', /not empty/],
  ])('refuses %s, and changes nothing', (_what, text, why) => {
    const f = loaded();
    const before = f.snapshot();
    expect(() => f.apply(`add element ip cr_t eip_dnat { 192.0.2.8 : 198.51.100.8 }\n${text}\n`)).toThrow(why);
    expect(f.snapshot()).toEqual(before);
  });
  it('does not mistake a raw payload expression (@nh,144,32) for a set', () => {
    const f = loaded();
    f.apply('add rule ip cr_t extra @nh,144,32 set @nh,112,32\n');
    expect(f.snapshot()['ip cr_t']!.chains.extra!.rules).toEqual(['@nh,144,32 set @nh,112,32']);
  });
});
