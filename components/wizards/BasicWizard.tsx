'use client';
import { useState } from 'react';
import { useI18n } from '../i18n/context';
import { useTRPCClient } from '../trpc';
import { describeError } from '../resource/api';
import { Alert, Button, FieldRow, TextInput } from '../ui/primitives';
import { StepList, VerifyTable, type StepView, type VerifyRowView } from './framework';

/**
 * S-BASIC (seed 4.1, tables 1–3). The seed's real internet DNS 114.114.114.114 is replaced by the
 * lab internet's 198.51.100.53 (SPEC §6); everything else is the seed's.
 */
const PLAN = {
  publicNic: 'em01',
  publicStart: '10.108.10.0',
  publicEnd: '10.108.11.255',
  publicMask: '255.0.0.0',
  publicGateway: '10.0.0.1',
  publicDhcp: '10.108.10.1',
  dns: '198.51.100.53',
  mgmtNic: 'em02',
  mgmtStart: '192.168.29.30',
  mgmtEnd: '192.168.29.40',
  mgmtMask: '255.255.255.0',
  mgmtGateway: '192.168.29.1',
  privateNic: 'em01',
  privateVlan: '2700',
  privateCidr: '192.168.10.0/24',
  privateDhcp: '192.168.10.10',
  hostIp: '192.168.29.10',
};
type Plan = typeof PLAN;
const LABELS: Record<keyof Plan, string> = {
  publicNic: 'Public NIC (table 1)',
  publicStart: 'Public start IP',
  publicEnd: 'Public end IP',
  publicMask: 'Public netmask',
  publicGateway: 'Public gateway',
  publicDhcp: 'Public DHCP server IP',
  dns: 'DNS (lab internet)',
  mgmtNic: 'Management NIC (table 2)',
  mgmtStart: 'Management start IP',
  mgmtEnd: 'Management end IP',
  mgmtMask: 'Management netmask',
  mgmtGateway: 'Management gateway',
  privateNic: 'Private NIC (table 3)',
  privateVlan: 'Private VLAN ID',
  privateCidr: 'Private CIDR',
  privateDhcp: 'Private DHCP server IP',
  hostIp: 'Host management IP',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function BasicWizard() {
  const { t } = useI18n();
  const client = useTRPCClient();
  const [plan, setPlan] = useState<Plan>(PLAN);
  const [steps, setSteps] = useState<StepView[]>([]);
  const [rows, setRows] = useState<VerifyRowView[]>([]);
  const [phase, setPhase] = useState<'plan' | 'build' | 'verify' | 'done' | 'failed'>('plan');
  const [error, setError] = useState<string | null>(null);

  async function run() {
    setError(null);
    setRows([]);
    setPhase('build');
    const log: StepView[] = [];
    const step = async <T,>(label: string, fn: () => Promise<T>): Promise<T> => {
      log.push({ label, state: 'running' });
      setSteps([...log]);
      try {
        const out = await fn();
        log[log.length - 1] = { label, state: 'done' };
        setSteps([...log]);
        return out;
      } catch (err) {
        log[log.length - 1] = { label, state: 'failed', detail: describeError(err).message };
        setSteps([...log]);
        throw err;
      }
    };
    // Find by exact name, or create: the wizard can run again and reuses what it made.
    const findOr = async (list: Promise<{ items: Array<{ id: string; name: string }> }>, name: string, create: () => Promise<{ id: string }>): Promise<{ id: string }> =>
      (await list).items.find((i) => i.name === name) ?? (await create());
    const p = plan;
    try {
      const zone = await step('Zone', () => findOr(client.zone.list.query({ search: 'basic-zone' }), 'basic-zone', () => client.zone.create.mutate({ name: 'basic-zone' })));
      const cluster = await step('Cluster', () =>
        findOr(client.cluster.list.query({ search: 'basic-cluster' }), 'basic-cluster', () => client.cluster.create.mutate({ name: 'basic-cluster', zoneId: zone.id })),
      );
      await step('Host', async () => {
        const hosts = await client.host.list.query({ search: p.hostIp });
        return hosts.items.find((h) => h.managementIp === p.hostIp) ?? client.host.create.mutate({ name: 'basic-host-1', clusterId: cluster.id, managementIp: p.hostIp, nics: [...new Set([p.publicNic, p.mgmtNic, p.privateNic])] });
      });
      const bs = await step('Backup storage', () =>
        findOr(client.backupStorage.list.query({ search: 'basic-bs' }), 'basic-bs', () => client.backupStorage.create.mutate({ name: 'basic-bs', zoneId: zone.id, url: '/zstack_bs' })),
      );
      const l2 = (name: string, input: { type: 'novlan' | 'vlan'; physicalNic: string; vlanId?: number }) =>
        step(`L2 network ${name}`, () => findOr(client.l2.list.query({ search: name }), name, () => client.l2.create.mutate({ name, zoneId: zone.id, clusterIds: [cluster.id], ...input })));
      const l3 = (name: string, input: Parameters<typeof client.l3.create.mutate>[0]) =>
        step(`L3 network ${name}`, () => findOr(client.l3.list.query({ search: name }), name, () => client.l3.create.mutate(input)));
      const pubL2 = await l2('basic-L2-public', { type: 'novlan', physicalNic: p.publicNic });
      const pubL3 = await l3('basic-L3-public', {
        name: 'basic-L3-public',
        l2Id: pubL2.id,
        category: 'public',
        dhcpServerIp: p.publicDhcp,
        dnsServers: [p.dns],
        range: { method: 'bounds', startIp: p.publicStart, endIp: p.publicEnd, netmask: p.publicMask, gateway: p.publicGateway },
      });
      const mgmtL2 = await l2('basic-L2-management', { type: 'novlan', physicalNic: p.mgmtNic });
      const mgmtL3 = await l3('basic-L3-management', {
        name: 'basic-L3-management',
        l2Id: mgmtL2.id,
        category: 'system',
        dhcpEnabled: false,
        range: { method: 'bounds', startIp: p.mgmtStart, endIp: p.mgmtEnd, netmask: p.mgmtMask, gateway: p.mgmtGateway },
      });
      const image = await step('vRouter image', () =>
        findOr(client.image.list.query({ search: 'basic-vrouter-image' }), 'basic-vrouter-image', () =>
          client.image.create.mutate({ name: 'basic-vrouter-image', kind: 'vrouter', backupStorageId: bs.id, url: 'http://192.0.2.10/zstack-vrouter-3.10.0.qcow2' }),
        ),
      );
      const offering = await step('vRouter offering', () =>
        findOr(client.vrouterOffering.list.query({ search: 'basic-vrouter-offering' }), 'basic-vrouter-offering', () =>
          client.vrouterOffering.create.mutate({ name: 'basic-vrouter-offering', zoneId: zone.id, cpu: 8, memory: 8, memoryUnit: 'G', imageId: image.id, managementL3Id: mgmtL3.id, publicL3Id: pubL3.id }),
        ),
      );
      const privL2 = await l2('basic-L2-private', { type: 'vlan', physicalNic: p.privateNic, vlanId: Number(p.privateVlan) });
      const privL3 = await l3('basic-L3-private', {
        name: 'basic-L3-private',
        l2Id: privL2.id,
        category: 'private',
        type: 'vrouter',
        vrouterOfferingId: offering.id,
        dhcpServerIp: p.privateDhcp,
        range: { method: 'cidr', cidr: p.privateCidr },
      });
      const inst = await step('Instance offering', () =>
        findOr(client.instanceOffering.list.query({ search: 'basic-small' }), 'basic-small', () => client.instanceOffering.create.mutate({ name: 'basic-small', cpu: 1, memory: 1, memoryUnit: 'G' })),
      );
      const vmImage = await step('VM image', () =>
        findOr(client.image.list.query({ search: 'basic-vm-image', kind: 'vm' }), 'basic-vm-image', () =>
          client.image.create.mutate({ name: 'basic-vm-image', kind: 'vm', backupStorageId: bs.id, url: 'http://192.0.2.10/busybox.qcow2' }),
        ),
      );
      const vm = (name: string, note: string) =>
        step(`${name} (${note})`, async () => {
          const existing = (await client.vm.list.query({ search: name })).items.find((v) => v.name === name && v.nics[0]?.l3Id === privL3.id);
          return existing ?? (await client.vm.create.mutate({ name, instanceOfferingId: inst.id, imageId: vmImage.id, l3Ids: [privL3.id] }))[0]!;
        });
      const vm1 = await vm('VM-1', 'the first VM creates the vRouter, R-VM-2');
      const vm2 = await vm('VM-2', 'reuses the vRouter');
      const gateway = (await client.l3.ranges.query({ id: privL3.id }))[0]!.gateway;
      await step(t('wizard.waiting'), async () => {
        for (const v of [vm1, vm2]) {
          for (let i = 0; ; i++) {
            const r = await client.vm.check.mutate({ vmId: v.id, check: { kind: 'ping', target: gateway, count: 1 } });
            if (r.ok) break;
            if (i > 60) throw new Error(`${v.name} did not reach its gateway ${gateway}: ${r.summary}`);
            await sleep(1000);
          }
        }
      });

      setPhase('verify');
      const ip1 = vm1.nics[0]!.ip;
      const ip2 = vm2.nics[0]!.ip;
      type Check = Parameters<typeof client.vm.check.mutate>[0]['check'];
      const plan2: Array<VerifyRowView & { vmId: string; spec: Check }> = [
        { from: 'VM-1', to: 'internet 198.51.100.10', check: { kind: 'ping', target: '198.51.100.10', count: 3 }, expected: true, vmId: vm1.id },
        { from: 'VM-1', to: 'http://example.com/', check: { kind: 'http', url: 'http://example.com/' }, expected: true, vmId: vm1.id },
        { from: 'VM-2', to: 'internet 198.51.100.10', check: { kind: 'ping', target: '198.51.100.10', count: 3 }, expected: true, vmId: vm2.id },
        { from: 'VM-2', to: 'http://example.com/', check: { kind: 'http', url: 'http://example.com/' }, expected: true, vmId: vm2.id },
        { from: 'VM-1', to: `VM-2 ${ip2}`, check: { kind: 'ping', target: ip2, count: 3 }, expected: true, vmId: vm1.id },
        { from: 'VM-2', to: `VM-1 ${ip1}`, check: { kind: 'ping', target: ip1, count: 3 }, expected: true, vmId: vm2.id },
      ].map((r) => ({ ...r, spec: r.check as Check, check: r.check.kind }));
      const view: VerifyRowView[] = plan2.map((r) => ({ from: r.from, to: r.to, check: r.check, expected: r.expected }));
      setRows([...view]);
      for (const [i, r] of plan2.entries()) {
        const out = await client.vm.check.mutate({ vmId: r.vmId, check: r.spec });
        view[i] = { ...view[i]!, observed: out.ok, summary: out.summary, ms: out.ms };
        setRows([...view]);
      }
      setPhase(view.every((r) => r.observed === r.expected) ? 'done' : 'failed');
    } catch (err) {
      setError(describeError(err).message);
      setPhase('failed');
    }
  }

  const busy = phase === 'build' || phase === 'verify';
  return (
    <section className="space-y-6">
      <div>
        <h1 className="text-xl font-semibold">{t('wizard.basic.title')}</h1>
        <p className="mt-1 max-w-3xl text-sm text-slate-600">{t('wizard.basic.intro')}</p>
      </div>
      <section className="rounded-lg border border-slate-200 bg-white p-4">
        <h2 className="mb-3 font-semibold">1. {t('wizard.plan')}</h2>
        <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
          {(Object.keys(PLAN) as Array<keyof Plan>).map((k) => (
            <FieldRow key={k} id={`plan-${k}`} label={LABELS[k]}>
              <TextInput id={`plan-${k}`} value={plan[k]} disabled={busy} onChange={(e) => setPlan({ ...plan, [k]: e.target.value })} />
            </FieldRow>
          ))}
        </div>
        <div className="mt-4">
          <Button onClick={run} disabled={busy}>
            {busy ? t('common.working') : t('wizard.start')}
          </Button>
        </div>
      </section>
      {steps.length > 0 && (
        <section className="rounded-lg border border-slate-200 bg-white p-4">
          <h2 className="mb-3 font-semibold">2. {t('wizard.build')}</h2>
          <StepList steps={steps} />
        </section>
      )}
      {rows.length > 0 && (
        <section className="rounded-lg border border-slate-200 bg-white p-4">
          <h2 className="mb-3 font-semibold">3. {t('wizard.verify')}</h2>
          <VerifyTable rows={rows} />
          {phase === 'done' && (
            <div className="mt-3" data-testid="wizard-result">
              <Alert tone="success">{t('wizard.allPassed')}</Alert>
            </div>
          )}
        </section>
      )}
      {phase === 'failed' && (
        <div data-testid="wizard-result">
          <Alert>{error ?? t('wizard.someFailed')}</Alert>
        </div>
      )}
    </section>
  );
}
