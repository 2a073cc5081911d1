import { randomUUID } from 'node:crypto';
import type { Db } from '@/db/client';
import type { Actor } from '../auth/actor';
import { authService, SESSION_COOKIE } from '../services/auth';

export interface Context {
  db: Db;
  actor: Actor | null;
  requestId: string;
  /** Response headers of the HTTP request (to set the session cookie); absent in direct calls. */
  resHeaders?: Headers;
  secureCookies?: boolean;
  /** The request's Cookie header (logout needs the session token). */
  requestCookie?: string | null;
}

export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

export function bearerOf(header: string | null): string | undefined {
  const m = header ? /^Bearer\s+(\S+)$/i.exec(header.trim()) : null;
  return m?.[1];
}

/** The context of one HTTP request: the actor comes from the bearer token or the session cookie. */
export async function contextFromRequest(db: Db, req: Request, resHeaders?: Headers): Promise<Context> {
  const bearer = bearerOf(req.headers.get('authorization'));
  const sessionToken = bearer ? undefined : readCookie(req.headers.get('cookie'), SESSION_COOKIE);
  const actor = await authService.resolve(db, { bearer, sessionToken });
  return {
    db,
    actor,
    requestId: req.headers.get('x-request-id') ?? randomUUID(),
    resHeaders,
    secureCookies: new URL(req.url).protocol === 'https:',
    requestCookie: req.headers.get('cookie'),
  };
}
