export type Role = 'admin' | 'tenant';

/** Who is calling: every service takes this and scopes by it. */
export interface Actor {
  accountId: string;
  name: string;
  role: Role;
}

export const isAdmin = (a: Actor) => a.role === 'admin';
