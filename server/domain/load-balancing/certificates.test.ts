import { createPrivateKey } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkCertificate, checkCertificateBind, type CertificateFacts } from './certificates';
import { DAY, make as makeAt, type Made } from './certificates.testing';

const NOW = new Date('2026-12-03T12:00:00Z');
const make = (name: string, opts: Parameters<typeof makeAt>[1] = {}) => makeAt(name, { now: NOW, ...opts });

let root: Made;
let intermediate: Made;
let leaf: Made;
let other: Made;
beforeAll(async () => {
  root = await make('Test Root', { ca: true, days: 3650 });
  intermediate = await make('Test Intermediate', { issuer: root, ca: true, days: 1000 });
  leaf = await make('www.example.com', { issuer: intermediate, sans: ['www.example.com', 'example.com'] });
  other = await make('other.example.com', { issuer: intermediate });
});

describe('R-LB-4 certificates', () => {
  it('accepts a certificate, its chain (issuer first) and its key; shows subject, SANs, expiry and fingerprint', () => {
    const facts = checkCertificate(
      { certificatePem: leaf.certPem, chainPem: intermediate.certPem + '\n' + root.certPem, privateKeyPem: leaf.keyPem },
      NOW,
    ) as CertificateFacts;
    expect(facts).toMatchObject({
      subject: 'www.example.com',
      issuer: 'Test Intermediate',
      sans: ['DNS:www.example.com', 'DNS:example.com'],
      chainLength: 2,
    });
    expect(facts.notAfter.getTime()).toBe(leaf.cert.notAfter.getTime());
    expect(facts.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    // No chain is fine too (the client may know the issuer).
    expect(checkCertificate({ certificatePem: leaf.certPem, privateKeyPem: leaf.keyPem }, NOW)).toMatchObject({ chainLength: 0 });
  });

  it('refuses a key that does not match the certificate', () =>
    expect(checkCertificate({ certificatePem: leaf.certPem, privateKeyPem: other.keyPem }, NOW)).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'privateKey',
      message: 'The private key does not belong to this certificate.',
    }));

  it('refuses an expired certificate and one not yet valid', async () => {
    const expired = await make('old.example.com', { issuer: intermediate, from: new Date(NOW.getTime() - 100 * DAY), days: 30 });
    expect(checkCertificate({ certificatePem: expired.certPem, privateKeyPem: expired.keyPem }, NOW)).toMatchObject({
      field: 'certificate',
      message: expect.stringContaining('expired on'),
    });
    const future = await make('new.example.com', { issuer: intermediate, from: new Date(NOW.getTime() + 10 * DAY) });
    expect(checkCertificate({ certificatePem: future.certPem, privateKeyPem: future.keyPem }, NOW)).toMatchObject({
      field: 'certificate',
      message: expect.stringContaining('not valid before'),
    });
  });

  it('refuses what does not parse: a certificate, two certificates in its place, a chain, a key', () => {
    const broken = leaf.certPem.replace(/[A-Za-z]{10}\n/, 'AAAAAAAAAA\n');
    expect(checkCertificate({ certificatePem: broken, privateKeyPem: leaf.keyPem }, NOW)).toMatchObject({ field: 'certificate' });
    expect(checkCertificate({ certificatePem: 'hello', privateKeyPem: leaf.keyPem }, NOW)).toMatchObject({
      field: 'certificate',
    });
    expect(checkCertificate({ certificatePem: leaf.certPem + root.certPem, privateKeyPem: leaf.keyPem }, NOW)).toMatchObject({
      field: 'certificate',
    });
    expect(
      checkCertificate({ certificatePem: leaf.certPem, chainPem: 'not pem', privateKeyPem: leaf.keyPem }, NOW),
    ).toMatchObject({
      field: 'chain',
    });
    expect(checkCertificate({ certificatePem: leaf.certPem, privateKeyPem: 'nope' }, NOW)).toMatchObject({ field: 'privateKey' });
    const encrypted = createPrivateKey(leaf.keyPem).export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'x',
    });
    expect(checkCertificate({ certificatePem: leaf.certPem, privateKeyPem: encrypted as string }, NOW)).toMatchObject({
      field: 'privateKey',
      message: expect.stringContaining('encrypted'),
    });
  });

  it('refuses a chain that does not issue the certificate, or is out of order', () => {
    expect(
      checkCertificate({ certificatePem: leaf.certPem, chainPem: root.certPem, privateKeyPem: leaf.keyPem }, NOW),
    ).toMatchObject({
      field: 'chain',
      message: expect.stringContaining('did not issue the certificate'),
    });
    expect(
      checkCertificate(
        { certificatePem: leaf.certPem, chainPem: root.certPem + intermediate.certPem, privateKeyPem: leaf.keyPem },
        NOW,
      ),
    ).toMatchObject({ field: 'chain' });
  });

  it('one certificate per HTTPS listener; replacing it takes an unbind first', () => {
    expect(checkCertificateBind({ name: 'web', protocol: 'https', certificateId: null })).toBeUndefined();
    expect(checkCertificateBind({ name: 'web', protocol: 'https', certificateId: 'c1' })).toMatchObject({
      code: 'BIND_NOT_ALLOWED',
    });
    expect(checkCertificateBind({ name: 'web', protocol: 'http', certificateId: null })).toMatchObject({
      code: 'BIND_NOT_ALLOWED',
    });
  });
});
