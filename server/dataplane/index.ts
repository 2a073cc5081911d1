import type { Db } from '@/db/client';
import { logger } from '@/lib/logger';
import { consoleTlsSource } from '../pki/agent-ca';
import { LbStatsCollector } from '../reconciler/lb-stats';
import { Reconciler } from '../reconciler/reconciler';
import { syncDataCenter } from './inventory';
import { openBuiltInLab } from './lab';
import { dataPlane, setDataPlane, type DataPlane, type DataPlaneStatus } from './current';
import type { DataCenterPort } from './port';

/**
 * The console's side of the data plane: the reconciler, and — when the console runs as root and
 * CLOUDROUTER_LAB is not "off" — the built-in lab, which builds the data center in network
 * namespaces named cr-<CLOUDROUTER_LAB_NAME>-… and tears them down when the console stops.
 */
export async function startDataPlane(
  db: Db,
  opts: { dataDir: string; labMode: 'auto' | 'off'; labName: string; leaseMs?: number },
): Promise<DataPlane> {
  const running = dataPlane();
  if (running) return running;
  let port: DataCenterPort | null = null;
  let lab: DataPlaneStatus['lab'] = 'off';
  let note: string | null = 'The built-in lab is off (CLOUDROUTER_LAB=off); agents must run on real hosts.';
  if (opts.labMode === 'auto') {
    const opened = await openBuiltInLab(opts);
    if (opened.ok) {
      port = opened.port;
      lab = 'running';
      note = null;
    } else {
      lab = 'unavailable';
      note =
        `The built-in lab is not running: ${opened.why}. The console works; VMs are recorded but not started, ` +
        'and connectivity checks are unavailable.';
      logger.warn({ why: opened.why }, 'the lab needs root; starting the console without it');
      process.stdout.write(`\nCloudRouter: ${note}\n\n`);
    }
  }
  const tls = consoleTlsSource(db);
  const reconciler = new Reconciler(db, {
    namespacePrefixFor: port ? (id) => port.namespacePrefixFor(id) : () => 'crdhcp-',
    // Agents on real hosts are reached over HTTPS with the consoles' authority (created on first use).
    tls,
    ...(opts.leaseMs ? { leaseMs: opts.leaseMs } : {}),
  });
  reconciler.start();
  logger.info({ owner: reconciler.owner }, 'reconciler started');
  // R-LB-6: the listeners' counters, every few seconds, for the console's live view and /metrics.
  const lbStats = new LbStatsCollector(db, { tls });
  lbStats.start();

  let labTimer: NodeJS.Timeout | null = null;
  if (port) {
    const dc = port;
    let busy = false;
    const syncLab = async () => {
      if (busy) return;
      busy = true;
      try {
        await syncDataCenter(db, dc);
      } catch (err) {
        logger.error({ err }, 'lab sync failed');
      } finally {
        busy = false;
      }
    };
    labTimer = setInterval(() => void syncLab(), 1000);
    void syncLab();
  }

  const plane: DataPlane = {
    port,
    status: () => ({ reconciler: 'running', lab, labName: port ? opts.labName : null, note }),
    async stop() {
      if (labTimer) clearInterval(labTimer);
      await lbStats.stop();
      await reconciler.stop();
      if (port) await port.down();
    },
  };
  setDataPlane(plane);
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: tearing down the lab');
    void plane.stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  // Whoever ends the process (Next.js exits on SIGTERM on its own), the lab goes with it.
  if (port) process.once('exit', () => port.downSync());
  return plane;
}
