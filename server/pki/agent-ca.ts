import 'reflect-metadata';
import { randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { certificateAuthorities } from '@/db/schema';
import { CONSOLE_CERT_CN } from '@/agent/protocol/common';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/**
 * Mutual TLS between the consoles and agents reached over TCP (issue 12, item 7). The consoles share
 * one certificate authority, created by the first console on the database; it issues:
 * - per agent, a server certificate whose subject CN is the agent's id (the console checks it is
 *   talking to that agent, not merely to one of ours) with the host's management IP as SAN;
 * - per console process, a short-lived client certificate with CN `cloudrouter-console` and the
 *   clientAuth usage, which is what an agent accepts (an agent's own certificate is refused as a client).
 * Keys are ECDSA P-256. The authority's key is stored in the database beside the agents' tokens.
 */
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 3600 * 1000;
const CA_NAME = 'agents';
const CA_DAYS = 3650;
/** A console's client certificate: re-issued by the process when less than a third of it is left. */
const CONSOLE_DAYS = 30;

export interface Authority {
  certPem: string;
  key: CryptoKey;
  cert: x509.X509Certificate;
}

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
  caPem: string;
  notAfter: Date;
  /** SHA-256 fingerprint of the certificate, as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprint: string;
}

const serial = () =>
  randomBytes(16)
    .toString('hex')
    .replace(/^[89a-f]/, '1');

/** PEM text ends with a newline, so that files of several certificates are a plain concatenation. */
async function exportKeyPem(key: CryptoKey): Promise<string> {
  return `${x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY').trim()}\n`;
}

async function importKeyPem(pem: string): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(pem), ALG, true, ['sign']);
}

/** A new authority (self-signed, ECDSA P-256, ten years): its certificate and key as PEM. */
export async function newAuthority(name = 'CloudRouter agents CA'): Promise<{ certPem: string; keyPem: string }> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const now = new Date();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name} ${now.toISOString().slice(0, 10)}`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + CA_DAYS * DAY),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: `${cert.toString('pem').trim()}\n`, keyPem: await exportKeyPem(keys.privateKey) };
}

export async function authorityFrom(pem: { certPem: string; keyPem: string }): Promise<Authority> {
  return { certPem: pem.certPem, key: await importKeyPem(pem.keyPem), cert: new x509.X509Certificate(pem.certPem) };
}

/** The agents' authority, created on first use; two consoles starting at once end up with the same one. */
export async function agentAuthority(db: Db): Promise<Authority> {
  const read = async () => (await db.select().from(certificateAuthorities).where(eq(certificateAuthorities.name, CA_NAME)))[0];
  let row = await read();
  if (!row) {
    await db
      .insert(certificateAuthorities)
      .values({ name: CA_NAME, ...(await newAuthority()) })
      .onConflictDoNothing();
    row = await read();
  }
  return authorityFrom(row!);
}

async function issue(
  ca: Authority,
  opts: { cn: string; days: number; usage: 'server' | 'client'; ips?: string[] },
): Promise<IssuedCertificate> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${opts.cn}`,
    issuer: ca.cert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + opts.days * DAY),
    signingKey: ca.key,
    publicKey: keys.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(
        [opts.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth],
        true,
      ),
      ...(opts.ips?.length
        ? [new x509.SubjectAlternativeNameExtension(opts.ips.map((value) => ({ type: 'ip' as const, value })))]
        : []),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  const certPem = `${cert.toString('pem').trim()}\n`;
  return {
    certPem,
    keyPem: await exportKeyPem(keys.privateKey),
    caPem: ca.certPem,
    notAfter: cert.notAfter,
    fingerprint: new X509Certificate(certPem).fingerprint256,
  };
}

/** An agent's server certificate: CN = the agent's id, SAN = the addresses it is reached at. */
export function issueAgentCertificate(ca: Authority, agentId: string, ips: string[], days = 365): Promise<IssuedCertificate> {
  return issue(ca, { cn: agentId, days, usage: 'server', ips });
}

/** A console process's client certificate (what agents accept as the console). */
export function issueConsoleCertificate(ca: Authority, days = CONSOLE_DAYS): Promise<IssuedCertificate> {
  return issue(ca, { cn: CONSOLE_CERT_CN, days, usage: 'client' });
}

/** What a console presents to agents and trusts of them, renewed before it runs out. */
export interface ConsoleTls {
  ca: string;
  cert: string;
  key: string;
}

export function consoleTlsSource(db: Db): () => Promise<ConsoleTls> {
  let current: (IssuedCertificate & { renewAt: number }) | null = null;
  let pending: Promise<ConsoleTls> | null = null;
  return async () => {
    if (current && Date.now() < current.renewAt) return { ca: current.caPem, cert: current.certPem, key: current.keyPem };
    pending ??= (async () => {
      const issued = await issueConsoleCertificate(await agentAuthority(db));
      current = { ...issued, renewAt: Date.now() + (CONSOLE_DAYS * DAY * 2) / 3 };
      return { ca: issued.caPem, cert: issued.certPem, key: issued.keyPem };
    })().finally(() => (pending = null));
    return pending;
  };
}

/** For tests: the count of authorities (one per database whatever the number of consoles). */
export async function authorityCount(db: Db): Promise<number> {
  const [r] = await db.select({ n: sql<number>`count(*)::int` }).from(certificateAuthorities);
  return r!.n;
}
