import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import pg from 'pg';
import * as schema from './schema';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Services accept either the database or an open transaction. */
export type Executor = Db | Tx;

export interface DbHandle {
  db: Db;
  kind: 'pglite' | 'postgres';
  close(): Promise<void>;
}

export const migrationsFolder = path.join(process.cwd(), 'db', 'migrations');

export class DataDirLockedError extends Error {
  constructor(dir: string, pid: number) {
    super(
      `The embedded database folder ${dir} is already open by process ${pid}. ` +
        'Only one process may open a PGlite folder (it would silently lose writes). ' +
        'Stop that process, point CLOUDROUTER_DATA_DIR elsewhere, or use PostgreSQL via DATABASE_URL.',
    );
    this.name = 'DataDirLockedError';
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes an exclusive lock file in `dir`; a stale lock (dead PID) is taken over. */
export function lockDataDir(dir: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const lockPath = path.join(dir, 'cloudrouter.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          if (fs.readFileSync(lockPath, 'utf8') === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      };
      process.once('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(lockPath, 'utf8'));
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && pidAlive(holder)) {
        throw new DataDirLockedError(dir, holder);
      }
      fs.unlinkSync(lockPath);
    }
  }
  throw new Error(`could not lock ${dir}`);
}

/**
 * The embedded database's memory (issue 12, measured here on an existing data dir: 288–325 MB
 * resident with PostgreSQL's defaults, ~175 MB with these). Its shared buffers and maintenance
 * memory live inside the WebAssembly heap, which never shrinks; the console's data is small.
 */
export const PGLITE_CONF = ['shared_buffers = 16MB', 'maintenance_work_mem = 8MB', 'work_mem = 2MB'];

/**
 * Opening a fresh data dir runs initdb in a WebAssembly instance of its own, garbage once done
 * (~400 MB), which V8 may leave unreclaimed for a long time at rest: measured 861 MB resident after
 * the first open, 492 MB after one major collection. One collection right after opening, through
 * the documented `--expose-gc` flag set at run time.
 */
function collectStartupGarbage() {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

export async function openPglite(dataDir: string | undefined): Promise<DbHandle> {
  const release = dataDir ? lockDataDir(dataDir) : () => {};
  try {
    const client = new PGlite(dataDir ? path.join(dataDir, 'pglite') : undefined, { postgresqlconf: PGLITE_CONF });
    const db = drizzlePglite(client, { schema }) as unknown as Db;
    await migratePglite(drizzlePglite(client, { schema }), { migrationsFolder });
    collectStartupGarbage();
    return {
      db,
      kind: 'pglite',
      async close() {
        await client.close();
        release();
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}

export async function openPostgres(url: string, poolSize = 10): Promise<DbHandle> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client whose server connection dies (restart, failover) must not crash the process;
  // the pool replaces it on the next checkout.
  pool.on('error', (err) =>
    process.stderr.write(`${JSON.stringify({ level: 'warn', msg: 'idle database client lost', err: err.message })}\n`),
  );
  const db = drizzlePg(pool, { schema });
  await migratePg(db, { migrationsFolder });
  return {
    db: db as unknown as Db,
    kind: 'postgres',
    async close() {
      await pool.end();
    },
  };
}

/** Opens the configured database: PostgreSQL when DATABASE_URL is set, else PGlite in dataDir. */
export function openDatabase(opts: { databaseUrl?: string; dataDir: string }): Promise<DbHandle> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl) : openPglite(opts.dataDir);
}
