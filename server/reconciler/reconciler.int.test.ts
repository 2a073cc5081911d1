import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { agents } from '@/db/schema';
import { HostConfigV1 } from '@/agent/protocol/host';
import { VROUTER_PATCHING, VRouterConfigV1 } from '@/agent/protocol/vrouter';
import { HOST_PATCHING } from '@/agent/protocol/host';
import { applyPatch, diffConfig } from '@/agent/protocol/patch';
import { AgentCallError } from '@/agent/client';
import type { AgentStatus } from '@/agent/protocol/common';
import { openHarness } from '../testing/harness';
import { buildBasicDataCenter } from '../testing/basic-datacenter';
import { Reconciler, type AgentLike } from './reconciler';

let h: Awaited<ReturnType<typeof openHarness>>;
let dc: Awaited<ReturnType<typeof buildBasicDataCenter>>;
beforeAll(async () => {
  h = await openHarness();
  dc = await buildBasicDataCenter(h.admin);
  const offering = await h.admin.instanceOffering.create({ name: 's', cpu: 1, memory: 1, memoryUnit: 'G' });
  const image = await h.admin.image.create({
    name: 'i',
    kind: 'vm',
    backupStorageId: dc.bs.id,
    url: 'http://192.0.2.10/i.qcow2',
  });
  await h.admin.vm.create({ name: 'VM', instanceOfferingId: offering.id, imageId: image.id, l3Ids: [dc.privateL3.id], count: 2 });
});
afterAll(async () => h?.close());

/** An agent's answer as the in-memory stand-ins give it. */
const statusOf = (row: typeof agents.$inferSelect, appliedGeneration: number): AgentStatus => ({
  kind: row.kind,
  id: row.id,
  protocolVersion: 1,
  appliedGeneration,
  kernelHash: 'k',
  appliedKernelHash: 'k',
  drift: false,
  lastError: null,
  startedAt: new Date().toISOString(),
});

/**
 * An in-memory stand-in for an agent's transport, to test the leasing and retry logic of the
 * reconciler alone. (Real agents are exercised by the lab tests.) It records every push with its
 * time span, and checks each config against the agent protocol.
 */
function recordingTransport(spans: Array<{ agent: string; owner: string; start: number; end: number }>, owner: string) {
  const applied = new Map<string, number>();
  return (row: typeof agents.$inferSelect): AgentLike => {
    const status = () => statusOf(row, applied.get(row.id) ?? 0);
    return {
      async putConfig(cfg) {
        const start = performance.now();
        const schema = row.kind === 'host' ? HostConfigV1 : VRouterConfigV1;
        const parsed = schema.parse(cfg);
        await new Promise((r) => setTimeout(r, 5));
        applied.set(row.id, parsed.generation);
        spans.push({ agent: row.id, owner, start, end: performance.now() });
        return status();
      },
      status: async () => status(),
      resync: async () => status(),
    };
  };
}

describe('reconciler', () => {
  it('records an unreachable agent’s error and backs off exponentially', async () => {
    const r = new Reconciler(h.db, { baseBackoffMs: 1000 });
    expect(await r.tick()).toBeGreaterThanOrEqual(2);
    const [host] = await h.db.select().from(agents).where(eq(agents.id, dc.host.id));
    expect(host).toMatchObject({
      failures: 1,
      lastError: 'the agent has no reachable endpoint yet',
      appliedGeneration: 0,
      leaseOwner: null,
    });
    expect(host!.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 500);
    // Not due again before its backoff.
    expect(await r.tick()).toBe(0);
    await h.db.update(agents).set({ nextAttemptAt: sql`now()` });
    await r.tick();
    const [again] = await h.db.select().from(agents).where(eq(agents.id, dc.host.id));
    expect(again!.failures).toBe(2);
    expect(again!.nextAttemptAt.getTime() - Date.now()).toBeGreaterThan(1500);
  });

  it('two reconcilers on one database never push the same agent at once, and bring every agent in sync', async () => {
    await h.db.update(agents).set({ nextAttemptAt: sql`now()`, failures: 0, endpoint: 'unix:/nowhere' });
    const spans: Array<{ agent: string; owner: string; start: number; end: number }> = [];
    const a = new Reconciler(h.db, { owner: 'A', clientFor: recordingTransport(spans, 'A') });
    const b = new Reconciler(h.db, { owner: 'B', clientFor: recordingTransport(spans, 'B') });
    for (let round = 0; round < 5; round++) {
      await h.db.update(agents).set({ desiredGeneration: sql`${agents.desiredGeneration} + 1` });
      await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
    }
    await Promise.all([a.tick(), b.tick()]);
    const rows = await h.db.select().from(agents);
    for (const row of rows) expect(row.appliedGeneration, row.kind).toBe(row.desiredGeneration);
    for (const x of spans) {
      for (const y of spans) {
        if (x !== y && x.agent === y.agent)
          expect(x.end <= y.start || y.end <= x.start, `overlapping pushes to ${x.agent}`).toBe(true);
      }
    }
    expect(spans.length).toBeGreaterThanOrEqual(rows.length * 5);
  });

  it('pushes nothing to an agent that speaks another protocol version, and says so', async () => {
    await h.db.update(agents).set({ nextAttemptAt: sql`now()`, failures: 0, endpoint: 'unix:/nowhere', appliedGeneration: 0 });
    // An agent of a later release: it applies what it is sent, but the answer names version 2.
    const status = async (): Promise<AgentStatus> => ({
      kind: 'host',
      id: dc.host.id,
      protocolVersion: 2,
      appliedGeneration: 0,
      kernelHash: 'k',
      appliedKernelHash: 'k',
      drift: false,
      lastError: null,
      startedAt: new Date().toISOString(),
    });
    const future: AgentLike = { putConfig: status, status, resync: status };
    const r = new Reconciler(h.db, { clientFor: (row) => (row.id === dc.host.id ? future : null) });
    await r.tick();
    const [host] = await h.db.select().from(agents).where(eq(agents.id, dc.host.id));
    expect(host!.lastError).toMatch(/protocol version 2, this console 1/);
    expect(host!.appliedGeneration).toBe(0);
  });

  it('compiles the S-BASIC host and vRouter configs the agents accept', async () => {
    const r = new Reconciler(h.db);
    const [hostRow] = await h.db.select().from(agents).where(eq(agents.id, dc.host.id));
    const hostCfg = HostConfigV1.parse(await r.compile(hostRow!));
    expect(hostCfg.dhcp).toEqual([
      expect.objectContaining({ serverIp: '192.168.10.10', router: '192.168.10.1', dns: ['192.168.10.1'] }),
    ]);
    expect(hostCfg.dhcp[0]!.leases).toHaveLength(2);
    const [routerRow] = await h.db.select().from(agents).where(eq(agents.kind, 'vrouter'));
    const vr = VRouterConfigV1.parse(await r.compile(routerRow!));
    expect(vr.snat).toEqual([
      expect.objectContaining({ sourceCidr: '192.168.10.0/24', outNic: 'eth1', toAddress: '10.108.10.0' }),
    ]);
    expect(vr.defaultRoute).toEqual({ via: '10.0.0.1', nic: 'eth1' });
  });

  it('issue 12: after the whole config, a change travels as a patch; an agent on another base gets the whole config', async () => {
    await h.db.update(agents).set({ nextAttemptAt: sql`now()`, failures: 0, endpoint: 'unix:/nowhere', appliedGeneration: 0 });
    // An in-memory agent that keeps what it is sent and patches it as a real one does (the lab test
    // "a patch on the applied generation…" runs the real agent).
    const held = new Map<string, { generation: number }>();
    const calls: string[] = [];
    const transport = (row: typeof agents.$inferSelect): AgentLike => {
      const [schema, patching] = row.kind === 'host' ? [HostConfigV1, HOST_PATCHING] : [VRouterConfigV1, VROUTER_PATCHING];
      const status = () => statusOf(row, held.get(row.id)?.generation ?? 0);
      return {
        async putConfig(cfg) {
          calls.push(`${row.kind} put`);
          held.set(row.id, schema.parse(cfg));
          return status();
        },
        async patchConfig(p) {
          calls.push(`${row.kind} patch`);
          const base = held.get(row.id);
          if (base?.generation !== p.baseGeneration)
            throw new AgentCallError(409, { code: 'CONFIG_BASE', message: 'other base' });
          const merged = applyPatch(schema, patching.keys, base, p.patch);
          if (!merged.ok) throw new AgentCallError(400, { code: 'CONFIG_INVALID', message: 'invalid' });
          expect(patching.issues(merged.value as never)).toEqual([]);
          held.set(row.id, merged.value);
          return status();
        },
        status: async () => status(),
        resync: async () => status(),
      };
    };
    const r = new Reconciler(h.db, { clientFor: transport });
    await r.tick();
    expect(calls.filter((c) => c.startsWith('host'))).toEqual(['host put']);
    // A third VM: the host gets a port, a guard and a DHCP lease — as a patch.
    calls.length = 0;
    const offering = await h.admin.instanceOffering.create({ name: 'patch-s', cpu: 1, memory: 1, memoryUnit: 'G' });
    const image = await h.admin.image.create({
      name: 'patch-i',
      kind: 'vm',
      backupStorageId: dc.bs.id,
      url: 'http://192.0.2.10/p.qcow2',
    });
    await h.admin.vm.create({ name: 'VM3', instanceOfferingId: offering.id, imageId: image.id, l3Ids: [dc.privateL3.id] });
    await h.db.update(agents).set({ nextAttemptAt: sql`now()` });
    await r.tick();
    expect(calls).toContain('host patch');
    expect(calls).not.toContain('host put');
    const [hostRow] = await h.db.select().from(agents).where(eq(agents.id, dc.host.id));
    expect(hostRow!.appliedGeneration).toBe(hostRow!.desiredGeneration);
    // What the agent holds now is what the server compiles (keyed lists compared by key).
    expect(diffConfig(HostConfigV1, HOST_PATCHING.keys, held.get(dc.host.id), await r.compile(hostRow!))).toBeNull();
    // Another console pushed meanwhile: the agent is on another base and gets the whole config.
    await h.db.update(agents).set({ desiredGeneration: sql`${agents.desiredGeneration} + 1`, nextAttemptAt: sql`now()` });
    held.get(dc.host.id)!.generation = hostRow!.appliedGeneration - 1;
    calls.length = 0;
    await r.tick();
    expect(calls.filter((c) => c.startsWith('host'))).toEqual(['host patch', 'host put']);
    expect(
      diffConfig(
        HostConfigV1,
        HOST_PATCHING.keys,
        held.get(dc.host.id),
        await r.compile({ ...hostRow!, desiredGeneration: hostRow!.desiredGeneration + 1 }),
      ),
    ).toBeNull();
  });
});
