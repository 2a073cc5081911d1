import { cookies } from 'next/headers';
import type { Actor } from './auth/actor';
import { db } from './runtime';
import { authService, SESSION_COOKIE } from './services/auth';

/** The actor of the current page request (server components), from the session cookie. */
export async function currentActor(): Promise<Actor | null> {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  if (!token) return null;
  return authService.resolve(await db(), { sessionToken: token });
}
