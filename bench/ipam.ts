import { performance } from 'node:perf_hooks';
import { openPglite, openPostgres, type DbHandle } from '@/db/client';
import { allocateIp } from '@/server/services/ipam';
import { openHarnessOn } from './harness';

const N = Number(process.env.BENCH_IPAM_N ?? 10_000);

async function allocateMany(h: Awaited<ReturnType<typeof openHarnessOn>>, l3Id: string, n: number) {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await h.db.transaction((tx) => allocateIp(tx, { l3Id, kind: 'reserved' }));
    times.push(performance.now() - t0);
  }
  return times;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** 10,000 allocations in a /8 and in a /16: time per allocation and the ratio (goal: /8 within 1.2× of /16). */
export async function benchIpam(kind: 'pglite' | 'postgres', open: () => Promise<DbHandle>) {
  const h = await openHarnessOn(await open());
  try {
    const zone = await h.admin.zone.create({ name: 'bench' });
    const l2 = await h.admin.l2.create({ name: 'bench', zoneId: zone.id, type: 'novlan', physicalNic: 'em01' });
    const mk = (name: string, cidr: string) =>
      h.admin.l3.create({
        name,
        l2Id: l2.id,
        category: 'private',
        type: 'flat',
        dhcpEnabled: false,
        range: { method: 'cidr', cidr },
      });
    const warm = await mk('warm', '192.168.0.0/24');
    await allocateMany(h, warm.id, 200);
    // Alternate the two so neither profits from a warmer cache or a later JIT.
    const l3s16 = await mk('slash16', '172.16.0.0/16');
    const l3s8 = await mk('slash8', '10.0.0.0/8');
    const t16: number[] = [];
    const t8: number[] = [];
    for (let done = 0; done < N; done += 1000) {
      const n = Math.min(1000, N - done);
      t16.push(...(await allocateMany(h, l3s16.id, n)));
      t8.push(...(await allocateMany(h, l3s8.id, n)));
    }
    const usage8 = await h.admin.l3.usage({ l3Id: l3s8.id, pageSize: 1 });
    const usage16 = await h.admin.l3.usage({ l3Id: l3s16.id, pageSize: 1 });
    if (usage8.used !== N || usage16.used !== N) throw new Error(`expected ${N} used, got ${usage8.used} / ${usage16.used}`);
    const rows = [
      { range: '/16 (172.16.0.0/16, 65,533 addresses)', times: t16 },
      { range: '/8  (10.0.0.0/8, 16,777,213 addresses)', times: t8 },
    ];
    console.log(`\nIPAM on ${kind}: ${N.toLocaleString()} allocations per range, one transaction each`);
    for (const r of rows) {
      const first = mean(r.times.slice(0, 1000));
      const last = mean(r.times.slice(-1000));
      console.log(
        `  ${r.range}: mean ${mean(r.times).toFixed(3)} ms, median ${median(r.times).toFixed(3)} ms per allocation; ` +
          `first 1,000 ${first.toFixed(3)} ms, last 1,000 ${last.toFixed(3)} ms (last/first ${(last / first).toFixed(2)}×)`,
      );
    }
    const ratio = mean(t8) / mean(t16);
    console.log(
      `  ratio /8 ÷ /16 (mean time per allocation): ${ratio.toFixed(3)}×  (goal ≤ 1.2×: ${ratio <= 1.2 ? 'met' : 'NOT met'})`,
    );
    return { ratio };
  } finally {
    await h.close();
  }
}

export const openers = {
  pglite: () => openPglite(undefined),
  postgres: (url: string) => () => openPostgres(url),
};
