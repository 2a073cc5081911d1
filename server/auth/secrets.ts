import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/** Argon2id with the library's defaults (OWASP's recommended minimum). */
export const hashPassword = (password: string) => hash(password);
export const verifyPassword = (stored: string, password: string) => verify(stored, password).catch(() => false);

/** A random bearer secret: 32 bytes, base64url, with a readable prefix. */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** Tokens and session ids are high-entropy, so a fast hash is the right tool (no salt needed). */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
