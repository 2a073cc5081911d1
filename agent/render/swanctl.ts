import {
  IPSEC_DH_GROUPS,
  isAead,
  type IpsecConnection,
  type IpsecDhGroup,
  type IpsecEncryption,
  type IpsecIntegrity,
} from '../protocol/ipsec';

/**
 * strongSwan for one vRouter (R-IPSEC-1, R-IPSEC-2): the daemon's own `strongswan.conf` and the
 * connections as `swanctl.conf`, loaded through the daemon's vici socket (`swanctl --load-all`)
 * without restarting it. Pure: the same connections give the same text.
 */

/** How ESP is carried: the kernel's XFRM, or strongSwan's userspace `kernel-libipsec` (a TUN) where the kernel has no ESP. */
export type IpsecDataPath = 'kernel' | 'libipsec';

/** A connection's and its child SA's name in the daemon (letters, digits and dashes: the id). */
export const ipsecConnName = (c: Pick<IpsecConnection, 'id'>) => `cr-${c.id}`;

const dh = (g: IpsecDhGroup) => IPSEC_DH_GROUPS[g];

/** IKE proposal: encryption-integrity-DH; an AEAD cipher takes a PRF instead of an integrity algorithm. */
export function ikeProposal(p: { encryption: IpsecEncryption; integrity: IpsecIntegrity; dhGroup: IpsecDhGroup }): string {
  return isAead(p.encryption)
    ? `${p.encryption}-prf${p.integrity}-${dh(p.dhGroup)}`
    : `${p.encryption}-${p.integrity}-${dh(p.dhGroup)}`;
}

/** ESP proposal: encryption(-integrity unless AEAD)(-DH group when PFS is on). */
export function espProposal(p: { encryption: IpsecEncryption; integrity: IpsecIntegrity; pfs: IpsecDhGroup | null }): string {
  const parts = [p.encryption, ...(isAead(p.encryption) ? [] : [p.integrity]), ...(p.pfs === null ? [] : [dh(p.pfs)])];
  return parts.join('-');
}

/** Names and free text go into comments only; a line break there would end the comment. */
const comment = (s: string) => s.replace(/[\r\n]+/g, ' ');

/**
 * The connections. Each starts at once and is kept up: started again when it closes, restarted when
 * dead-peer detection finds the peer gone, retried for ever (`keyingtries = 0`) — so a tunnel comes
 * back by itself when the peer returns. `start_action = trap` is not used: it does not work with
 * kernel-libipsec (FACTS.md). The key is written hex-encoded, so no character of it needs quoting.
 */
export function renderSwanctl(conns: IpsecConnection[]): string {
  const lines = ['# CloudRouter vRouter: IPsec connections (generated; changes by hand are undone)', 'connections {'];
  for (const c of conns) {
    const name = ipsecConnName(c);
    lines.push(
      `  # ${comment(c.name)}`,
      `  ${name} {`,
      `    version = ${c.ikeVersion}`,
      `    local_addrs = ${c.localAddress}`,
      `    remote_addrs = ${c.peerAddress}`,
      `    proposals = ${ikeProposal(c.ike)}`,
      `    keyingtries = 0`,
      `    dpd_delay = ${c.dpdDelaySeconds}s`,
      ...(c.ikeVersion === 1 ? [`    dpd_timeout = ${c.dpdDelaySeconds * 3}s`] : []),
      `    local {`,
      `      auth = psk`,
      `      id = ${c.localAddress}`,
      `    }`,
      `    remote {`,
      `      auth = psk`,
      `      id = ${c.peerAddress}`,
      `    }`,
      `    children {`,
      `      ${name} {`,
      `        local_ts = ${c.localSubnets.join(',')}`,
      `        remote_ts = ${c.peerSubnets.join(',')}`,
      `        esp_proposals = ${espProposal(c.esp)}`,
      `        mode = tunnel`,
      `        start_action = start`,
      `        close_action = start`,
      `        dpd_action = restart`,
      `      }`,
      `    }`,
      `  }`,
    );
  }
  lines.push('}', 'secrets {');
  for (const c of conns) {
    lines.push(
      `  ike-${ipsecConnName(c)} {`,
      `    id-1 = ${c.localAddress}`,
      `    id-2 = ${c.peerAddress}`,
      `    secret = 0x${Buffer.from(c.psk, 'utf8').toString('hex')}`,
      `  }`,
    );
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

/**
 * The daemon's own configuration: an explicit plugin list (nothing of the host's
 * `/etc/strongswan.d` is loaded), its vici socket and log file in the router's run directory,
 * routes to the peers' subnets in table 220 (charon's own). With `libipsec` ESP is done in
 * userspace through a TUN device (`ipsec0`) and always carried in UDP 4500.
 */
export function renderStrongswanConf(opts: { viciSocket: string; logFile: string; dataPath: IpsecDataPath }): string {
  const plugins = [
    'random',
    'nonce',
    'openssl',
    'aesni',
    'sha1',
    'sha2',
    'hmac',
    'gcm',
    'kdf',
    // Before kernel-netlink: the first plugin to offer the IPsec interface gets it (measured here:
    // the other order gives the SAs to a kernel that has no ESP, "Function not implemented").
    ...(opts.dataPath === 'libipsec' ? ['kernel-libipsec'] : []),
    'kernel-netlink',
    'socket-default',
    'vici',
  ];
  return [
    '# CloudRouter vRouter: the IKE daemon of this router (generated)',
    'charon-systemd {',
    '  load_modular = no',
    `  load = ${plugins.join(' ')}`,
    '  install_routes = yes',
    '  routing_table = 220',
    '  routing_table_prio = 220',
    '  plugins {',
    '    vici {',
    `      socket = unix://${opts.viciSocket}`,
    '    }',
    '  }',
    '  journal {',
    '    default = -1',
    '  }',
    '  filelog {',
    '    cloudrouter {',
    `      path = ${opts.logFile}`,
    '      default = 1',
    '      flush_line = yes',
    '      time_format = %F %T',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}
