import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { syncDataCenter } from '@/server/dataplane/inventory';
import { Reconciler } from '@/server/reconciler/reconciler';
import { openHarness } from '@/server/testing/harness';
import type { Check } from '@/server/dataplane/port';
import { runCheck } from '../checks';
import { LabController } from '../controller';
import { NetnsLab } from '../netns';
import { randomLabName } from './index';

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * One scenario's lab: a fresh database (harness), namespaces under a random name, the lab
 * controller and a fast reconciler. `sync()` plays the hypervisor and waits for every agent.
 */
export async function openScenarioLab(tag: string) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `cr-${tag}-`));
  const h = await openHarness();
  const lab = new NetnsLab(randomLabName(tag));
  const ctl = new LabController(lab, dir);
  const rec = new Reconciler(h.db, {
    namespacePrefixFor: ctl.namespacePrefixFor,
    baseBackoffMs: 200,
    maxBackoffMs: 2000,
    resyncMs: 2000,
  });
  let started = false;
  return {
    h,
    lab,
    ctl,
    rec,
    /** Builds what the database holds and waits until every agent applied its config. */
    async sync() {
      await syncDataCenter(h.db, ctl);
      if (!started) rec.start(100);
      started = true;
      await syncDataCenter(h.db, ctl);
      await rec.settle(60_000);
    },
    /** A check from inside a VM. */
    fromVm: (vmId: string, check: Check) => runCheck(lab, ctl.vmNs(vmId), check),
    /** A check from the lab internet's client (203.0.113.10). */
    fromInternet: (check: Check) => runCheck(lab, 'inet', check),
    /** Starts a listener in a VM that answers with the VM's name. */
    listen: (vmId: string, name: string, port: number, protocol: 'tcp' | 'udp' = 'tcp', seconds = 120) =>
      runCheck(lab, ctl.vmNs(vmId), { kind: 'listen', port, protocol, seconds, label: name }),
    /** Waits until a VM holds the address DHCP should give it on a NIC. */
    dhcp: (vmId: string, ip: string, nic = 'eth0') =>
      waitFor(`${ip} by DHCP on ${nic}`, async () => (await ctl.addressOf(vmId, nic)) === ip, 30_000),
    async close() {
      await rec.stop();
      await ctl.down();
      await h.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
export type ScenarioLab = Awaited<ReturnType<typeof openScenarioLab>>;
