/**
 * The one place where the server meets the built-in lab: it plugs `lab/` into the data-plane port
 * (`./port.ts`). Nothing else under server/ imports lab/ (ESLint enforces it).
 */
import path from 'node:path';
import { LabController } from '@/lab/controller';
import { labsOnThisMachine, labSupported, NetnsLab } from '@/lab/netns';
import { logger } from '@/lib/logger';
import type { DataCenterPort } from './port';

export type BuiltInLab = { ok: true; port: DataCenterPort } | { ok: false; why: string };

/**
 * The built-in lab when this process may build one (root, namespaces): its namespaces are
 * cr-<labName>-…; whatever a previous run of the same name left behind is removed first.
 */
export async function openBuiltInLab(opts: { dataDir: string; labName: string }): Promise<BuiltInLab> {
  const support = await labSupported();
  if (!support.ok) return support;
  const netns = new NetnsLab(opts.labName);
  const owner = await netns.owner();
  if (owner?.alive && owner.pid !== process.pid)
    return {
      ok: false,
      why: `the lab "${opts.labName}" is run by process ${owner.pid} (another console?); set CLOUDROUTER_LAB_NAME`,
    };
  const left = await netns.list();
  if (left.length > 0) {
    // A console that did not stop (SIGKILL, power loss) left its lab: its agents kept the data plane
    // serving meanwhile; it is rebuilt from the database now (adopting it in place is not done yet).
    logger.warn(
      { lab: opts.labName, namespaces: left.length, crashedPid: owner?.pid ?? null },
      'the lab was left behind by a console that did not stop: rebuilding it from the database',
    );
    process.stdout.write(
      `\nCloudRouter: the lab "${opts.labName}" was left by a console that did not stop` +
        `${owner ? ` (pid ${owner.pid})` : ''}; rebuilding it (${left.length} namespaces).\n\n`,
    );
  }
  await netns.down();
  await netns.claim();
  return { ok: true, port: new LabController(netns, path.join(opts.dataDir, `lab-${opts.labName}`)) };
}

/** `npm run lab -- status | down`: the lab's namespaces and the processes in each; removing them. */
export function labAdmin(labName: string) {
  const lab = new NetnsLab(labName);
  return {
    prefix: lab.prefix,
    supported: labSupported,
    async status(): Promise<Array<{ namespace: string; pids: string[] }>> {
      const names = await lab.list().catch(() => []);
      return Promise.all(names.map(async (namespace) => ({ namespace, pids: await lab.pids(namespace) })));
    },
    async down(): Promise<number> {
      const before = (await lab.list()).length;
      await lab.down();
      return before;
    },
    /** Every lab on this machine, each running (its owner process lives) or left by a run that did not stop. */
    async all() {
      return (await labsOnThisMachine()).map((l) => ({
        name: l.name,
        namespaces: l.namespaces.length,
        state: l.owner?.alive ? ('running' as const) : ('leftover' as const),
        pid: l.owner?.pid ?? null,
      }));
    },
    /** Removes every leftover lab on this machine (never a running one), or only those of `names`; their names. */
    async downLeftovers(names?: string[]): Promise<string[]> {
      const gone: string[] = [];
      for (const l of await labsOnThisMachine()) {
        if (l.owner?.alive || (names && !names.includes(l.name))) continue;
        await new NetnsLab(l.name).down();
        gone.push(l.name);
      }
      return gone;
    },
  };
}
