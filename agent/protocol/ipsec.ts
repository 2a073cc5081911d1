import { z } from 'zod';
import { Ipv4, Ipv4Cidr, Uuid } from './common';

/**
 * IPsec site-to-site connections (SPEC R-IPSEC-1, R-IPSEC-2; the seed's section 4.8) as a vRouter
 * agent receives them. The algorithm names are strongSwan's, so the protocol carries exactly what
 * the renderer writes; the console offers these lists and nothing else.
 *
 * Not yet part of `VRouterConfigV1`: the renderer and its checks against a real charon come first
 * (issue 14); the agent's data plane, the model and the console follow.
 */

/** Encryption: the seed's 3des (its default) and the modern choices; `*gcm16` are AEAD (no integrity). */
export const IPSEC_ENCRYPTIONS = ['3des', 'aes128', 'aes192', 'aes256', 'aes128gcm16', 'aes256gcm16'] as const;
export type IpsecEncryption = (typeof IPSEC_ENCRYPTIONS)[number];
/** Integrity (the seed's "authentication algorithm"); for IKE also its PRF. */
export const IPSEC_INTEGRITIES = ['md5', 'sha1', 'sha256', 'sha384', 'sha512'] as const;
export type IpsecIntegrity = (typeof IPSEC_INTEGRITIES)[number];
/** Diffie-Hellman groups by number (the seed's "DH group 2", "dh-group2") and strongSwan's name for each. */
export const IPSEC_DH_GROUPS = {
  1: 'modp768',
  2: 'modp1024',
  5: 'modp1536',
  14: 'modp2048',
  15: 'modp3072',
  16: 'modp4096',
  19: 'ecp256',
  20: 'ecp384',
  21: 'ecp521',
} as const;
export type IpsecDhGroup = keyof typeof IPSEC_DH_GROUPS;
export const IPSEC_DH_GROUP_NUMBERS = Object.keys(IPSEC_DH_GROUPS).map(Number) as IpsecDhGroup[];

export const isAead = (e: IpsecEncryption) => e.endsWith('gcm16');

const Encryption = z.enum(IPSEC_ENCRYPTIONS);
const Integrity = z.enum(IPSEC_INTEGRITIES);
const DhGroup = z.union(
  IPSEC_DH_GROUP_NUMBERS.map((n) => z.literal(n)) as [z.ZodLiteral<IpsecDhGroup>, ...z.ZodLiteral<IpsecDhGroup>[]],
);

export const IpsecConnection = z.object({
  id: Uuid,
  /** For people reading the rendered files: written only in comments. */
  name: z.string().max(128),
  /** The VIP the tunnel ends on (the router's system VIP or one it holds). */
  localAddress: Ipv4,
  peerAddress: Ipv4,
  localSubnets: z.array(Ipv4Cidr).min(1).max(32),
  peerSubnets: z.array(Ipv4Cidr).min(1).max(32),
  /** The pre-shared key as the agent needs it; written to the daemon's config only, hex-encoded. */
  psk: z.string().min(8).max(256),
  ikeVersion: z.union([z.literal(1), z.literal(2)]),
  ike: z.object({ encryption: Encryption, integrity: Integrity, dhGroup: DhGroup }),
  esp: z.object({
    encryption: Encryption,
    /** Ignored with an AEAD cipher. */
    integrity: Integrity,
    /** Perfect forward secrecy: a DH group for each rekey of the child SA, or none. */
    pfs: DhGroup.nullable(),
  }),
  /** Dead-peer detection: how often an idle peer is probed; it is declared dead after a few unanswered probes. */
  dpdDelaySeconds: z.number().int().min(1).max(3600),
});
export type IpsecConnection = z.infer<typeof IpsecConnection>;

/** The seed's advanced defaults (R-IPSEC-1): psk, tunnel, IKE sha1 / 3des / DH 2, esp with sha1 / 3des, PFS dh-group2. */
export const IPSEC_DEFAULTS = {
  ikeVersion: 1 as 1 | 2,
  ike: { encryption: '3des' as IpsecEncryption, integrity: 'sha1' as IpsecIntegrity, dhGroup: 2 as IpsecDhGroup },
  esp: { encryption: '3des' as IpsecEncryption, integrity: 'sha1' as IpsecIntegrity, pfs: 2 as IpsecDhGroup | null },
  dpdDelaySeconds: 10,
};
