import path from 'node:path';
import { z } from 'zod';

const Env = z.object({
  /** PostgreSQL connection string; when absent the embedded PGlite is used. */
  DATABASE_URL: z.string().url().optional(),
  /** Folder of the embedded database (PGlite). */
  CLOUDROUTER_DATA_DIR: z.string().default('./data'),
  /** Password of the `admin` account created on first start; random (printed once) when absent. */
  CLOUDROUTER_ADMIN_PASSWORD: z.string().min(8).optional(),
  /** The built-in lab: "auto" starts it when the console runs as root; "off" never. */
  CLOUDROUTER_LAB: z.enum(['auto', 'off']).default('auto'),
  /** The lab's name: its namespaces are cr-<name>-… */
  CLOUDROUTER_LAB_NAME: z
    .string()
    .regex(/^[a-z0-9]{1,12}$/, '1–12 of a-z 0-9')
    .default('lab'),
  /**
   * How long a console's lease on an agent lasts: consoles sharing one PostgreSQL never push one
   * agent at once, and when one dies the others take its agents over once its leases run out.
   */
  CLOUDROUTER_AGENT_LEASE_SECONDS: z.coerce.number().int().min(2).max(600).default(30),
});

export type Env = z.infer<typeof Env>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = Env.safeParse({
    DATABASE_URL: source.DATABASE_URL || undefined,
    CLOUDROUTER_DATA_DIR: source.CLOUDROUTER_DATA_DIR || undefined,
    CLOUDROUTER_ADMIN_PASSWORD: source.CLOUDROUTER_ADMIN_PASSWORD || undefined,
    CLOUDROUTER_LAB: source.CLOUDROUTER_LAB || undefined,
    CLOUDROUTER_LAB_NAME: source.CLOUDROUTER_LAB_NAME || undefined,
    CLOUDROUTER_AGENT_LEASE_SECONDS: source.CLOUDROUTER_AGENT_LEASE_SECONDS || undefined,
  });
  if (!parsed.success) {
    throw new Error(`Invalid environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return { ...parsed.data, CLOUDROUTER_DATA_DIR: path.resolve(parsed.data.CLOUDROUTER_DATA_DIR) };
}
