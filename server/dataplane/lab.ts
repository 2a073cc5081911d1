/**
 * The one place where the server meets the built-in lab: it plugs `lab/` into the data-plane port
 * (`./port.ts`). Nothing else under server/ imports lab/ (ESLint enforces it).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { LabController } from '@/lab/controller';
import { labsOnThisMachine, labSupported, NetnsLab } from '@/lab/netns';
import { logger } from '@/lib/logger';
import type { DataCenterPort } from './port';

export type BuiltInLab = { ok: true; port: DataCenterPort } | { ok: false; why: string };

/**
 * The built-in lab when this process may build one (root, namespaces): its namespaces are
 * cr-<labName>-…. A lab a crashed console left behind is adopted as it is when it can be, else
 * removed and rebuilt; the console says which.
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
  const dir = path.join(opts.dataDir, `lab-${opts.labName}`);
  if (left.length > 0) {
    // A console that did not stop (SIGKILL, power loss) left its lab, and its agents kept the data
    // plane serving meanwhile: taken over as it is when its saved picture still matches it (nothing
    // rebuilt, traffic never stops), else rebuilt from the database.
    const from = `a console that did not stop${owner ? ` (pid ${owner.pid})` : ''}`;
    const adopted = await LabController.adopt(netns, dir);
    if ('controller' in adopted) {
      await netns.claim();
      logger.warn(
        { lab: opts.labName, namespaces: left.length, crashedPid: owner?.pid ?? null, agentsRestarted: adopted.restarted.length },
        'adopted the lab left by a console that did not stop: nothing rebuilt',
      );
      process.stdout.write(
        `\nCloudRouter: adopted the lab "${opts.labName}" left by ${from}: ${left.length} namespaces kept as they are` +
          `${adopted.restarted.length ? `, ${adopted.restarted.length} agent(s) that had died started again` : ''}.\n\n`,
      );
      return { ok: true, port: adopted.controller };
    }
    logger.warn(
      { lab: opts.labName, namespaces: left.length, crashedPid: owner?.pid ?? null, why: adopted.why },
      'the lab was left behind by a console that did not stop and cannot be adopted: rebuilding it from the database',
    );
    process.stdout.write(
      `\nCloudRouter: the lab "${opts.labName}" was left by ${from} and cannot be adopted (${adopted.why}); ` +
        `rebuilding it (${left.length} namespaces).\n\n`,
    );
  }
  await netns.down();
  await fs.rm(path.join(dir, 'controller.json'), { force: true });
  await netns.claim();
  return { ok: true, port: new LabController(netns, dir) };
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
