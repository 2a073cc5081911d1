import { describe, expect, it } from 'vitest';
import { parseUdpCounters, renderUdpCountTable } from '../render/udp-lb';
import { parseShowStat } from './haproxy';
import { openUdpFlows } from './lb';

const L = '33333333-3333-4333-8333-333333333333';
const N1 = '00000000-0000-4000-8000-000000000001';
const N2 = '00000000-0000-4000-8000-000000000002';

describe('listener counters (R-LB-6)', () => {
  it('reads haproxy’s `show stat`: frontends, servers and their health, by column name', () => {
    const csv = [
      '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight',
      'l_333333333333,FRONTEND,,,2,5,100000,17,1200,3400,0,0,0,,,,,OPEN,',
      'b_333333333333_default,n_000000000001,0,0,1,2,,9,600,1700,,0,,0,0,0,0,UP,1',
      'b_333333333333_default,n_000000000002,0,0,0,1,,8,600,1700,,0,,0,0,0,0,DOWN 1/2,1',
      '',
    ].join('\n');
    const rows = parseShowStat(csv);
    expect(rows[0]).toEqual({
      pxname: 'l_333333333333',
      svname: 'FRONTEND',
      scur: 2,
      stot: 17,
      bin: 1200,
      bout: 3400,
      status: 'OPEN',
    });
    expect(rows.slice(1).map((r) => [r.svname, r.status, r.scur, r.stot])).toEqual([
      ['n_000000000001', 'UP', 1, 9],
      ['n_000000000002', 'DOWN 1/2', 0, 8],
    ]);
  });

  it('renders counting rules per configured backend (healthy or not) and reads them back from nft’s JSON', () => {
    const listener = { id: L, vip: '10.108.12.50', lbPort: 53, vmPort: 5353, algorithm: 'round-robin' as const };
    const configured = [
      { nicId: N1, ip: '192.168.10.11' },
      { nicId: N2, ip: '192.168.10.12' },
    ];
    // Counted whatever their health: the counting table is apart from the DNAT rule (reloaded on health changes).
    const table = renderUdpCountTable([{ ...listener, backends: configured.map((b) => ({ ...b, weight: 1 })) }]);
    expect(table.rules).toBe(2 * 3);
    expect(table.text).toContain(`ct reply ip saddr 192.168.10.12 ct state new counter comment "lb udp=${L} nic=${N2} new"`);
    const rule = (comment: string, packets: number, bytes: number) => ({
      rule: { comment, expr: [{ match: {} }, { counter: { packets, bytes } }] },
    });
    const json = JSON.stringify({
      nftables: [
        { metainfo: {} },
        rule(`lb udp=${L} nic=${N1} new`, 3, 180),
        rule(`lb udp=${L} nic=${N1} in`, 5, 300),
        rule(`lb udp=${L} nic=${N1} out`, 4, 220),
        rule('something else', 1, 1),
      ],
    });
    expect(parseUdpCounters(json).get(L)!.get(N1)).toEqual({
      new: { packets: 3, bytes: 180 },
      in: { packets: 5, bytes: 300 },
      out: { packets: 4, bytes: 220 },
    });
  });

  it('reads open UDP flows from conntrack’s listing: original destination and the VM that answers', () => {
    const listing = [
      'udp      17 28 src=203.0.113.10 dst=10.108.12.50 sport=40000 dport=53 ' +
        'src=192.168.10.11 dst=203.0.113.10 sport=5353 dport=40000 mark=0 use=1',
      'udp      17 29 src=203.0.113.10 dst=10.108.12.50 sport=40001 dport=53 [UNREPLIED] ' +
        'src=192.168.10.12 dst=203.0.113.10 sport=5353 dport=40001 mark=0 use=1',
      '',
    ].join('\n');
    expect(openUdpFlows(listing)).toEqual([
      { vip: '10.108.12.50', port: 53, backend: '192.168.10.11' },
      { vip: '10.108.12.50', port: 53, backend: '192.168.10.12' },
    ]);
  });
});
