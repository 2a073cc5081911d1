import {
  IPSEC_DH_GROUP_NUMBERS,
  IPSEC_ENCRYPTIONS,
  IPSEC_INTEGRITIES,
  isAead,
  type IpsecDhGroup,
  type IpsecEncryption,
  type IpsecIntegrity,
} from '@/agent/protocol/ipsec';
import { cidrText, isIpv4, ipToInt, parseCidr, subnetOf, type Subnet } from '@/lib/ipv4';
import { refuse, type RuleResult, ErrorCodes as E } from '../errors';
import type { VipFacts } from '../vrouter-services/rules';

/**
 * IPsec site-to-site connections (SPEC R-IPSEC-1, R-IPSEC-2; the seed's section 4.8): the pure rules
 * a connection must satisfy. The algorithm lists are the protocol's (what the agent can render);
 * services call these inside the transaction that writes, forms show the same refusals beside
 * their fields.
 */

export { IPSEC_DEFAULTS } from '@/agent/protocol/ipsec';

/** Where the seed names no limit, ours: a key of 8–256 printable characters, dead-peer probes every 1–3600 s. */
export const IPSEC_LIMITS = {
  psk: { min: 8, max: 256 },
  subnets: { min: 1, max: 32 },
  dpdDelaySeconds: { min: 1, max: 3600 },
};

/** R-IPSEC-1: a connection may use a new or existing VIP, a vRouter's system VIP included — never one that backs an EIP (R-EIP-1). */
export function checkIpsecVip(vip: VipFacts): RuleResult {
  if (vip.usedBy.eip)
    return refuse(E.VIP_NOT_ALLOWED, `"${vip.name}" backs an EIP, which takes the whole VIP (R-EIP-1).`, 'vipId');
  return undefined;
}

/** The peer's public address: one unicast IPv4 host address, not the VIP the tunnel ends on. */
export function checkPeerAddress(peer: string, vipIp: string): RuleResult {
  const field = 'peerAddress';
  if (!isIpv4(peer)) return refuse(E.INVALID_ADDRESS, 'An IPv4 address, e.g. 203.0.113.7.', field);
  const n = ipToInt(peer);
  const first = n >>> 24;
  if (n === 0 || first === 127 || first >= 224 || n === 0xffffffff)
    return refuse(E.INVALID_ADDRESS, 'The peer is one host: not 0.0.0.0, loopback, multicast or broadcast.', field);
  if (peer === vipIp) return refuse(E.INVALID_ADDRESS, 'The peer is the other end, not this VIP.', field);
  return undefined;
}

/** Parses a list of CIDRs given as a subnet each (the network address, e.g. 192.168.0.0/16, not 192.168.1.5/16). */
export function parseSubnets(texts: readonly string[], field: string): Subnet[] | RuleResult {
  if (texts.length < IPSEC_LIMITS.subnets.min || texts.length > IPSEC_LIMITS.subnets.max)
    return refuse(E.INVALID_INPUT, `From ${IPSEC_LIMITS.subnets.min} to ${IPSEC_LIMITS.subnets.max} subnets.`, field);
  const out: Subnet[] = [];
  for (const t of texts) {
    const c = parseCidr(t);
    if (!c) return refuse(E.INVALID_ADDRESS, `"${t}" is not a CIDR such as 192.168.0.0/16.`, field);
    const s = subnetOf(c.ip, c.prefix);
    if (s.network !== c.ip)
      return refuse(E.INVALID_ADDRESS, `"${t}" is not a subnet's first address: ${cidrText(s.network, c.prefix)}?`, field);
    const other = out.find((o) => overlap(o, s));
    if (other) return refuse(E.SUBNET_OVERLAP, `${t} overlaps ${cidrText(other.network, other.prefix)} in the same list.`, field);
    out.push(s);
  }
  return out;
}

const overlap = (a: Subnet, b: Subnet) => a.network <= b.broadcast && b.network <= a.broadcast;
const text = (s: Subnet) => cidrText(s.network, s.prefix);

/**
 * R-IPSEC-2: the local subnets are private networks the VIP's vRouter serves (the seed's "local
 * subnet": the router's private L3s); no peer subnet overlaps a local one, nor any network the router
 * serves (its traffic would be routed into the tunnel instead of to its own network).
 */
export function checkIpsecSubnets(input: {
  local: Subnet[];
  peer: Subnet[];
  /** Every network the router has a NIC on, by name: private, public and system. */
  served: Array<{ name: string; cidr: string }>;
}): RuleResult {
  for (const p of input.peer) {
    const l = input.local.find((x) => overlap(x, p));
    if (l)
      return refuse(
        E.SUBNET_OVERLAP,
        `The peer subnet ${text(p)} overlaps the local subnet ${text(l)}: the two sites' networks must not overlap (R-IPSEC-2).`,
        'peerSubnets',
      );
    for (const n of input.served) {
      const c = parseCidr(n.cidr);
      if (c && overlap(subnetOf(c.ip, c.prefix), p))
        return refuse(
          E.SUBNET_OVERLAP,
          `The peer subnet ${text(p)} overlaps "${n.name}" (${n.cidr}), which this vRouter serves (R-IPSEC-2).`,
          'peerSubnets',
        );
    }
  }
  return undefined;
}

/** The pre-shared key: 8–256 printable characters (the seed asks for a strong one). */
export function checkPsk(psk: string): RuleResult {
  if (psk.length < IPSEC_LIMITS.psk.min || psk.length > IPSEC_LIMITS.psk.max)
    return refuse(E.INVALID_INPUT, `From ${IPSEC_LIMITS.psk.min} to ${IPSEC_LIMITS.psk.max} characters.`, 'psk');
  if (/[\u0000-\u001f\u007f]/.test(psk))
    return refuse(E.INVALID_INPUT, 'Printable characters only (no tabs or line breaks).', 'psk');
  return undefined;
}

export interface ProposalInput {
  ikeVersion: number;
  ike: { encryption: string; integrity: string; dhGroup: number };
  esp: { encryption: string; integrity: string; pfs: number | null };
  dpdDelaySeconds: number;
}

/**
 * R-IPSEC-1's advanced options: each algorithm one of the lists (the seed's defaults and the modern
 * choices). IKEv1 has no AEAD cipher for its own SA (strongSwan offers AES-GCM for IKE with IKEv2
 * only); ESP may use one with either version.
 */
export function checkProposals(p: ProposalInput): RuleResult {
  if (p.ikeVersion !== 1 && p.ikeVersion !== 2) return refuse(E.INVALID_INPUT, 'IKEv1 or IKEv2.', 'ikeVersion');
  const enc = (v: string, field: string) =>
    (IPSEC_ENCRYPTIONS as readonly string[]).includes(v)
      ? undefined
      : refuse(E.INVALID_INPUT, `One of ${IPSEC_ENCRYPTIONS.join(', ')}.`, field);
  const integ = (v: string, field: string) =>
    (IPSEC_INTEGRITIES as readonly string[]).includes(v)
      ? undefined
      : refuse(E.INVALID_INPUT, `One of ${IPSEC_INTEGRITIES.join(', ')}.`, field);
  const group = (v: number, field: string) =>
    (IPSEC_DH_GROUP_NUMBERS as number[]).includes(v)
      ? undefined
      : refuse(E.INVALID_INPUT, `A DH group of ${IPSEC_DH_GROUP_NUMBERS.join(', ')}.`, field);
  const bad =
    enc(p.ike.encryption, 'ikeEncryption') ??
    integ(p.ike.integrity, 'ikeIntegrity') ??
    group(p.ike.dhGroup, 'ikeDhGroup') ??
    enc(p.esp.encryption, 'espEncryption') ??
    integ(p.esp.integrity, 'espIntegrity') ??
    (p.esp.pfs === null ? undefined : group(p.esp.pfs, 'pfs'));
  if (bad) return bad;
  if (p.ikeVersion === 1 && isAead(p.ike.encryption as IpsecEncryption))
    return refuse(E.INVALID_INPUT, `IKEv1 has no ${p.ike.encryption} for IKE: choose IKEv2, or a CBC cipher.`, 'ikeEncryption');
  const d = p.dpdDelaySeconds;
  if (!Number.isInteger(d) || d < IPSEC_LIMITS.dpdDelaySeconds.min || d > IPSEC_LIMITS.dpdDelaySeconds.max)
    return refuse(
      E.INVALID_INPUT,
      `Whole seconds from ${IPSEC_LIMITS.dpdDelaySeconds.min} to ${IPSEC_LIMITS.dpdDelaySeconds.max}.`,
      'dpdDelaySeconds',
    );
  return undefined;
}

/** One connection per VIP and peer: the daemon finds a connection's key by that pair. */
export function checkOnePerPeer(
  mine: { vipIp: string; peerAddress: string },
  others: Array<{ name: string; peerAddress: string }>,
): RuleResult {
  const same = others.find((o) => o.peerAddress === mine.peerAddress);
  if (same)
    return refuse(
      E.NAME_TAKEN,
      `"${same.name}" already connects ${mine.vipIp} to ${mine.peerAddress}; add the subnets there.`,
      'peerAddress',
    );
  return undefined;
}

export type { IpsecDhGroup, IpsecEncryption, IpsecIntegrity };
