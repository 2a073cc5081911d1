/**
 * npm run lab -- status | down | up   [--name NAME]   (NAME defaults to CLOUDROUTER_LAB_NAME or "lab")
 *   status  the lab's namespaces (cr-NAME-…) and the processes in each
 *   down    stops those processes by PID and deletes the namespaces
 *   up      runs the data plane without the console: opens the database (CLOUDROUTER_DATA_DIR or
 *           DATABASE_URL), builds the lab from it and reconciles until Ctrl-C. With the embedded
 *           database, stop the console first (only one process may open it); the console itself
 *           starts the lab when it runs as root.
 */
import { parseArgs } from 'node:util';
import { run } from '../agent/apply/exec';
import { openDatabase } from '../db/client';
import { startDataPlane } from '../server/dataplane';
import { readEnv } from '../server/env';
import { labSupported, NetnsLab } from './netns';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { name: { type: 'string' } } });
const command = positionals[0] ?? 'status';
const env = readEnv();
const name = values.name ?? env.CLOUDROUTER_LAB_NAME;
const lab = new NetnsLab(name);

async function main() {
  if (command === 'status') {
    const names = await lab.list().catch(() => []);
    console.log(`lab "${name}": ${names.length} namespace(s) named ${lab.prefix}…`);
    for (const ns of names) {
      const pids = (await run('ip', ['netns', 'pids', ns]).catch(() => '')).split('\n').filter(Boolean);
      console.log(`  ${ns}${pids.length ? `  (pids ${pids.join(' ')})` : ''}`);
    }
    return;
  }
  const support = await labSupported();
  if (!support.ok) {
    console.error(`lab ${command}: ${support.why}`);
    process.exit(1);
  }
  if (command === 'down') {
    const before = (await lab.list()).length;
    await lab.down();
    console.log(`lab "${name}": removed ${before} namespace(s)`);
    return;
  }
  if (command === 'up') {
    const handle = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.CLOUDROUTER_DATA_DIR });
    await startDataPlane(handle.db, { dataDir: env.CLOUDROUTER_DATA_DIR, labMode: 'auto', labName: name });
    console.log(`lab "${name}" is up and reconciling; Ctrl-C stops it and removes its namespaces`);
    return;
  }
  console.error('usage: npm run lab -- status | down | up [--name NAME]');
  process.exit(2);
}

main().catch((err) => {
  console.error(`lab ${command}: ${(err as Error).message}`);
  process.exit(1);
});
