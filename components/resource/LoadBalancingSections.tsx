'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useI18n } from '../i18n/context';
import { useTRPC, useTRPCClient } from '../trpc';
import { Alert, Badge, Button, Panel, Select, Spinner, TextInput } from '../ui/primitives';
import { ConfirmButton } from './ConfirmButton';
import { describeError } from './api';
import { listenerAdvanced, listenerFields, listenerInput } from './defs/load-balancing';
import { ResourceForm } from './ResourceForm';
import type { FieldDef, Row } from './types';

type Sample = { at: string | Date; current: number; total: number; bytesIn: number; bytesOut: number };

/**
 * R-LB-6: a listener's connections open now and new connections per second, refreshed as the
 * reconciler collects them (uPlot: small and fast, drawn on a canvas).
 */
function LiveChart({ samples }: { samples: Sample[] }) {
  const { t } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data: uPlot.AlignedData = [
    samples.map((s) => new Date(s.at).getTime() / 1000),
    samples.map((s) => s.current),
    samples.map((s, i) => {
      const prev = samples[i - 1];
      if (!prev) return null;
      const dt = (new Date(s.at).getTime() - new Date(prev.at).getTime()) / 1000;
      return dt > 0 ? Math.max(0, s.total - prev.total) / dt : null;
    }),
  ];
  useEffect(() => {
    if (!box.current) return;
    plot.current = new uPlot(
      {
        width: box.current.clientWidth || 600,
        height: 180,
        series: [
          {},
          { label: t('lb.connectionsNow'), stroke: '#0369a1', width: 2 },
          { label: t('lb.newPerSecond'), stroke: '#16a34a', width: 2 },
        ],
        axes: [{}, { size: 50 }],
      },
      [[], [], []],
      box.current,
    );
    return () => plot.current?.destroy();
  }, [t]);
  useEffect(() => plot.current?.setData(data));
  return <div ref={box} data-testid="listener-chart" />;
}

/** Sizes for people: 1.2 MB. */
const bytes = (n: number) =>
  n < 1024
    ? `${n} B`
    : n < 1024 ** 2
      ? `${(n / 1024).toFixed(1)} KB`
      : n < 1024 ** 3
        ? `${(n / 1024 ** 2).toFixed(1)} MB`
        : `${(n / 1024 ** 3).toFixed(1)} GB`;

const HEALTH_TONE = { healthy: 'green', unhealthy: 'amber', unchecked: 'slate', unknown: 'slate' } as const;

/** A listener's live counters (chart) and its backends with their health (R-LB-3, R-LB-6), and binding NICs to it. */
function BackendsPanel({ listener }: { listener: Row }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const qc = useQueryClient();
  const stats = useQuery({ ...trpc.listener.stats.queryOptions({ id: listener.id }), refetchInterval: 5000 });
  const [error, setError] = useState<string | null>(null);
  const refresh = () => qc.invalidateQueries(trpc.listener.pathFilter());
  const last = stats.data?.samples.at(-1);
  const weighted = listener.algorithm === 'weighted-round-robin';
  return (
    <>
      <Panel title={t('lb.traffic')}>
        {stats.isPending ? (
          <Spinner label={t('common.loading')} />
        ) : (
          <div className="space-y-2">
            <div className="flex gap-6 text-sm" data-testid="listener-counters">
              <span>
                {t('lb.connectionsNow')}: <b data-testid="listener-current">{last?.current ?? 0}</b>
              </span>
              <span>
                {t('lb.connectionsTotal')}: <b data-testid="listener-total">{last?.total ?? 0}</b>
              </span>
              <span>
                {t('lb.bytesIn')}: <b>{bytes(last?.bytesIn ?? 0)}</b>
              </span>
              <span>
                {t('lb.bytesOut')}: <b>{bytes(last?.bytesOut ?? 0)}</b>
              </span>
              <span className="text-slate-500">
                {stats.data?.at ? new Date(stats.data.at).toLocaleTimeString() : t('lb.noSampleYet')}
              </span>
            </div>
            <LiveChart samples={stats.data?.samples ?? []} />
          </div>
        )}
      </Panel>
      <Panel title={t('field.backends')}>
        {error && <Alert>{error}</Alert>}
        <table className="w-full text-left text-sm" data-testid="backends">
          <thead className="text-xs uppercase text-slate-500">
            <tr>
              <th>{t('field.vm')}</th>
              <th>{t('field.ip')}</th>
              <th>{t('lb.group')}</th>
              {weighted && <th>{t('lb.weight')}</th>}
              <th>{t('lb.health')}</th>
              <th>{t('lb.connectionsNow')}</th>
              <th>{t('lb.connectionsTotal')}</th>
              <th>{t('lb.bytesOut')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {(stats.data?.backends ?? []).map((b) => (
              <tr key={b.nicId} className="border-t border-slate-100" data-testid={`backend-${b.vmName ?? b.nicId}`}>
                <td>
                  {b.vmId ? (
                    <Link className="text-sky-700 hover:underline" href={`/vms/${b.vmId}`}>
                      {b.vmName}
                    </Link>
                  ) : (
                    '—'
                  )}
                </td>
                <td className="font-mono">{b.ip}</td>
                <td>{b.group}</td>
                {weighted && <td>{b.weight}</td>}
                <td>
                  <Badge tone={HEALTH_TONE[b.health]}>{t(`lb.health.${b.health}`)}</Badge>
                </td>
                <td>{b.current}</td>
                <td>{b.total}</td>
                <td>{bytes(b.bytesOut)}</td>
                <td className="text-right">
                  <ConfirmButton
                    label={t('service.unbind')}
                    title={t('lb.unbindNic')}
                    question={t('lb.unbindNicQuestion')}
                    variant="ghost"
                    onConfirm={() =>
                      client.listener.removeBackend
                        .mutate({ id: listener.id, nicId: b.nicId })
                        .then(refresh)
                        .catch((e) => setError(describeError(e).message))
                    }
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {stats.data?.backends.length === 0 && <p className="text-sm text-slate-500">{t('lb.noBackends')}</p>}
        <BindNics listener={listener} onDone={refresh} />
      </Panel>
    </>
  );
}

/** The seed's "bind VM NICs": a network of the vRouter first, then NICs on it (R-LB-3). */
function BindNics({ listener, onDone }: { listener: Row; onDone(): void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [l3Id, setL3] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [weight, setWeight] = useState('');
  const [group, setGroup] = useState('');
  const [error, setError] = useState<string | null>(null);
  const networks = useQuery(trpc.l3.list.queryOptions({ category: 'private', pageSize: 200, sort: 'name' }));
  const vms = useQuery(trpc.vm.list.queryOptions({ pageSize: 200, sort: 'name' }));
  const bound = new Set((listener.backends as Array<{ nicId: string }>).map((b) => b.nicId));
  const nics = (vms.data?.items ?? []).flatMap((vm) =>
    vm.nics.filter((n) => n.l3Id === l3Id && !bound.has(n.id)).map((n) => ({ id: n.id, ip: n.ip, vm: vm.name })),
  );
  const bind = useMutation({
    mutationFn: () =>
      client.listener.addBackends.mutate({
        id: listener.id,
        backends: chosen.map((nicId) => ({ nicId, ...(weight ? { weight: Number(weight) } : {}), ...(group ? { group } : {}) })),
      }),
    onSuccess: () => (setChosen([]), setError(null), onDone()),
    onError: (e) => setError(describeError(e).message),
  });
  return (
    <div className="mt-3 space-y-2 border-t border-slate-100 pt-3" data-testid="bind-nics">
      <p className="text-sm font-medium">{t('lb.bindNics')}</p>
      <Select aria-label={t('field.network')} value={l3Id} onChange={(e) => (setL3(e.target.value), setChosen([]))}>
        <option value="">{t('lb.chooseNetwork')}</option>
        {(networks.data?.items ?? []).map((n) => (
          <option key={n.id} value={n.id}>
            {n.name}
          </option>
        ))}
      </Select>
      {l3Id && (
        <div className="flex flex-wrap gap-3">
          {nics.map((n) => (
            <label key={n.id} className="flex items-center gap-1 text-sm">
              <input
                type="checkbox"
                name="nicIds"
                value={n.id}
                checked={chosen.includes(n.id)}
                onChange={(e) => setChosen(e.target.checked ? [...chosen, n.id] : chosen.filter((x) => x !== n.id))}
              />
              {n.vm} · {n.ip}
            </label>
          ))}
          {nics.length === 0 && <span className="text-sm text-slate-400">{t('lb.noNicsHere')}</span>}
        </div>
      )}
      <div className="flex gap-2">
        {listener.algorithm === 'weighted-round-robin' && (
          <TextInput
            aria-label={t('lb.weight')}
            placeholder={`${t('lb.weight')} (1)`}
            value={weight}
            onChange={(e) => setWeight(e.target.value)}
          />
        )}
        {listener.protocol !== 'tcp' && listener.protocol !== 'udp' && (
          <TextInput
            aria-label={t('lb.group')}
            placeholder={`${t('lb.group')} (default)`}
            value={group}
            onChange={(e) => setGroup(e.target.value)}
          />
        )}
        <Button disabled={chosen.length === 0 || bind.isPending} onClick={() => bind.mutate()}>
          {t('service.bind')}
        </Button>
      </div>
      {error && <Alert>{error}</Alert>}
    </div>
  );
}

type Policy = { name: string; host: string | null; pathPrefix: string | null; group: string };

/** R-LB-5: an HTTP(S) listener's forwarding policies, in the order they are tried; the rest go to the default group. */
function PoliciesPanel({ listener }: { listener: Row }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const qc = useQueryClient();
  const policies = listener.policies as Policy[];
  const [error, setError] = useState<string | null>(null);
  const save = (next: Policy[]) =>
    client.listener.setPolicies
      .mutate({ id: listener.id, policies: next })
      .then(() => (setError(null), qc.invalidateQueries(trpc.listener.pathFilter())))
      .catch((e) => setError(describeError(e).message));
  const fields: FieldDef[] = [
    { name: 'name', label: 'field.name', kind: 'text' },
    { name: 'host', label: 'lb.host', kind: 'text', optional: true, placeholder: 'www.example.com, *.example.com' },
    { name: 'pathPrefix', label: 'lb.pathPrefix', kind: 'text', optional: true, placeholder: '/images' },
    { name: 'group', label: 'lb.group', kind: 'text', placeholder: 'default' },
  ];
  return (
    <Panel title={t('lb.policies')}>
      {error && <Alert>{error}</Alert>}
      <ol className="space-y-1 text-sm" data-testid="policies">
        {policies.map((p, i) => (
          <li key={p.name} className="flex items-center justify-between gap-2">
            <span>
              {i + 1}. <b>{p.name}</b>: {p.host ?? '*'} {p.pathPrefix ?? '/'} → {p.group}
            </span>
            <span className="flex gap-1">
              {i > 0 && (
                <Button
                  variant="ghost"
                  onClick={() => save([...policies.slice(0, i - 1), p, policies[i - 1]!, ...policies.slice(i + 1)])}
                >
                  ↑
                </Button>
              )}
              <Button variant="ghost" onClick={() => save(policies.filter((_, k) => k !== i))}>
                {t('common.delete')}
              </Button>
            </span>
          </li>
        ))}
        <li className="text-slate-500">{t('lb.otherwiseDefault')}</li>
      </ol>
      <ResourceForm
        idPrefix="policy"
        fields={fields}
        resetOnDone
        toInput={(v) => ({
          name: String(v.name ?? ''),
          host: String(v.host ?? '') || null,
          pathPrefix: String(v.pathPrefix ?? '') || null,
          group: String(v.group ?? '') || 'default',
        })}
        submit={(input) => client.listener.setPolicies.mutate({ id: listener.id, policies: [...policies, input as Policy] })}
        onDone={() => qc.invalidateQueries(trpc.listener.pathFilter())}
        submitLabel={t('lb.addPolicy')}
      />
    </Panel>
  );
}

/** R-LB-4: one certificate per HTTPS listener; replacing it takes an unbind first. */
function CertificatePanel({ listener }: { listener: Row }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const qc = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const refresh = () => qc.invalidateQueries(trpc.listener.pathFilter());
  return (
    <Panel title={t('field.certificate')}>
      {error && <Alert>{error}</Alert>}
      {listener.certificateId ? (
        <div className="flex items-center justify-between text-sm" data-testid="listener-certificate">
          <Link className="text-sky-700 hover:underline" href={`/lb-certificates/${String(listener.certificateId)}`}>
            {String(listener.certificateName)}
          </Link>
          <Button
            variant="secondary"
            onClick={() =>
              client.listener.unbindCertificate
                .mutate({ id: listener.id })
                .then(refresh)
                .catch((e) => setError(describeError(e).message))
            }
          >
            {t('service.unbind')}
          </Button>
        </div>
      ) : (
        <>
          <p className="text-sm text-amber-700">{t('lb.httpsNeedsCertificate')}</p>
          <ResourceForm
            idPrefix="bind-certificate"
            fields={[{ name: 'certificateId', label: 'field.certificate', kind: 'ref', ref: { router: 'lbCertificate' } }]}
            toInput={(v) => ({ id: listener.id, certificateId: String(v.certificateId ?? '') })}
            submit={(input) => client.listener.bindCertificate.mutate(input as { id: string; certificateId: string })}
            onDone={refresh}
            submitLabel={t('service.bind')}
          />
        </>
      )}
    </Panel>
  );
}

/** The advanced section again, to change a listener (its protocol and LB port stay; R-LB-2). */
function ConfigurePanel({ listener }: { listener: Row }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const fields = listenerFields().filter((f) => !['name', 'protocol', 'lbPort', 'certificateId'].includes(f.name));
  const initial = Object.fromEntries(
    fields.map((f) => {
      const v = listener[f.name];
      return [f.name, f.name === 'advanced' ? true : Array.isArray(v) ? v : v === null || v === undefined ? '' : String(v)];
    }),
  );
  return (
    <Panel
      title={t('lb.settings')}
      action={
        <Button variant="secondary" onClick={() => setOpen(!open)}>
          {open ? t('common.cancel') : t('lb.change')}
        </Button>
      }
    >
      <dl className="grid grid-cols-2 gap-x-6 gap-y-1 text-sm md:grid-cols-4">
        {(
          [
            ['field.algorithm', String(listener.algorithm)],
            ['field.maxConnections', String(listener.maxConnections)],
            ['field.idleTimeout', `${String(listener.idleTimeoutSeconds)} s`],
            ['field.healthCheckProtocol', String(listener.healthCheckProtocol).toUpperCase()],
            ['field.healthCheckInterval', `${String(listener.healthCheckIntervalSeconds)} s`],
            ['field.healthyThreshold', String(listener.healthyThreshold)],
            ['field.unhealthyThreshold', String(listener.unhealthyThreshold)],
            ['field.healthCheckPort', listener.healthCheckPort ? String(listener.healthCheckPort) : 'default'],
            ...(listener.healthCheckProtocol === 'http'
              ? ([
                  ['field.healthCheckUri', String(listener.healthCheckUri)],
                  ['field.healthCheckMethod', String(listener.healthCheckMethod)],
                  ['field.healthCheckHttpCodes', (listener.healthCheckHttpCodes as string[]).join(', ')],
                ] as const)
              : []),
          ] as const
        ).map(([k, v]) => (
          <div key={k}>
            <dt className="text-xs text-slate-500">{t(k)}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {open && (
        <ResourceForm
          idPrefix="configure"
          fields={fields.map((f) => ({ ...f, initial: initial[f.name] ?? f.initial }))}
          toInput={(v) => ({ id: listener.id, vmPort: Number(v.vmPort), ...listenerAdvanced({ ...v, advanced: true }) })}
          submit={(input) => client.listener.configure.mutate(input as Parameters<typeof client.listener.configure.mutate>[0])}
          onDone={() => (setOpen(false), qc.invalidateQueries(trpc.listener.pathFilter()))}
          submitLabel={t('common.save')}
        />
      )}
    </Panel>
  );
}

export function ListenerSections({ listener }: { listener: Row }) {
  const http = listener.protocol === 'http' || listener.protocol === 'https';
  return (
    <>
      <BackendsPanel listener={listener} />
      <ConfigurePanel listener={listener} />
      {listener.protocol === 'https' && <CertificatePanel listener={listener} />}
      {http && <PoliciesPanel listener={listener} />}
    </>
  );
}

/** A load balancer's listeners, and the listener dialog to add one (R-LB-1, R-LB-2). */
export function LoadBalancerSections({ lb }: { lb: Row }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const qc = useQueryClient();
  const [adding, setAdding] = useState(false);
  const listeners = lb.listeners as Array<{
    id: string;
    name: string;
    protocol: string;
    lbPort: number;
    vmPort: number;
    backends: number;
  }>;
  return (
    <Panel
      title={t('field.listeners')}
      action={<Button onClick={() => setAdding(!adding)}>{adding ? t('common.cancel') : t('lb.addListener')}</Button>}
    >
      <table className="w-full text-left text-sm" data-testid="lb-listeners">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th>{t('field.name')}</th>
            <th>{t('field.protocol')}</th>
            <th>{t('field.ports')}</th>
            <th>{t('field.backends')}</th>
          </tr>
        </thead>
        <tbody>
          {listeners.map((l) => (
            <tr key={l.id} className="border-t border-slate-100">
              <td>
                <Link className="text-sky-700 hover:underline" href={`/listeners/${l.id}`}>
                  {l.name}
                </Link>
              </td>
              <td>{l.protocol.toUpperCase()}</td>
              <td>
                {String(lb.vip)}:{l.lbPort} → {l.vmPort}
              </td>
              <td>{l.backends}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {listeners.length === 0 && <p className="text-sm text-slate-500">{t('lb.noListeners')}</p>}
      {adding && (
        <div className="mt-3 border-t border-slate-100 pt-3">
          <ResourceForm
            idPrefix="add-listener"
            fields={listenerFields()}
            toInput={(v) => ({ ...listenerInput(v), lbId: lb.id })}
            preview={(input) =>
              client.listener.previewCreate.mutate(input as Parameters<typeof client.listener.create.mutate>[0])
            }
            submit={(input) => client.listener.create.mutate(input as Parameters<typeof client.listener.create.mutate>[0])}
            onDone={() => (setAdding(false), qc.invalidateQueries(trpc.loadBalancer.pathFilter()))}
            submitLabel={t('lb.addListener')}
          />
        </div>
      )}
    </Panel>
  );
}

/** What an uploaded certificate is (R-LB-4) — never its key — and the listeners that use it. */
export function LbCertificateSections({ cert }: { cert: Row }) {
  const { t } = useI18n();
  const listeners = cert.listeners as Array<{ id: string; name: string }>;
  return (
    <Panel title={t('field.listeners')}>
      <p className="mb-2 font-mono text-xs text-slate-500">SHA-256 {String(cert.fingerprint)}</p>
      {listeners.length ? (
        <ul className="text-sm">
          {listeners.map((l) => (
            <li key={l.id}>
              <Link className="text-sky-700 hover:underline" href={`/listeners/${l.id}`}>
                {l.name}
              </Link>
            </li>
          ))}
        </ul>
      ) : (
        <p className="text-sm text-slate-500">{t('lb.certificateUnused')}</p>
      )}
    </Panel>
  );
}
