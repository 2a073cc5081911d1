import path from 'node:path';
import type { Db } from '@/db/client';
import { LabController } from '@/lab/controller';
import { labSupported, NetnsLab } from '@/lab/netns';
import { logger } from './logger';
import { Reconciler } from './reconciler/reconciler';

export interface DataPlaneStatus {
  reconciler: 'running' | 'stopped';
  lab: 'running' | 'off' | 'unavailable';
  labName: string | null;
  /** Why the lab is not running, for a person. */
  note: string | null;
}

export interface DataPlane {
  status(): DataPlaneStatus;
  lab: LabController | null;
  reconciler: Reconciler;
  stop(): Promise<void>;
}

const g = globalThis as unknown as { __cloudrouterDataPlane?: DataPlane };

/**
 * The console's side of the data plane: the reconciler, and — when the console runs as root and
 * CLOUDROUTER_LAB is not "off" — the built-in lab, which builds the data center in network
 * namespaces named cr-<CLOUDROUTER_LAB_NAME>-… and tears them down when the console stops.
 */
export async function startDataPlane(
  db: Db,
  opts: { dataDir: string; labMode: 'auto' | 'off'; labName: string },
): Promise<DataPlane> {
  if (g.__cloudrouterDataPlane) return g.__cloudrouterDataPlane;
  let ctl: LabController | null = null;
  let lab: DataPlaneStatus['lab'] = 'off';
  let note: string | null = 'The built-in lab is off (CLOUDROUTER_LAB=off); agents must run on real hosts.';
  if (opts.labMode === 'auto') {
    const support = await labSupported();
    if (support.ok) {
      const netns = new NetnsLab(opts.labName);
      await netns.down(); // what a previous run of this console left behind
      ctl = new LabController(db, netns, path.join(opts.dataDir, `lab-${opts.labName}`));
      lab = 'running';
      note = null;
    } else {
      lab = 'unavailable';
      note =
        `The built-in lab is not running: ${support.why}. The console works; VMs are recorded but not started, ` +
        'and connectivity checks are unavailable.';
      logger.warn({ why: support.why }, 'the lab needs root; starting the console without it');
      process.stdout.write(`\nCloudRouter: ${note}\n\n`);
    }
  }
  const reconciler = new Reconciler(db, { namespacePrefixFor: ctl ? ctl.namespacePrefixFor : () => 'crdhcp-' });
  reconciler.start();

  let labTimer: NodeJS.Timeout | null = null;
  if (ctl) {
    let busy = false;
    const syncLab = async () => {
      if (busy) return;
      busy = true;
      try {
        await ctl!.up();
        await ctl!.syncMachines();
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
    lab: ctl,
    reconciler,
    status: () => ({ reconciler: 'running', lab, labName: ctl ? opts.labName : null, note }),
    async stop() {
      if (labTimer) clearInterval(labTimer);
      await reconciler.stop();
      if (ctl) await ctl.down();
    },
  };
  g.__cloudrouterDataPlane = plane;
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
  if (ctl) process.once('exit', () => ctl!.lab.downSync());
  return plane;
}

export function dataPlane(): DataPlane | undefined {
  return g.__cloudrouterDataPlane;
}
