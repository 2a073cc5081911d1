import { startDataPlane } from './dataplane';
import { readEnv } from './env';
import { runtime } from './runtime';

/**
 * Opens the database at start so a bad configuration fails now, not at the first request; a second
 * process on the same PGlite folder stops here with a clear message.
 */
export async function bootConsole() {
  try {
    const handle = await runtime();
    const env = readEnv();
    await startDataPlane(handle.db, {
      dataDir: env.CLOUDROUTER_DATA_DIR,
      labMode: env.CLOUDROUTER_LAB,
      labName: env.CLOUDROUTER_LAB_NAME,
      leaseMs: env.CLOUDROUTER_AGENT_LEASE_SECONDS * 1000,
    });
  } catch (err) {
    process.stderr.write(`\nCloudRouter cannot start: ${(err as Error).message}\n\n`);
    process.exit(1);
  }
}
