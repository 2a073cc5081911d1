import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/** Certificates made in tests (R-LB-4): a CA, an intermediate, a leaf with SANs, expired or not yet valid ones. */
x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
export const DAY = 24 * 3600 * 1000;

export interface Made {
  certPem: string;
  keyPem: string;
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
}

async function keyPem(key: CryptoKey) {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/** A certificate made in the test: self-signed (a CA) or issued by `issuer`. */
export async function make(
  name: string,
  opts: { issuer?: Made; from?: Date; now?: Date; days?: number; ca?: boolean; sans?: string[]; ips?: string[] } = {},
): Promise<Made> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const notBefore = opts.from ?? new Date((opts.now ?? new Date()).getTime() - DAY);
  const notAfter = new Date(notBefore.getTime() + (opts.days ?? 90) * DAY);
  const extensions = [
    new x509.BasicConstraintsExtension(!!opts.ca, undefined, true),
    ...(opts.sans || opts.ips
      ? [
          new x509.SubjectAlternativeNameExtension([
            ...(opts.sans ?? []).map((value) => ({ type: 'dns' as const, value })),
            ...(opts.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
          ]),
        ]
      : []),
  ];
  const cert = opts.issuer
    ? await x509.X509CertificateGenerator.create({
        serialNumber: '0' + Math.floor(Math.random() * 1e9).toString(16),
        subject: `CN=${name}`,
        issuer: opts.issuer.cert.subject,
        notBefore,
        notAfter,
        signingAlgorithm: ALG,
        publicKey: keys.publicKey,
        signingKey: opts.issuer.keys.privateKey,
        extensions,
      })
    : await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: '01',
        name: `CN=${name}`,
        notBefore,
        notAfter,
        signingAlgorithm: ALG,
        keys,
        extensions,
      });
  return { certPem: cert.toString('pem'), keyPem: await keyPem(keys.privateKey), cert, keys };
}
