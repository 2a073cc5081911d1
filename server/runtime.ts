import { openDatabase, type DbHandle } from '@/db/client';
import { readEnv } from './env';
import { logger } from '@/lib/logger';
import { authService } from './services/auth';

/**
 * The console process's one database handle. Kept on globalThis: Next.js may load this module in
 * several bundles (instrumentation, route handlers, server components) and dev reloads modules, but
 * a PGlite folder must be opened once per process.
 */
const g = globalThis as unknown as { __cloudrouterRuntime?: Promise<DbHandle> };

async function start(): Promise<DbHandle> {
  const env = readEnv();
  const handle = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.CLOUDROUTER_DATA_DIR });
  logger.info(
    { database: handle.kind, dataDir: handle.kind === 'pglite' ? env.CLOUDROUTER_DATA_DIR : undefined },
    'database ready',
  );
  const boot = await authService.bootstrapAdmin(handle.db, env.CLOUDROUTER_ADMIN_PASSWORD);
  if (boot.created) {
    const pw = boot.password
      ? `password: ${boot.password}  (shown once; change it or set CLOUDROUTER_ADMIN_PASSWORD)`
      : 'password from CLOUDROUTER_ADMIN_PASSWORD';
    process.stdout.write(`\nCloudRouter: created the administrator account "admin", ${pw}\n\n`);
  }
  return handle;
}

export function runtime(): Promise<DbHandle> {
  g.__cloudrouterRuntime ??= start().catch((err) => {
    g.__cloudrouterRuntime = undefined;
    throw err;
  });
  return g.__cloudrouterRuntime;
}

export async function db() {
  return (await runtime()).db;
}
