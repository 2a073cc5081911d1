'use client';
import { addressToReach, LAB_DNS, MGMT_29, PUBLIC_12, S_3TIER, S_EIP, S_LB, S_PF, S_SG, S_TENANT } from '@/lib/seed-plans';
import type { MessageKey } from '../i18n/messages';
import type { CheckResult, Client, Scenario, ScenarioContext, Text } from './ScenarioWizard';

/**
 * The scenarios of SPEC §5 as wizards, prefilled with the seed's tables. As in the seed, they run
 * side by side in one data center — one zone and cluster, one public network (with both of the
 * seed's ranges), one management network, one vRouter offering, all named wizards-… — each with its
 * own host, private networks and VMs. Two public networks claiming the same addresses gave two
 * vRouters the same public IP and the internet a way back to one of them only; one shared public
 * network cannot. Each reuses what it (or another) built before, so they run in any order and again.
 */
const INTERNET_WEB = '198.51.100.10';
/** The lab internet's client as a row's origin. */
const INTERNET: Text = { key: 'wizard.row.internet' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Named = { id: string; name: string };
/** The wizards' one data center (the seed's tables 1, 2, 5, 6): names of what every wizard shares. */
const DC = {
  zone: 'wizards-zone',
  cluster: 'wizards-cluster',
  backupStorage: 'wizards-bs',
  publicL2: 'wizards-L2-public',
  publicL3: 'wizards-L3-public',
  managementL2: 'wizards-L2-management',
  managementL3: 'wizards-L3-management',
  vrouterImage: 'wizards-vrouter-image',
  vrouterOffering: 'wizards-vrouter-offering',
  instanceOffering: 'wizards-small',
  vmImage: 'wizards-vm-image',
} as const;
const ipNum = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const findOr = async <T extends Named>(list: Promise<{ items: T[] }>, name: string, create: () => Promise<T>): Promise<T> =>
  (await list).items.find((i) => i.name === name) ?? (await create());

/** The common part: zone, cluster, host, backup storage, public + management networks, vRouter offering, instance offering and VM image. */
const BASE_PLAN = {
  hostIp: '',
  publicStart: PUBLIC_12.range.startIp,
  publicEnd: PUBLIC_12.range.endIp,
  publicMask: PUBLIC_12.range.netmask,
  publicGateway: PUBLIC_12.range.gateway,
  publicDhcp: '',
  dns: LAB_DNS,
};
type BasePlan = typeof BASE_PLAN;
const BASE_LABELS: Record<keyof BasePlan, MessageKey> = {
  hostIp: 'wizard.f.hostIp',
  publicStart: 'wizard.f.publicStart',
  publicEnd: 'wizard.f.publicEnd',
  publicMask: 'wizard.f.publicMask',
  publicGateway: 'wizard.f.publicGateway',
  publicDhcp: 'wizard.f.publicDhcp',
  dns: 'wizard.f.dns',
};

async function buildBase(prefix: string, { client, plan, step }: ScenarioContext<BasePlan>) {
  const zone = await step({ key: 'wizard.step.zone' }, () =>
    findOr(client.zone.list.query({ search: DC.zone }), DC.zone, () => client.zone.create.mutate({ name: DC.zone })),
  );
  const cluster = await step({ key: 'wizard.step.cluster' }, () =>
    findOr(client.cluster.list.query({ search: DC.cluster }), DC.cluster, () =>
      client.cluster.create.mutate({ name: DC.cluster, zoneId: zone.id }),
    ),
  );
  await step({ key: 'wizard.step.host' }, async () => {
    const hosts = await client.host.list.query({ search: plan.hostIp });
    const found = hosts.items.find((h) => h.managementIp === plan.hostIp);
    if (found && found.clusterId !== cluster.id)
      throw new Error(
        `Host "${found.name}" of another cluster already has management IP ${plan.hostIp}; choose another Host management IP.`,
      );
    return (
      found ??
      client.host.create.mutate({
        name: `${prefix}-host-1`,
        clusterId: cluster.id,
        managementIp: plan.hostIp,
        nics: ['em01', 'em02'],
      })
    );
  });
  const bs = await step({ key: 'wizard.step.backupStorage' }, () =>
    findOr(client.backupStorage.list.query({ search: DC.backupStorage }), DC.backupStorage, () =>
      client.backupStorage.create.mutate({ name: DC.backupStorage, zoneId: zone.id, url: '/zstack_bs' }),
    ),
  );
  const l2 = (name: string, input: { type: 'novlan' | 'vlan'; physicalNic: string; vlanId?: number }) =>
    step({ key: 'wizard.step.l2', params: { name } }, () =>
      findOr(client.l2.list.query({ search: name }), name, () =>
        client.l2.create.mutate({ name, zoneId: zone.id, clusterIds: [cluster.id], ...input }),
      ),
    );
  const l3 = (name: string, input: Parameters<Client['l3']['create']['mutate']>[0]) =>
    step({ key: 'wizard.step.l3', params: { name } }, () =>
      findOr(client.l3.list.query({ search: name }), name, () => client.l3.create.mutate(input)),
    );
  const pubL2 = await l2(DC.publicL2, { type: 'novlan', physicalNic: PUBLIC_12.nic });
  const range = {
    method: 'bounds' as const,
    startIp: plan.publicStart,
    endIp: plan.publicEnd,
    netmask: plan.publicMask,
    gateway: plan.publicGateway,
  };
  const pubL3 = await l3(DC.publicL3, {
    name: DC.publicL3,
    l2Id: pubL2.id,
    category: 'public',
    dnsServers: [plan.dns],
    dhcpServerIp: plan.publicDhcp || null,
    shared: true,
    range,
  });
  // The seed's sections use two ranges of the one public network (10.108.10.0–11.255 in 4.1,
  // 10.108.12.0–13.255 later): the plan's range is added when the network does not have it yet.
  await step({ key: 'wizard.step.publicRange', params: { start: plan.publicStart, end: plan.publicEnd } }, async () => {
    const ranges = await client.l3.ranges.query({ id: pubL3.id });
    const [start, end] = [ipNum(plan.publicStart), ipNum(plan.publicEnd)];
    const has = ranges.find((r) => ipNum(r.startIp) <= start && end <= ipNum(r.endIp));
    return has ?? client.l3.addRange.mutate({ l3Id: pubL3.id, range });
  });
  const mgmtL2 = await l2(DC.managementL2, { type: 'novlan', physicalNic: MGMT_29.nic });
  const mgmtL3 = await l3(DC.managementL3, {
    name: DC.managementL3,
    l2Id: mgmtL2.id,
    category: 'system',
    dhcpEnabled: false,
    range: MGMT_29.range,
  });
  const image = await step({ key: 'wizard.step.vrouterImage' }, () =>
    findOr(client.image.list.query({ search: DC.vrouterImage }), DC.vrouterImage, () =>
      client.image.create.mutate({
        name: DC.vrouterImage,
        kind: 'vrouter',
        backupStorageId: bs.id,
        url: 'http://192.0.2.10/zstack-vrouter-3.10.0.qcow2',
        shared: true,
      }),
    ),
  );
  const offering = await step({ key: 'wizard.step.vrouterOffering' }, () =>
    findOr(client.vrouterOffering.list.query({ search: DC.vrouterOffering }), DC.vrouterOffering, () =>
      client.vrouterOffering.create.mutate({
        name: DC.vrouterOffering,
        zoneId: zone.id,
        cpu: 8,
        memory: 8,
        memoryUnit: 'G',
        imageId: image.id,
        managementL3Id: mgmtL3.id,
        publicL3Id: pubL3.id,
        shared: true,
      }),
    ),
  );
  const inst = await step({ key: 'wizard.step.instanceOffering' }, () =>
    findOr(client.instanceOffering.list.query({ search: DC.instanceOffering }), DC.instanceOffering, () =>
      client.instanceOffering.create.mutate({ name: DC.instanceOffering, cpu: 1, memory: 1, memoryUnit: 'G', shared: true }),
    ),
  );
  const vmImage = await step({ key: 'wizard.step.vmImage' }, () =>
    findOr(client.image.list.query({ search: DC.vmImage, kind: 'vm' }), DC.vmImage, () =>
      client.image.create.mutate({
        name: DC.vmImage,
        kind: 'vm',
        backupStorageId: bs.id,
        url: 'http://192.0.2.10/busybox.qcow2',
        shared: true,
      }),
    ),
  );
  return { zone, cluster, pubL3, offering, inst, vmImage, l2, l3 };
}

type Vm = Awaited<ReturnType<Client['vm']['get']['query']>>;

/** A VM by name on these networks (first = default), created when missing. */
async function vmOn(
  ctx: ScenarioContext<BasePlan>,
  base: Awaited<ReturnType<typeof buildBase>>,
  name: string,
  l3Ids: string[],
  note?: Text,
): Promise<Vm> {
  return ctx.step(note ? { key: 'wizard.step.vmNote', params: { name, note } } : name, async () => {
    const existing = (await ctx.client.vm.list.query({ search: name })).items.find(
      (v) => v.name === name && v.nics[0]?.l3Id === l3Ids[0],
    );
    return (
      existing ??
      (await ctx.client.vm.create.mutate({ name, instanceOfferingId: base.inst.id, imageId: base.vmImage.id, l3Ids }))[0]!
    );
  });
}

/** Waits until each VM answers a ping to each of its gateways (DHCP done, agents applied). */
async function waitForVms(ctx: ScenarioContext<BasePlan>, vms: Vm[]) {
  await ctx.step({ key: 'wizard.step.waitVms' }, async () => {
    for (const v of vms) {
      const ranges = await Promise.all(v.nics.filter((n) => n.active).map((n) => ctx.client.l3.ranges.query({ id: n.l3Id })));
      for (const r of ranges) {
        for (let i = 0; ; i++) {
          const out = await ctx.client.vm.check.mutate({ vmId: v.id, check: { kind: 'ping', target: r[0]!.gateway, count: 1 } });
          if (out.ok) break;
          if (i > 90) throw new Error(`${v.name} did not reach its gateway ${r[0]!.gateway}: ${out.summary}`);
          await sleep(1000);
        }
      }
    }
  });
}

const ping = (c: Client, vmId: string, target: string) => () =>
  c.vm.check.mutate({ vmId, check: { kind: 'ping', target, count: 3 } });
const fromInternetTcp = (c: Client, target: string, port: number, who: string) => async () => {
  const r = await c.system.checkFromInternet.mutate({ check: { kind: 'tcp', target, port } });
  // Reaching the VIP is not enough: the right VM must answer.
  return { ...r, ok: r.ok && r.summary.includes(`answered by ${who}`) };
};
/**
 * Waits for a check to give the expected result (the reconciler applies within one loop): retries
 * for 15 s at most, counted in time rather than tries — a check against a silent target takes its
 * whole deadline, and 20 such tries were minutes.
 */
const SETTLE_MS = 15_000;
const settled =
  (fn: () => Promise<{ ok: boolean; summary: string; ms: number }>, expected = true) =>
  async () => {
    const until = Date.now() + SETTLE_MS;
    let last = await fn();
    while (last.ok !== expected && Date.now() < until) {
      await sleep(500);
      last = await fn();
    }
    return last;
  };

// ── S-EIP and S-PF ───────────────────────────────────────────────────────────
/**
 * Sections 4.5 and 4.6 both start from "a vRouter network with VM-1 and VM-2" on the public range
 * 10.108.12.0–10.108.13.255: the two wizards share that network and those VMs (an EIP and port
 * forwarding on other VIPs coexist), so the lab internet reaches both scenarios' VIPs.
 */
const SERVICES_PLAN = { ...BASE_PLAN, hostIp: '192.168.29.53', privateVlan: '2750', privateCidr: '192.168.10.0/24' };
type ServicesPlan = typeof SERVICES_PLAN;
async function buildServices(ctx: ScenarioContext<ServicesPlan>) {
  const base = await buildBase('svc', ctx);
  const l2 = await base.l2('svc-L2-private', { type: 'vlan', physicalNic: 'em01', vlanId: Number(ctx.plan.privateVlan) });
  const l3 = await base.l3('svc-L3-private', {
    name: 'svc-L3-private',
    l2Id: l2.id,
    category: 'private',
    type: 'vrouter',
    vrouterOfferingId: base.offering.id,
    range: { method: 'cidr', cidr: ctx.plan.privateCidr },
  });
  const vm1 = await vmOn(ctx, base, 'svc-VM-1', [l3.id], { key: 'wizard.note.createsVrouter' });
  const vm2 = await vmOn(ctx, base, 'svc-VM-2', [l3.id]);
  return { base, vm1, vm2 };
}

const EIP_PLAN = { ...SERVICES_PLAN, vip: S_EIP.vip, port: String(S_EIP.port) };
export const eipScenario: Scenario<typeof EIP_PLAN> = {
  title: 'wizard.eip.title',
  intro: 'wizard.eip.intro',
  plan: EIP_PLAN,
  labels: {
    ...BASE_LABELS,
    privateVlan: 'wizard.f.privateVlan',
    privateCidr: 'wizard.f.privateCidr',
    vip: 'wizard.f.vip',
    port: 'wizard.f.port',
  },
  async build(ctx) {
    const { base, vm1, vm2 } = await buildServices(ctx);
    const eip = await ctx.step({ key: 'wizard.step.eipOn', params: { vip: ctx.plan.vip } }, async () => {
      const found = (await ctx.client.eip.list.query({ search: 'EIP-1' })).items.find(
        (e) => e.name === 'EIP-1' && e.vip === ctx.plan.vip,
      );
      const e = found ?? (await ctx.client.eip.create.mutate({ name: 'EIP-1', l3Id: base.pubL3.id, ip: ctx.plan.vip }));
      if (e.nicId && e.nicId !== vm1.nics[0]!.id) await ctx.client.eip.unbind.mutate({ id: e.id });
      return e.nicId === vm1.nics[0]!.id ? e : ctx.client.eip.bind.mutate({ id: e.id, nicId: vm1.nics[0]!.id });
    });
    await waitForVms(ctx, [vm1, vm2]);
    return { vm1, vm2, eip };
  },
  async verify(ctx, built) {
    const { vm1, vm2, eip } = built as { vm1: Vm; vm2: Vm; eip: { id: string; vip: string } };
    const c = ctx.client;
    const port = Number(ctx.plan.port);
    // Each VM listens on the port; its answer names it, so the table shows which VM the VIP reached.
    for (const vm of [vm1, vm2])
      await c.vm.check.mutate({ vmId: vm.id, check: { kind: 'listen', port, protocol: 'tcp', seconds: 300 } });
    await ctx.verify(
      { from: INTERNET, to: `${eip.vip}:${port} → svc-VM-1`, check: 'tcp', expected: true },
      settled(fromInternetTcp(c, eip.vip, port, 'svc-VM-1')),
    );
    await ctx.verify(
      { from: 'svc-VM-1', to: { key: 'wizard.row.internetSees', params: { ip: eip.vip } }, check: 'http', expected: true },
      async () => {
        const r = await c.vm.check.mutate({ vmId: vm1.id, check: { kind: 'http', url: 'http://example.com/' } });
        return { ...r, ok: r.ok && r.summary.includes(`seen as ${eip.vip}`) };
      },
    );
    await ctx.act({ key: 'wizard.act.rebindEip' }, async () => {
      await c.eip.unbind.mutate({ id: eip.id });
      await c.eip.bind.mutate({ id: eip.id, nicId: vm2.nics[0]!.id });
    });
    await ctx.verify(
      { from: INTERNET, to: `${eip.vip}:${port} → svc-VM-2`, check: 'tcp', expected: true },
      settled(fromInternetTcp(c, eip.vip, port, 'svc-VM-2')),
    );
  },
};

// ── S-PF ─────────────────────────────────────────────────────────────────────
const PF_PLAN = {
  ...SERVICES_PLAN,
  pfVip: S_PF.vip,
  pf1VipPort: String(S_PF.pf1.vipPort),
  pf1VmPort: String(S_PF.pf1.vmPort),
  pf2Start: String(S_PF.pf2.start),
  pf2End: String(S_PF.pf2.end),
};
export const pfScenario: Scenario<typeof PF_PLAN> = {
  title: 'wizard.pf.title',
  intro: 'wizard.pf.intro',
  plan: PF_PLAN,
  labels: {
    ...BASE_LABELS,
    privateVlan: 'wizard.f.privateVlan',
    privateCidr: 'wizard.f.privateCidr',
    pfVip: 'wizard.f.pfVip',
    pf1VipPort: 'wizard.f.pf1VipPort',
    pf1VmPort: 'wizard.f.pf1VmPort',
    pf2Start: 'wizard.f.pf2Start',
    pf2End: 'wizard.f.pf2End',
  },
  async build(ctx) {
    const { base, vm1, vm2 } = await buildServices(ctx);
    const pf1 = await ctx.step('PF-1', async () => {
      const found = (await ctx.client.portForward.list.query({ search: 'PF-1' })).items.find(
        (p) => p.name === 'PF-1' && p.l3Id === base.pubL3.id,
      );
      const p =
        found ??
        (await ctx.client.portForward.create.mutate({
          name: 'PF-1',
          l3Id: base.pubL3.id,
          // The seed's VIP (4.6), in the range the seed gives its later sections.
          ip: ctx.plan.pfVip || null,
          protocol: 'tcp',
          mode: 'single',
          vipPortStart: Number(ctx.plan.pf1VipPort),
          vmPortStart: Number(ctx.plan.pf1VmPort),
        }));
      if (p.nicId && p.nicId !== vm1.nics[0]!.id) await ctx.client.portForward.unbind.mutate({ id: p.id });
      return p.nicId === vm1.nics[0]!.id ? p : ctx.client.portForward.bind.mutate({ id: p.id, nicId: vm1.nics[0]!.id });
    });
    await waitForVms(ctx, [vm1, vm2]);
    return { vm1, vm2, pf1 };
  },
  async verify(ctx, built) {
    const { vm1, vm2, pf1 } = built as { vm1: Vm; vm2: Vm; pf1: { id: string; vip: string; vipId: string } };
    const c = ctx.client;
    const p = ctx.plan;
    for (const vm of [vm1, vm2])
      for (const port of [Number(p.pf1VmPort), Number(p.pf2Start), Number(p.pf2End)])
        await c.vm.check.mutate({ vmId: vm.id, check: { kind: 'listen', port, protocol: 'tcp', seconds: 300 } });
    await ctx.verify(
      { from: INTERNET, to: `${pf1.vip}:${p.pf1VipPort} → svc-VM-1:${p.pf1VmPort}`, check: 'tcp', expected: true },
      settled(fromInternetTcp(c, pf1.vip, Number(p.pf1VipPort), 'svc-VM-1')),
    );
    await ctx.act({ key: 'wizard.act.rebindPf' }, async () => {
      await c.portForward.unbind.mutate({ id: pf1.id });
      await c.portForward.bind.mutate({ id: pf1.id, nicId: vm2.nics[0]!.id });
    });
    await ctx.verify(
      { from: INTERNET, to: `${pf1.vip}:${p.pf1VipPort} → svc-VM-2:${p.pf1VmPort}`, check: 'tcp', expected: true },
      settled(fromInternetTcp(c, pf1.vip, Number(p.pf1VipPort), 'svc-VM-2')),
    );
    await ctx.act({ key: 'wizard.act.pf2', params: { start: p.pf2Start, end: p.pf2End } }, async () => {
      const existing = (await c.portForward.list.query({ vipId: pf1.vipId })).items.find((x) => x.name === 'PF-2');
      if (!existing)
        await c.portForward.create.mutate({
          name: 'PF-2',
          vipId: pf1.vipId,
          protocol: 'tcp',
          mode: 'range',
          vipPortStart: Number(p.pf2Start),
          vipPortEnd: Number(p.pf2End),
          nicId: vm1.nics[0]!.id,
        });
    });
    for (const port of [Number(p.pf2Start), Number(p.pf2End)]) {
      await ctx.verify(
        { from: INTERNET, to: `${pf1.vip}:${port} → svc-VM-1:${port}`, check: 'tcp', expected: true },
        settled(fromInternetTcp(c, pf1.vip, port, 'svc-VM-1')),
      );
    }
  },
};

// ── S-LB ─────────────────────────────────────────────────────────────────────
const LB_PLAN = { ...SERVICES_PLAN, lbVip: S_LB.vip, lbPort: String(S_LB.lbPort), vmPort: String(S_LB.vmPort) };
/**
 * A health check's worst case at the seed's defaults: interval 5 s, thresholds 2, and a check of a
 * stopped VM waits for its connect timeout (the interval) before it fails — 2 × (5 + 5) s, and the
 * time the stop takes to reach the data plane.
 */
const LB_HEALTH_MS = 2 * (5_000 + 5_000) + 15_000;
/** Connections from the lab internet to VIP:port, one after another: the VM each landed on. */
const landings = async (c: Client, vip: string, port: number, n: number) => {
  const t0 = Date.now();
  const who: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await c.system.checkFromInternet.mutate({ check: { kind: 'tcp', target: vip, port } });
    who.push(/answered by (\S+)/.exec(r.summary)?.[1] ?? '—');
  }
  return { who, ms: Date.now() - t0 };
};
/** Retries `fn` until it gives the expected result or `ms` pass (a health check takes its thresholds to decide). */
const within = (ms: number, fn: () => Promise<CheckResult>) => async (): Promise<CheckResult> => {
  const until = Date.now() + ms;
  let last = await fn();
  while (!last.ok && Date.now() < until) {
    await sleep(1000);
    last = await fn();
  }
  return last;
};

export const lbScenario: Scenario<typeof LB_PLAN> = {
  title: 'wizard.lb.title',
  intro: 'wizard.lb.intro',
  plan: LB_PLAN,
  labels: {
    ...BASE_LABELS,
    privateVlan: 'wizard.f.privateVlan',
    privateCidr: 'wizard.f.privateCidr',
    lbVip: 'wizard.f.lbVip',
    lbPort: 'field.lbPort',
    vmPort: 'field.vmPort',
  },
  async build(ctx) {
    // The services network and its vRouter, with VMs of its own: the verification stops and starts
    // VM-2, which must not be a VM another wizard is checking (svc-VM-1/2 are S-EIP's and S-PF's).
    const { base, vm1: svc } = await buildServices(ctx);
    const vms: Vm[] = [];
    for (const n of [1, 2, 3]) vms.push(await vmOn(ctx, base, `lb-VM-${n}`, [svc.nics[0]!.l3Id]));
    const vm2 = vms[1]!;
    const c = ctx.client;
    const p = ctx.plan;
    const listener = await ctx.step({ key: 'wizard.step.lbOn', params: { vip: p.lbVip } }, async () => {
      const found = (await c.loadBalancer.list.query({ search: 'LB-1' })).items.find(
        (l) => l.name === 'LB-1' && l.vip === p.lbVip,
      );
      const lb =
        found ??
        (await c.loadBalancer.create.mutate({
          name: 'LB-1',
          l3Id: base.pubL3.id,
          ip: p.lbVip,
          listener: { name: 'listener-80', protocol: 'tcp', lbPort: Number(p.lbPort), vmPort: Number(p.vmPort) },
        }));
      const l = lb.listeners.find((x) => x.lbPort === Number(p.lbPort) && x.protocol === 'tcp');
      return l
        ? c.listener.get.query({ id: l.id })
        : c.listener.create.mutate({
            lbId: lb.id,
            name: 'listener-80',
            protocol: 'tcp',
            lbPort: Number(p.lbPort),
            vmPort: Number(p.vmPort),
          });
    });
    await ctx.step({ key: 'wizard.step.bindNics' }, async () => {
      const bound = new Set(listener.backends.map((b) => b.nicId));
      const missing = vms.filter((v) => !bound.has(v.nics[0]!.id));
      if (missing.length)
        await c.listener.addBackends.mutate({ id: listener.id, backends: missing.map((v) => ({ nicId: v.nics[0]!.id })) });
    });
    // A run stopped half-way may have left VM-2 stopped: the verification stops and starts it.
    const vm2now = await c.vm.get.query({ id: vm2.id });
    if (vm2now.state !== 'running') await ctx.step(vm2.name, () => c.vm.action.mutate({ id: vm2.id, action: 'start' }));
    await waitForVms(ctx, vms);
    return { vms, vip: p.lbVip, listenerId: listener.id };
  },
  async verify(ctx, built) {
    const { vms, vip } = built as { vms: Vm[]; vip: string; listenerId: string };
    const c = ctx.client;
    const port = Number(ctx.plan.lbPort);
    const vmPort = Number(ctx.plan.vmPort);
    const listen = (vm: Vm) =>
      c.vm.check.mutate({ vmId: vm.id, check: { kind: 'listen', port: vmPort, protocol: 'tcp', seconds: 300 } });
    for (const vm of vms) await listen(vm);
    await ctx.verify(
      {
        from: INTERNET,
        to: { key: 'wizard.row.lbRoundRobin', params: { vip: `${vip}:${port}` } },
        check: 'tcp ×3',
        expected: true,
      },
      within(LB_HEALTH_MS, async () => {
        const { who, ms } = await landings(c, vip, port, 3);
        return { ok: new Set(who).size === 3 && who.every((w) => w.startsWith('lb-VM-')), summary: who.join(', '), ms };
      }),
    );
    const vm2 = vms[1]!;
    await ctx.act({ key: 'wizard.act.stopVm', params: { vm: vm2.name } }, () =>
      c.vm.action.mutate({ id: vm2.id, action: 'stop' }),
    );
    await ctx.verify(
      {
        from: INTERNET,
        to: { key: 'wizard.row.lbSkips', params: { vip: `${vip}:${port}`, vm: vm2.name } },
        check: 'tcp ×6',
        expected: true,
      },
      within(LB_HEALTH_MS, async () => {
        const { who, ms } = await landings(c, vip, port, 6);
        return { ok: !who.includes(vm2.name) && who.every((w) => w.startsWith('lb-VM-')), summary: who.join(', '), ms };
      }),
    );
    await ctx.act({ key: 'wizard.act.startVm', params: { vm: vm2.name } }, async () => {
      await c.vm.action.mutate({ id: vm2.id, action: 'start' });
      await waitForVms(ctx, [vm2]);
      await listen(vm2);
    });
    await ctx.verify(
      {
        from: INTERNET,
        to: { key: 'wizard.row.lbBack', params: { vip: `${vip}:${port}`, vm: vm2.name } },
        check: 'tcp ×3',
        expected: true,
      },
      within(LB_HEALTH_MS, async () => {
        const { who, ms } = await landings(c, vip, port, 3);
        return { ok: who.includes(vm2.name), summary: who.join(', '), ms };
      }),
    );
  },
};

// ── S-SG ─────────────────────────────────────────────────────────────────────
const SG_PLAN = {
  ...BASE_PLAN,
  hostIp: '192.168.29.54',
  privateVlan: '2760',
  privateCidr: '192.168.10.0/24',
  group: `sg-${S_SG.group}`,
  portStart: String(S_SG.rule.portStart),
  portEnd: String(S_SG.rule.portEnd),
};
export const sgScenario: Scenario<typeof SG_PLAN> = {
  title: 'wizard.sg.title',
  intro: 'wizard.sg.intro',
  plan: SG_PLAN,
  labels: {
    ...BASE_LABELS,
    privateVlan: 'wizard.f.privateVlan',
    privateCidr: 'wizard.f.privateCidr',
    group: 'wizard.f.group',
    portStart: 'wizard.f.portStart',
    portEnd: 'wizard.f.portEnd',
  },
  async build(ctx) {
    const base = await buildBase('sg', ctx);
    const l2 = await base.l2('sg-L2-private', { type: 'vlan', physicalNic: 'em01', vlanId: Number(ctx.plan.privateVlan) });
    const l3 = await base.l3('sg-L3-private', {
      name: 'sg-L3-private',
      l2Id: l2.id,
      category: 'private',
      type: 'vrouter',
      vrouterOfferingId: base.offering.id,
      range: { method: 'cidr', cidr: ctx.plan.privateCidr },
    });
    const vms: Vm[] = [];
    for (const n of [1, 2, 3])
      vms.push(await vmOn(ctx, base, `sg-VM-${n}`, [l3.id], n === 1 ? { key: 'wizard.note.createsVrouter' } : undefined));
    // A rerun starts with VM-2 and VM-3 outside the group, as section 4.4 does (their egress
    // whitelist would also stop the gateway ping below).
    const group = (await ctx.client.securityGroup.list.query({ search: ctx.plan.group })).items.find(
      (g) => g.name === ctx.plan.group,
    );
    if (group?.members.length)
      await ctx.step({ key: 'wizard.step.groupEmptied', params: { group: group.name } }, () =>
        Promise.all(group.members.map((m) => ctx.client.securityGroup.removeNic.mutate({ id: group.id, nicId: m.nicId }))),
      );
    await waitForVms(ctx, vms);
    return { l3Id: l3.id, vms };
  },
  async verify(ctx, built) {
    const { l3Id, vms } = built as { l3Id: string; vms: Vm[] };
    const c = ctx.client;
    const p = ctx.plan;
    const byName = Object.fromEntries(vms.map((v, i) => [`VM-${i + 1}`, v]));
    const rule = { protocol: 'tcp' as const, portStart: Number(p.portStart), portEnd: Number(p.portEnd) };
    for (const v of vms)
      for (const port of [21, 22, 23])
        await c.vm.check.mutate({ vmId: v.id, check: { kind: 'listen', port, protocol: 'tcp', seconds: 300 } });
    const tcp = ([from, to, port, expected]: [string, string, number, boolean]) =>
      ctx.verify(
        { from: `sg-${from}`, to: `sg-${to} ${byName[to]!.nics[0]!.ip}:${port}`, check: 'tcp', expected },
        settled(
          () => c.vm.check.mutate({ vmId: byName[from]!.id, check: { kind: 'tcp', target: byName[to]!.nics[0]!.ip, port } }),
          expected,
        ),
      );
    const ensureRule = async (id: string, direction: 'ingress' | 'egress') => {
      const g = await c.securityGroup.get.query({ id });
      const has = g.rules.some(
        (r) =>
          r.direction === direction &&
          r.protocol === rule.protocol &&
          r.portStart === rule.portStart &&
          r.portEnd === rule.portEnd &&
          !r.cidr &&
          !r.remoteGroupId,
      );
      if (!has) await c.securityGroup.addRule.mutate({ id, direction, ...rule });
    };
    const before = (await c.securityGroup.list.query({ search: p.group })).items.find((g) => g.name === p.group);
    await tcp(['VM-1', 'VM-2', 22, true]);
    let groupId = before?.id ?? '';
    await ctx.act({ key: 'wizard.act.sgIngress', params: { group: p.group, start: p.portStart, end: p.portEnd } }, async () => {
      const g = before ?? (await c.securityGroup.create.mutate({ name: p.group, l3Ids: [l3Id] }));
      groupId = g.id;
      if (!g.l3Ids.includes(l3Id)) await c.securityGroup.attachL3.mutate({ id: g.id, l3Id });
      await ensureRule(g.id, 'ingress');
      await c.securityGroup.addNics.mutate({ id: g.id, nicIds: [byName['VM-2']!.nics[0]!.id, byName['VM-3']!.nics[0]!.id] });
    });
    for (const row of S_SG.ingressChecks) await tcp(row);
    await tcp(['VM-1', 'VM-3', 22, false]);
    await ctx.act({ key: 'wizard.act.sgEgress', params: { group: p.group, start: p.portStart, end: p.portEnd } }, () =>
      ensureRule(groupId, 'egress'),
    );
    for (const row of S_SG.egressChecks) await tcp(row);
  },
};

// ── S-TENANT ─────────────────────────────────────────────────────────────────
const TENANT_PLAN = {
  ...BASE_PLAN,
  hostIp: '192.168.29.51',
  vniStart: String(S_TENANT.pool.vniStart),
  vniEnd: String(S_TENANT.pool.vniEnd),
  vtepCidr: S_TENANT.pool.vtepCidr,
  vni1: String(S_TENANT.networks[0].vni),
  cidr1: S_TENANT.networks[0].cidr,
  dhcp1: S_TENANT.networks[0].dhcpServerIp,
  vni2: String(S_TENANT.networks[1].vni),
  cidr2: S_TENANT.networks[1].cidr,
  dhcp2: S_TENANT.networks[1].dhcpServerIp,
};
export const tenantScenario: Scenario<typeof TENANT_PLAN> = {
  title: 'wizard.tenant.title',
  intro: 'wizard.tenant.intro',
  plan: TENANT_PLAN,
  labels: {
    ...BASE_LABELS,
    vniStart: 'wizard.f.vniStart',
    vniEnd: 'wizard.f.vniEnd',
    vtepCidr: 'wizard.f.vtepCidr',
    vni1: 'wizard.f.vni1',
    cidr1: 'wizard.f.cidr1',
    dhcp1: 'wizard.f.dhcp1',
    vni2: 'wizard.f.vni2',
    cidr2: 'wizard.f.cidr2',
    dhcp2: 'wizard.f.dhcp2',
  },
  async build(ctx) {
    const base = await buildBase('tenant', ctx);
    const p = ctx.plan;
    const pool = await ctx.step({ key: 'wizard.step.vxlanPool' }, async () => {
      const found = (await ctx.client.vxlanPool.list.query({ search: 'tenant-vxlan-pool' })).items.find(
        (x) => x.name === 'tenant-vxlan-pool',
      );
      const made =
        found ??
        (await ctx.client.vxlanPool.create.mutate({
          name: 'tenant-vxlan-pool',
          zoneId: base.zone.id,
          vniStart: Number(p.vniStart),
          vniEnd: Number(p.vniEnd),
          shared: true,
        }));
      return ctx.client.vxlanPool.attachCluster.mutate({ id: made.id, clusterId: base.cluster.id, vtepCidr: p.vtepCidr });
    });
    const vms: Vm[] = [];
    for (const [i, n] of [
      [1, { vni: p.vni1, cidr: p.cidr1, dhcp: p.dhcp1 }],
      [2, { vni: p.vni2, cidr: p.cidr2, dhcp: p.dhcp2 }],
    ] as const) {
      const l2 = await ctx.step({ key: 'wizard.step.vxlanNetwork', params: { vni: n.vni } }, () =>
        findOr(ctx.client.l2.list.query({ search: `tenant-L2-VXLAN-${n.vni}` }), `tenant-L2-VXLAN-${n.vni}`, () =>
          ctx.client.l2.createVxlan.mutate({ name: `tenant-L2-VXLAN-${n.vni}`, poolId: pool.id, vni: Number(n.vni) }),
        ),
      );
      const l3 = await base.l3(`tenant-L3-VXLAN-${i}`, {
        name: `tenant-L3-VXLAN-${i}`,
        l2Id: l2.id,
        category: 'private',
        type: 'vrouter',
        vrouterOfferingId: base.offering.id,
        dhcpServerIp: n.dhcp,
        range: { method: 'cidr', cidr: n.cidr },
      });
      vms.push(await vmOn(ctx, base, `tenant-VM-${i}`, [l3.id], { key: 'wizard.note.createsItsVrouter' }));
    }
    await waitForVms(ctx, vms);
    const routers = (await ctx.client.vrouter.list.query({ pageSize: 200 })).items;
    const routerOf = (vm: Vm) => routers.find((r) => r.nics.some((n) => n.role === 'private' && n.l3Id === vm.nics[0]!.l3Id))!;
    return { vms, routers: vms.map(routerOf) };
  },
  async verify(ctx, built) {
    const { vms, routers } = built as {
      vms: Vm[];
      routers: Array<{ id: string; name: string; nics: Array<{ role: string; ip: string }> }>;
    };
    const c = ctx.client;
    const [vm1, vm2] = vms as [Vm, Vm];
    const ip = (v: Vm) => v.nics[0]!.ip;
    // A rerun starts from the isolated state: the wizard's route tables go first.
    for (const t of (await c.routeTable.list.query({ search: 'tenant-RT' })).items)
      await c.routeTable.delete.mutate({ id: t.id });
    await ctx.verify(
      {
        from: 'tenant-VM-1',
        to: { key: 'wizard.row.internetAt', params: { target: INTERNET_WEB } },
        check: 'ping',
        expected: true,
      },
      settled(ping(c, vm1.id, INTERNET_WEB)),
    );
    await ctx.verify(
      {
        from: 'tenant-VM-2',
        to: { key: 'wizard.row.internetAt', params: { target: INTERNET_WEB } },
        check: 'ping',
        expected: true,
      },
      settled(ping(c, vm2.id, INTERNET_WEB)),
    );
    await ctx.verify(
      { from: 'tenant-VM-1', to: `tenant-VM-2 ${ip(vm2)}`, check: 'ping', expected: false },
      settled(ping(c, vm1.id, ip(vm2)), false),
    );
    await ctx.verify(
      { from: 'tenant-VM-2', to: `tenant-VM-1 ${ip(vm1)}`, check: 'ping', expected: false },
      settled(ping(c, vm2.id, ip(vm1)), false),
    );
    const publicIp = (r: (typeof routers)[number]) => r.nics.find((n) => n.role === 'public')!.ip;
    await ctx.act(
      `route table: ${ctx.plan.cidr2} → ${publicIp(routers[1]!)}, ${ctx.plan.cidr1} → ${publicIp(routers[0]!)} (R-RT-1)`,
      async () => {
        const t = await c.routeTable.create.mutate({ name: 'tenant-RT', vrouterIds: routers.map((r) => r.id) });
        await c.routeTable.addEntry.mutate({
          id: t.id,
          destination: ctx.plan.cidr2,
          nextHop: publicIp(routers[1]!),
          description: 'to VM-2',
        });
        await c.routeTable.addEntry.mutate({
          id: t.id,
          destination: ctx.plan.cidr1,
          nextHop: publicIp(routers[0]!),
          description: 'to VM-1',
        });
      },
    );
    await ctx.verify(
      { from: 'tenant-VM-1', to: `tenant-VM-2 ${ip(vm2)}`, check: 'ping', expected: true },
      settled(ping(c, vm1.id, ip(vm2))),
    );
    await ctx.verify(
      { from: 'tenant-VM-2', to: `tenant-VM-1 ${ip(vm1)}`, check: 'ping', expected: true },
      settled(ping(c, vm2.id, ip(vm1))),
    );
  },
};

// ── S-3TIER ──────────────────────────────────────────────────────────────────
const TIER_PLAN = {
  ...BASE_PLAN,
  hostIp: '192.168.29.52',
  webVlan: String(S_3TIER.networks[0].vlan),
  webCidr: S_3TIER.networks[0].cidr,
  appVlan: String(S_3TIER.networks[1].vlan),
  appCidr: S_3TIER.networks[1].cidr,
  dbVlan: String(S_3TIER.networks[2].vlan),
  dbCidr: S_3TIER.networks[2].cidr,
};
export const threeTierScenario: Scenario<typeof TIER_PLAN> = {
  title: 'wizard.3tier.title',
  intro: 'wizard.3tier.intro',
  plan: TIER_PLAN,
  labels: {
    ...BASE_LABELS,
    webVlan: 'wizard.f.webVlan',
    webCidr: 'wizard.f.webCidr',
    appVlan: 'wizard.f.appVlan',
    appCidr: 'wizard.f.appCidr',
    dbVlan: 'wizard.f.dbVlan',
    dbCidr: 'wizard.f.dbCidr',
  },
  async build(ctx) {
    const base = await buildBase('3tier', ctx);
    const p = ctx.plan;
    const l3Of: Record<string, string> = {};
    for (const [key, vlan, cidr] of [
      ['web', p.webVlan, p.webCidr],
      ['app', p.appVlan, p.appCidr],
      ['db', p.dbVlan, p.dbCidr],
    ] as const) {
      const l2 = await base.l2(`3tier-L2-${key}`, { type: 'vlan', physicalNic: 'em01', vlanId: Number(vlan) });
      l3Of[key] = (
        await base.l3(`3tier-L3-${key}`, {
          name: `3tier-L3-${key}`,
          l2Id: l2.id,
          category: 'private',
          type: 'vrouter',
          vrouterOfferingId: base.offering.id,
          range: { method: 'cidr', cidr },
        })
      ).id;
    }
    const vms: Record<string, Vm> = {};
    for (const v of S_3TIER.vms)
      vms[v.name] = await vmOn(
        ctx,
        base,
        `3tier-${v.name}`,
        v.nets.map((k) => l3Of[k]!),
        v.nets.join(' + '),
      );
    await waitForVms(ctx, Object.values(vms));
    return vms;
  },
  async verify(ctx, built) {
    const vms = built as Record<string, Vm>;
    for (const [from, to, expected] of S_3TIER.expected) {
      const src = vms[from]!;
      const target = to === 'internet' ? INTERNET_WEB : addressToReach(src, vms[to]!);
      await ctx.verify(
        {
          from: `3tier-${from}`,
          to: to === 'internet' ? { key: 'wizard.row.internetAt', params: { target } } : `3tier-${to} ${target}`,
          check: 'ping',
          expected,
        },
        settled(ping(ctx.client, src.id, target), expected),
      );
    }
  },
};

// ── S-BASIC ──────────────────────────────────────────────────────────────────
/**
 * S-BASIC (seed 4.1, tables 1–3). The seed's real internet DNS 114.114.114.114 is replaced by the
 * lab internet's 198.51.100.53 (SPEC §6); everything else is the seed's.
 */
const BASIC_PLAN = {
  ...BASE_PLAN,
  hostIp: '192.168.29.10',
  publicStart: '10.108.10.0',
  publicEnd: '10.108.11.255',
  publicDhcp: '10.108.10.1',
  privateVlan: '2700',
  privateCidr: '192.168.10.0/24',
  privateDhcp: '192.168.10.10',
};
export const basicScenario: Scenario<typeof BASIC_PLAN> = {
  title: 'wizard.basic.title',
  intro: 'wizard.basic.intro',
  plan: BASIC_PLAN,
  labels: {
    ...BASE_LABELS,
    publicStart: 'wizard.f.publicStartBasic',
    privateVlan: 'wizard.f.privateVlan',
    privateCidr: 'wizard.f.privateCidr',
    privateDhcp: 'wizard.f.privateDhcp',
  },
  async build(ctx) {
    const base = await buildBase('basic', ctx);
    const l2 = await base.l2('basic-L2-private', { type: 'vlan', physicalNic: 'em01', vlanId: Number(ctx.plan.privateVlan) });
    const l3 = await base.l3('basic-L3-private', {
      name: 'basic-L3-private',
      l2Id: l2.id,
      category: 'private',
      type: 'vrouter',
      vrouterOfferingId: base.offering.id,
      dhcpServerIp: ctx.plan.privateDhcp || null,
      range: { method: 'cidr', cidr: ctx.plan.privateCidr },
    });
    const vm1 = await vmOn(ctx, base, 'VM-1', [l3.id], { key: 'wizard.note.firstVm' });
    const vm2 = await vmOn(ctx, base, 'VM-2', [l3.id], { key: 'wizard.note.reusesVrouter' });
    await waitForVms(ctx, [vm1, vm2]);
    return [vm1, vm2];
  },
  async verify(ctx, built) {
    const [vm1, vm2] = built as [Vm, Vm];
    const c = ctx.client;
    const http = (vmId: string) => () => c.vm.check.mutate({ vmId, check: { kind: 'http', url: 'http://example.com/' } });
    await ctx.verify(
      { from: 'VM-1', to: { key: 'wizard.row.internetAt', params: { target: INTERNET_WEB } }, check: 'ping', expected: true },
      ping(c, vm1.id, INTERNET_WEB),
    );
    await ctx.verify({ from: 'VM-1', to: 'http://example.com/', check: 'http', expected: true }, http(vm1.id));
    await ctx.verify(
      { from: 'VM-2', to: { key: 'wizard.row.internetAt', params: { target: INTERNET_WEB } }, check: 'ping', expected: true },
      ping(c, vm2.id, INTERNET_WEB),
    );
    await ctx.verify({ from: 'VM-2', to: 'http://example.com/', check: 'http', expected: true }, http(vm2.id));
    await ctx.verify(
      { from: 'VM-1', to: `VM-2 ${vm2.nics[0]!.ip}`, check: 'ping', expected: true },
      ping(c, vm1.id, vm2.nics[0]!.ip),
    );
    await ctx.verify(
      { from: 'VM-2', to: `VM-1 ${vm1.nics[0]!.ip}`, check: 'ping', expected: true },
      ping(c, vm2.id, vm1.nics[0]!.ip),
    );
  },
};
