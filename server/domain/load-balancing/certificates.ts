import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { DomainError, refuse, type RuleResult, ErrorCodes as E } from '../errors';

/** What the console shows of an uploaded certificate (R-LB-4). */
export interface CertificateFacts {
  /** The subject's common name, or the whole subject when it has none. */
  subject: string;
  issuer: string;
  /** Subject alternative names as written in the certificate: `DNS:www.example.com`, `IP Address:203.0.113.7`. */
  sans: string[];
  notBefore: Date;
  notAfter: Date;
  /** SHA-256, colon-separated hex (as `openssl x509 -fingerprint -sha256` prints it). */
  fingerprint: string;
  /** Certificates in the chain after the leaf. */
  chainLength: number;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
const blocks = (pem: string) => [...pem.matchAll(BLOCK)].map((m) => ({ label: m[1]!, text: m[0] }));

function parseCertificate(text: string, field: string, what: string): X509Certificate | DomainError {
  try {
    return new X509Certificate(text);
  } catch {
    return refuse(E.INVALID_INPUT, `${what} does not parse as an X.509 certificate.`, field);
  }
}

const commonName = (dn: string) => /(?:^|\n)CN=([^\n]+)/.exec(dn)?.[1] ?? dn.replace(/\n/g, ', ');

/**
 * R-LB-4: an uploaded certificate — PEM certificate, optional chain (issuers, leaf's first), and
 * its private key (PEM, unencrypted). Refused: a certificate or chain that does not parse, one not
 * valid at `now` (expired or not yet valid), a chain that does not issue the certificate, and a key
 * that does not parse, is encrypted, or does not match the certificate. On success, what a person
 * needs to pick it later: subject, SANs, validity, fingerprint.
 */
export function checkCertificate(
  input: { certificatePem: string; chainPem?: string | null; privateKeyPem: string },
  now: Date,
): CertificateFacts | DomainError {
  const certBlocks = blocks(input.certificatePem).filter((b) => b.label === 'CERTIFICATE');
  if (certBlocks.length !== 1)
    return refuse(
      E.INVALID_INPUT,
      certBlocks.length
        ? 'Paste one certificate here and its issuers under "chain".'
        : 'Paste the certificate as PEM (-----BEGIN CERTIFICATE-----).',
      'certificate',
    );
  const leaf = parseCertificate(certBlocks[0]!.text, 'certificate', 'The certificate');
  if (leaf instanceof DomainError) return leaf;
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  if (now > notAfter)
    return refuse(E.INVALID_INPUT, `The certificate expired on ${notAfter.toISOString().slice(0, 10)}.`, 'certificate');
  if (now < notBefore)
    return refuse(E.INVALID_INPUT, `The certificate is not valid before ${notBefore.toISOString().slice(0, 10)}.`, 'certificate');

  const chain: X509Certificate[] = [];
  for (const [i, b] of blocks(input.chainPem ?? '').entries()) {
    if (b.label !== 'CERTIFICATE')
      return refuse(E.INVALID_INPUT, `Block ${i + 1} of the chain is a ${b.label}, not a certificate.`, 'chain');
    const c = parseCertificate(b.text, 'chain', `Certificate ${i + 1} of the chain`);
    if (c instanceof DomainError) return c;
    chain.push(c);
  }
  if ((input.chainPem ?? '').trim() && chain.length === 0)
    return refuse(E.INVALID_INPUT, 'Paste the chain as PEM certificates, the leaf’s issuer first.', 'chain');
  for (const [i, issuer] of chain.entries()) {
    const child = i === 0 ? leaf : chain[i - 1]!;
    const childName = i === 0 ? 'the certificate' : `certificate ${i}`;
    if (!child.checkIssued(issuer) || !child.verify(issuer.publicKey))
      return refuse(
        E.INVALID_INPUT,
        `Certificate ${i + 1} of the chain (${commonName(issuer.subject)}) did not issue ${childName}; ` +
          'put the issuers in order, the leaf’s first.',
        'chain',
      );
    if (now > new Date(issuer.validTo))
      return refuse(E.INVALID_INPUT, `Certificate ${i + 1} of the chain expired on ${issuer.validTo}.`, 'chain');
  }

  const keyBlocks = blocks(input.privateKeyPem).filter((b) => /PRIVATE KEY$/.test(b.label));
  if (keyBlocks.length !== 1)
    return refuse(E.INVALID_INPUT, 'Paste one private key as PEM (-----BEGIN PRIVATE KEY-----).', 'privateKey');
  if (keyBlocks[0]!.label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type: 4,ENCRYPTED/.test(keyBlocks[0]!.text))
    return refuse(
      E.INVALID_INPUT,
      'The key is encrypted; upload it without its passphrase (the vRouter’s haproxy reads it unattended).',
      'privateKey',
    );
  let key: KeyObject;
  try {
    key = createPrivateKey(keyBlocks[0]!.text);
  } catch {
    return refuse(E.INVALID_INPUT, 'The private key does not parse.', 'privateKey');
  }
  if (!leaf.checkPrivateKey(key))
    return refuse(E.INVALID_INPUT, 'The private key does not belong to this certificate.', 'privateKey');

  return {
    subject: commonName(leaf.subject),
    issuer: commonName(leaf.issuer),
    sans: (leaf.subjectAltName ?? '')
      .split(', ')
      .map((s) => s.trim())
      .filter(Boolean),
    notBefore,
    notAfter,
    fingerprint: leaf.fingerprint256,
    chainLength: chain.length,
  };
}

/** R-LB-4: a certificate is bound to an HTTPS listener, one at a time; replacing it takes an unbind first. */
export function checkCertificateBind(listener: { name: string; protocol: string; certificateId: string | null }): RuleResult {
  if (listener.protocol !== 'https')
    return refuse(
      E.BIND_NOT_ALLOWED,
      `"${listener.name}" is not an HTTPS listener; only HTTPS listeners take a certificate.`,
      'listenerId',
    );
  if (listener.certificateId)
    return refuse(
      E.BIND_NOT_ALLOWED,
      `"${listener.name}" has a certificate; unbind it first — a listener holds one certificate at a time (R-LB-4).`,
      'listenerId',
    );
  return undefined;
}
