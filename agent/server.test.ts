import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Agent, HASH_PENDING } from './server';

const Cfg = z.object({ generation: z.number().int().positive() });
type Cfg = z.infer<typeof Cfg>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Timers fire late on a busy machine, never early: what must have happened is waited for. */
async function until(what: () => boolean) {
  for (const t0 = Date.now(); !what(); await sleep(10)) if (Date.now() - t0 > 5000) throw new Error('never happened');
}

/**
 * The agent's bookkeeping around the reference hash, with the kernel replaced by a clock: reading
 * it takes `readMs` unless the read is stopped. Only the Agent class's own logic is under test
 * here; the lab tests drive real agents.
 */
async function agentWithSlowRead(readMs: number) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cr-agent-unit-'));
  const reads: Array<{ generation: number; stopped: boolean; started: number }> = [];
  const agent = new Agent<Cfg>({
    kind: 'vrouter',
    id: 'unit',
    schema: Cfg,
    patching: { keys: {}, issues: () => [] },
    apply: async () => undefined,
    invariants: async () => [],
    kernelHash: (cfg, signal) =>
      new Promise((resolve, reject) => {
        const read = { generation: cfg?.generation ?? 0, stopped: false, started: performance.now() };
        reads.push(read);
        const timer = setTimeout(() => resolve(`hash-${read.generation}`), readMs);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          read.stopped = true;
          reject(new Error('stopped'));
        });
      }),
    stateDir: dir,
    log: () => undefined,
  });
  return { agent, reads, dir };
}

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

describe('agent: the reference hash is read off the answer’s path (issue 12)', () => {
  it('an apply stops a reference read in flight; the read is taken again once the agent is idle', async () => {
    const { agent, reads, dir } = await agentWithSlowRead(300);
    dirs.push(dir);
    await agent.apply({ generation: 1 });
    await until(() => reads.length === 1); // after 100 ms idle
    expect(reads.map((r) => r.generation)).toEqual([1]);
    await agent.apply({ generation: 2 });
    expect(reads[0]!.stopped).toBe(true);
    // A status asks for the reference now, and waits for it rather than reporting drift.
    const status = await agent.status();
    expect(status.appliedKernelHash).toBe('hash-2');
    expect(status.drift).toBe(false);
  });

  it('after a slow read, the next waits for a pause twice as long', async () => {
    const { agent, reads, dir } = await agentWithSlowRead(200);
    dirs.push(dir);
    await agent.apply({ generation: 1 });
    await until(() => agent.currentConfig() !== null && reads.length === 1);
    expect((await agent.status()).appliedKernelHash).toBe('hash-1'); // waits for the 200 ms read
    expect(reads).toHaveLength(1);
    expect(reads[0]!.stopped).toBe(false);
    const t0 = performance.now();
    await agent.apply({ generation: 2 });
    await sleep(250);
    expect(reads).toHaveLength(1); // 2 × 200 ms have not passed
    await until(() => reads.length === 2);
    expect(reads[1]!.started - t0).toBeGreaterThanOrEqual(390);
    expect((await agent.status()).appliedKernelHash).not.toBe(HASH_PENDING);
  });
});
