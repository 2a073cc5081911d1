import { describe, expect, it } from 'vitest';
import { vipFacts } from '../vrouter-services/facts.testing';
import type { Subnet } from '@/lib/ipv4';
import {
  checkIpsecSubnets,
  checkIpsecVip,
  checkOnePerPeer,
  checkPeerAddress,
  checkProposals,
  checkPsk,
  IPSEC_DEFAULTS,
  parseSubnets,
  type ProposalInput,
} from './rules';

const refusal = (r: unknown) => r as { code: string; field?: string; message: string } | undefined;
const subnets = (texts: string[], field = 'localSubnets') => parseSubnets(texts, field) as Subnet[];
const seedDefaults: ProposalInput = { ...IPSEC_DEFAULTS };

describe('IPsec connection rules (R-IPSEC-1, R-IPSEC-2)', () => {
  it("R-IPSEC-1 the seed's defaults: psk, tunnel, IKE sha1 / 3des / DH 2, esp sha1 / 3des, PFS dh-group2", () => {
    expect(IPSEC_DEFAULTS).toMatchObject({
      ikeVersion: 1,
      ike: { encryption: '3des', integrity: 'sha1', dhGroup: 2 },
      esp: { encryption: '3des', integrity: 'sha1', pfs: 2 },
    });
    expect(checkProposals(seedDefaults)).toBeUndefined();
  });

  it('R-IPSEC-1 a new or existing VIP, the system VIP included — never one that backs an EIP', () => {
    expect(checkIpsecVip(vipFacts({ system: true, vrouterId: 'r1' }))).toBeUndefined();
    expect(checkIpsecVip(vipFacts({ usedBy: { eip: false, portForwards: 2, loadBalancers: 1 } }))).toBeUndefined();
    expect(refusal(checkIpsecVip(vipFacts({ usedBy: { eip: true, portForwards: 0, loadBalancers: 0 } })))).toMatchObject({
      code: 'VIP_NOT_ALLOWED',
      field: 'vipId',
    });
  });

  it('R-IPSEC-1 modern choices are accepted: IKEv2, AES-GCM, SHA-2, DH 14/19/20, PFS off', () => {
    expect(
      checkProposals({
        ikeVersion: 2,
        ike: { encryption: 'aes256gcm16', integrity: 'sha384', dhGroup: 20 },
        esp: { encryption: 'aes128gcm16', integrity: 'sha256', pfs: 19 },
        dpdDelaySeconds: 30,
      }),
    ).toBeUndefined();
    expect(
      checkProposals({
        ...seedDefaults,
        ike: { encryption: 'aes128', integrity: 'sha256', dhGroup: 14 },
        esp: { ...seedDefaults.esp, pfs: null },
      }),
    ).toBeUndefined();
  });

  it('R-IPSEC-1 unknown algorithms, groups and versions are refused beside their field; IKEv1 has no AEAD for IKE', () => {
    const cases: Array<[ProposalInput, string]> = [
      [{ ...seedDefaults, ikeVersion: 3 }, 'ikeVersion'],
      [{ ...seedDefaults, ike: { ...seedDefaults.ike, encryption: 'des' } }, 'ikeEncryption'],
      [{ ...seedDefaults, ike: { ...seedDefaults.ike, integrity: 'crc32' } }, 'ikeIntegrity'],
      [{ ...seedDefaults, ike: { ...seedDefaults.ike, dhGroup: 3 } }, 'ikeDhGroup'],
      [{ ...seedDefaults, esp: { ...seedDefaults.esp, encryption: 'rc4' } }, 'espEncryption'],
      [{ ...seedDefaults, esp: { ...seedDefaults.esp, integrity: 'none' } }, 'espIntegrity'],
      [{ ...seedDefaults, esp: { ...seedDefaults.esp, pfs: 99 } }, 'pfs'],
      [{ ...seedDefaults, ike: { ...seedDefaults.ike, encryption: 'aes128gcm16' } }, 'ikeEncryption'],
      [{ ...seedDefaults, dpdDelaySeconds: 0 }, 'dpdDelaySeconds'],
      [{ ...seedDefaults, dpdDelaySeconds: 1.5 }, 'dpdDelaySeconds'],
    ];
    for (const [input, field] of cases)
      expect(refusal(checkProposals(input)), field).toMatchObject({ code: 'INVALID_INPUT', field });
    // ESP may use AES-GCM with IKEv1.
    expect(checkProposals({ ...seedDefaults, esp: { ...seedDefaults.esp, encryption: 'aes256gcm16' } })).toBeUndefined();
  });

  it('R-IPSEC-2 local and peer subnets never overlap', () => {
    const local = subnets(['192.168.10.0/24']);
    expect(checkIpsecSubnets({ local, peer: subnets(['192.168.100.0/24'], 'peerSubnets'), served: [] })).toBeUndefined();
    for (const peer of ['192.168.10.0/24', '192.168.0.0/16', '192.168.10.128/25'])
      expect(refusal(checkIpsecSubnets({ local, peer: subnets([peer], 'peerSubnets'), served: [] })), peer).toMatchObject({
        code: 'SUBNET_OVERLAP',
        field: 'peerSubnets',
      });
  });

  it('R-IPSEC-2 a peer subnet may not overlap any network the vRouter serves — public and system ones too', () => {
    const served = [
      { name: 'private-2800', cidr: '192.168.10.0/24' },
      { name: 'public', cidr: '10.0.0.0/8' },
      { name: 'management', cidr: '192.168.29.0/24' },
    ];
    const local = subnets(['192.168.10.0/24']);
    const r = refusal(checkIpsecSubnets({ local, peer: subnets(['10.108.14.0/23'], 'peerSubnets'), served }));
    expect(r).toMatchObject({ code: 'SUBNET_OVERLAP', field: 'peerSubnets' });
    expect(r?.message).toContain('"public"');
    expect(refusal(checkIpsecSubnets({ local, peer: subnets(['192.168.29.128/25'], 'peerSubnets'), served }))?.message).toContain(
      'management',
    );
    // S-MULTIPUB: the cloud's 192.168.0.0/16 beside a local 172.31.0.0/18.
    expect(
      checkIpsecSubnets({
        local: subnets(['172.31.0.0/18']),
        peer: subnets(['192.168.0.0/16'], 'peerSubnets'),
        served: [
          { name: 'private', cidr: '172.31.0.0/18' },
          { name: 'public-A', cidr: '10.0.0.0/8' },
        ],
      }),
    ).toBeUndefined();
  });

  it('subnets are CIDRs given by their first address, 1–32 of them, none overlapping another of its list', () => {
    expect(refusal(parseSubnets([], 'peerSubnets'))).toMatchObject({ code: 'INVALID_INPUT', field: 'peerSubnets' });
    expect(refusal(parseSubnets(['192.168.1.5/16'], 'peerSubnets'))?.message).toContain('192.168.0.0/16');
    expect(refusal(parseSubnets(['10.0.0.0/33'], 'peerSubnets'))).toMatchObject({ code: 'INVALID_ADDRESS' });
    expect(refusal(parseSubnets(['10.1.0.0/16', '10.1.2.0/24'], 'peerSubnets'))).toMatchObject({ code: 'SUBNET_OVERLAP' });
    expect(parseSubnets(['172.18.0.0/24', '192.168.0.0/16'], 'peerSubnets')).toHaveLength(2);
  });

  it('the peer address is one unicast host, not the VIP itself', () => {
    expect(checkPeerAddress('203.0.113.7', '10.108.12.1')).toBeUndefined();
    for (const bad of ['203.0.113', '0.0.0.0', '127.0.0.1', '224.0.0.5', '255.255.255.255', '10.108.12.1'])
      expect(refusal(checkPeerAddress(bad, '10.108.12.1')), bad).toMatchObject({ field: 'peerAddress' });
  });

  it('the pre-shared key: 8–256 printable characters', () => {
    expect(checkPsk('correct horse battery staple')).toBeUndefined();
    expect(checkPsk('密钥要足够长才安全')).toBeUndefined();
    for (const bad of ['short', 'x'.repeat(257), 'line\nbreak-key', 'tab\there-key'])
      expect(refusal(checkPsk(bad)), JSON.stringify(bad)).toMatchObject({ code: 'INVALID_INPUT', field: 'psk' });
  });

  it('one connection per VIP and peer', () => {
    expect(
      checkOnePerPeer({ vipIp: '10.108.12.1', peerAddress: '203.0.113.7' }, [{ name: 'a', peerAddress: '203.0.113.8' }]),
    ).toBeUndefined();
    expect(
      refusal(
        checkOnePerPeer({ vipIp: '10.108.12.1', peerAddress: '203.0.113.7' }, [{ name: 'IPsec-1', peerAddress: '203.0.113.7' }]),
      ),
    ).toMatchObject({ code: 'NAME_TAKEN', field: 'peerAddress' });
  });
});
