/**
 * npm run lab -- status | down | up   [--name NAME]   (NAME defaults to CLOUDROUTER_LAB_NAME or "lab")
 *   status  the lab's namespaces (cr-NAME-…) and the processes in each; then every lab on this
 *           machine, running or left behind by a run that did not stop (a SIGKILLed console)
 *   down    stops those processes by PID and deletes the namespaces; `down --leftovers` does so
 *           for every lab left behind (never one whose console runs)
 *   up      runs the data plane without the console: opens the database (CLOUDROUTER_DATA_DIR or
 *           DATABASE_URL), builds the lab from it and reconciles until Ctrl-C. With the embedded
 *           database, stop the console first (only one process may open it); the console itself
 *           starts the lab when it runs as root.
 */
import { parseArgs } from 'node:util';
import { openDatabase } from '@/db/client';
import { readEnv } from '../env';
import { startDataPlane } from './index';
import { labAdmin } from './lab';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { name: { type: 'string' }, leftovers: { type: 'boolean' } },
});
const command = positionals[0] ?? 'status';
const env = readEnv();
const name = values.name ?? env.CLOUDROUTER_LAB_NAME;
const lab = labAdmin(name);

async function main() {
  if (command === 'status') {
    const namespaces = await lab.status();
    console.log(`lab "${name}": ${namespaces.length} namespace(s) named ${lab.prefix}…`);
    for (const { namespace, pids } of namespaces) console.log(`  ${namespace}${pids.length ? `  (pids ${pids.join(' ')})` : ''}`);
    const all = await lab.all();
    if (all.length) console.log('labs on this machine:');
    for (const l of all)
      console.log(
        `  ${l.name}: ${l.namespaces} namespace(s), ` +
          (l.state === 'running'
            ? `running (pid ${l.pid})`
            : `LEFTOVER of a run that did not stop${l.pid ? ` (pid ${l.pid} is gone)` : ''} — ` +
              'remove with: npm run lab -- down --leftovers'),
      );
    return;
  }
  const support = await lab.supported();
  if (!support.ok) {
    console.error(`lab ${command}: ${support.why}`);
    process.exit(1);
  }
  if (command === 'down' && values.leftovers) {
    const gone = await lab.downLeftovers();
    console.log(`removed ${gone.length} leftover lab(s)${gone.length ? `: ${gone.join(', ')}` : ''}`);
    return;
  }
  if (command === 'down') {
    console.log(`lab "${name}": removed ${await lab.down()} namespace(s)`);
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
