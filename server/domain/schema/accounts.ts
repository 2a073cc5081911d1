/** Accounts. */
import { z } from 'zod';
import { Id, Name } from './common';

export const Password = z.string().min(8, 'At least 8 characters.').max(256);
export const LoginInput = z.object({
  name: z.string().trim().min(1, 'Enter your account name.'),
  password: z.string().min(1, 'Enter your password.'),
});
export const AccountView = z.object({ id: Id, name: z.string(), role: z.enum(['admin', 'tenant']), createdAt: z.date() });
export const CreateAccount = z.object({
  name: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9_.-]{1,62}$/, 'Lowercase letters, digits, "._-"; 2–63 characters.'),
  password: Password,
  role: z.enum(['admin', 'tenant']).default('tenant'),
});
export const CreateApiToken = z.object({ name: Name });
export const ApiTokenView = z.object({
  id: Id,
  name: z.string(),
  prefix: z.string(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
});
export const ShareInput = z.object({ id: Id, shared: z.boolean() });
