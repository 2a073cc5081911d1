import { describe, expect, it } from 'vitest';
import { IPSEC_DEFAULTS, IpsecConnection } from '../protocol/ipsec';
import { golden } from './golden';
import { espProposal, ikeProposal, renderStrongswanConf, renderSwanctl } from './swanctl';

// S-IPSEC (SPEC §5): site 1's 192.168.10.0/24 behind its VIP on 10.108.12.0/23, site 2's
// 192.168.100.0/24 behind 10.108.14.0/23, the seed's advanced defaults.
export const S_IPSEC_SITE1: IpsecConnection = {
  id: '11111111-1111-4111-8111-111111111111',
  name: 'IPsec隧道-1',
  localAddress: '10.108.12.1',
  peerAddress: '10.108.14.1',
  localSubnets: ['192.168.10.0/24'],
  peerSubnets: ['192.168.100.0/24'],
  psk: 'a "quoted" key\twith # and \\ in it',
  ...IPSEC_DEFAULTS,
};

describe('strongSwan rendering (R-IPSEC-1)', () => {
  it("the seed's defaults: IKEv1 3des-sha1-modp1024, ESP 3des-sha1 with PFS dh-group2", () => {
    expect(IpsecConnection.parse(S_IPSEC_SITE1)).toEqual(S_IPSEC_SITE1);
    expect(ikeProposal(S_IPSEC_SITE1.ike)).toBe('3des-sha1-modp1024');
    expect(espProposal(S_IPSEC_SITE1.esp)).toBe('3des-sha1-modp1024');
    golden('swanctl-s-ipsec.conf', renderSwanctl([S_IPSEC_SITE1]));
  });

  it('modern choices: an AEAD cipher takes a PRF for IKE and no integrity for ESP; PFS off drops the DH group', () => {
    expect(ikeProposal({ encryption: 'aes256gcm16', integrity: 'sha384', dhGroup: 20 })).toBe('aes256gcm16-prfsha384-ecp384');
    expect(ikeProposal({ encryption: 'aes128', integrity: 'sha256', dhGroup: 14 })).toBe('aes128-sha256-modp2048');
    expect(espProposal({ encryption: 'aes128gcm16', integrity: 'sha256', pfs: 19 })).toBe('aes128gcm16-ecp256');
    expect(espProposal({ encryption: 'aes256', integrity: 'sha512', pfs: null })).toBe('aes256-sha512');
    const two: IpsecConnection = {
      ...S_IPSEC_SITE1,
      id: '22222222-2222-4222-8222-222222222222',
      name: 'to the cloud\nsecond line',
      peerAddress: '198.51.100.7',
      peerSubnets: ['192.168.0.0/16', '172.16.0.0/24'],
      ikeVersion: 2,
      ike: { encryption: 'aes256gcm16', integrity: 'sha384', dhGroup: 20 },
      esp: { encryption: 'aes128gcm16', integrity: 'sha256', pfs: 19 },
    };
    const text = renderSwanctl([S_IPSEC_SITE1, two]);
    golden('swanctl-two.conf', text);
    // A name's line break stays inside its comment.
    expect(text).toContain('# to the cloud second line\n');
    // IKEv2 has its own liveness timeout; dpd_timeout is IKEv1's.
    expect(text.match(/dpd_timeout/g)).toHaveLength(1);
  });

  it('the key is written hex-encoded: no character of it can end the value or start a comment', () => {
    const text = renderSwanctl([S_IPSEC_SITE1]);
    expect(text).not.toContain('quoted');
    expect(text).toContain(`secret = 0x${Buffer.from(S_IPSEC_SITE1.psk).toString('hex')}\n`);
  });

  it('the daemon loads only its own plugins; libipsec before kernel-netlink, or not at all on a kernel with ESP', () => {
    const libipsec = renderStrongswanConf({
      viciSocket: '/run/cr/r1/charon.vici',
      logFile: '/run/cr/r1/charon.log',
      dataPath: 'libipsec',
    });
    golden('strongswan-libipsec.conf', libipsec);
    const load = /load = (.*)/.exec(libipsec)![1]!.split(' ');
    expect(load.indexOf('kernel-libipsec')).toBeLessThan(load.indexOf('kernel-netlink'));
    const kernel = renderStrongswanConf({
      viciSocket: '/run/cr/r1/charon.vici',
      logFile: '/run/cr/r1/charon.log',
      dataPath: 'kernel',
    });
    expect(kernel).not.toContain('kernel-libipsec');
    expect(kernel).toContain('load_modular = no');
  });
});
