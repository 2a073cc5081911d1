/**
 * `npm run bench`: prints figures and ratios measured within this run.
 * BENCH_DATABASE_URL (a PostgreSQL server) adds the same figures on PostgreSQL.
 */
import { benchDataPlane } from './dataplane';
import { benchHostSg } from './host-sg';
import { benchIpam, openers } from './ipam';
import { benchLbAddBackend } from './lb';
import { benchConsoleMemory } from './memory';
import { benchThroughput } from './throughput';
import { benchVRouterServices } from './vrouter';

async function main() {
  if (process.argv.includes('--vrouter-only')) return benchVRouterServices();
  if (process.argv.includes('--dataplane-only')) return benchDataPlane();
  if (process.argv.includes('--sg-only')) return benchHostSg();
  if (process.argv.includes('--memory-only')) return benchConsoleMemory();
  if (process.argv.includes('--throughput-only')) return benchThroughput();
  if (process.argv.includes('--lb-only')) return benchLbAddBackend();
  await benchIpam('pglite', openers.pglite);
  const url = process.env.BENCH_DATABASE_URL;
  if (url) await benchIpam('postgres', openers.postgres(url));
  else console.log('\n(set BENCH_DATABASE_URL to a PostgreSQL database to measure on PostgreSQL too)');
  await benchDataPlane();
  await benchVRouterServices();
  await benchHostSg();
  await benchThroughput();
  await benchLbAddBackend();
  await benchConsoleMemory();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
