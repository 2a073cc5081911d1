'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { useI18n } from '../i18n/context';
import { useTRPC, useTRPCClient } from '../trpc';
import { Alert, Badge, Button, Panel } from '../ui/primitives';
import { ConfirmButton } from './ConfirmButton';
import { describeError } from './api';
import { RefName } from './RefName';
import { ResourceForm } from './ResourceForm';
import type { Row } from './types';

/** Bind an unbound EIP / PF rule to a VM NIC (with the rule preview first), or unbind it. */
function BindPanel({ row, kind }: { row: Row; kind: 'eip' | 'portForward' }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const refresh = () =>
    Promise.all([queryClient.invalidateQueries(trpc[kind].pathFilter()), queryClient.invalidateQueries(trpc.vm.pathFilter())]);
  const unbind = useMutation({
    mutationFn: () =>
      kind === 'eip' ? client.eip.unbind.mutate({ id: row.id }) : client.portForward.unbind.mutate({ id: row.id }),
    onSuccess: refresh,
    onError: (e) => setError(describeError(e).message),
  });
  return (
    <Panel title={t('service.binding')}>
      {row.nicId ? (
        <div className="flex items-center justify-between gap-4 text-sm" data-testid="binding">
          <span>
            {t('field.boundTo')}:{' '}
            <Link className="text-sky-700 hover:underline" href={`/vms/${String(row.vmId)}`}>
              {String(row.vmName)}
            </Link>{' '}
            <span className="font-mono">{String(row.nicIp)}</span>
          </span>
          <Button variant="secondary" disabled={unbind.isPending} onClick={() => unbind.mutate()}>
            {t('service.unbind')}
          </Button>
        </div>
      ) : (
        <ResourceForm
          idPrefix={`bind-${kind}`}
          fields={[{ name: 'nicId', label: 'field.vmNic', kind: 'nic' }]}
          toInput={(v) => ({ id: row.id, nicId: String(v.nicId ?? '') })}
          preview={(input) =>
            kind === 'eip'
              ? client.eip.previewBind.mutate(input as { id: string; nicId: string })
              : client.portForward.previewBind.mutate(input as { id: string; nicId: string })
          }
          submit={(input) =>
            kind === 'eip'
              ? client.eip.bind.mutate(input as { id: string; nicId: string })
              : client.portForward.bind.mutate(input as { id: string; nicId: string })
          }
          onDone={refresh}
          submitLabel={t('service.bind')}
        />
      )}
      {error && <Alert>{error}</Alert>}
    </Panel>
  );
}

export function EipSections({ eip }: { eip: Row }) {
  return <BindPanel row={eip} kind="eip" />;
}

export function PortForwardSections({ rule }: { rule: Row }) {
  return <BindPanel row={rule} kind="portForward" />;
}

const useLabel = (type: string) => {
  const { t } = useI18n();
  return type === 'eip' ? t('page.eips') : type === 'portForward' ? t('page.portForwards') : t('page.vrouters');
};

function UseRow({ u }: { u: { type: string; id: string; name: string } }) {
  const label = useLabel(u.type);
  const href = u.type === 'eip' ? `/eips/${u.id}` : u.type === 'portForward' ? `/port-forwards/${u.id}` : `/vrouters/${u.id}`;
  return (
    <li>
      <Badge tone="slate">{label}</Badge>{' '}
      <Link className="text-sky-700 hover:underline" href={href}>
        {u.name}
      </Link>
    </li>
  );
}

/** What uses a VIP (its delete is refused while anything does). */
export function VipSections({ vip }: { vip: Row }) {
  const { t } = useI18n();
  const used = vip.usedBy as Array<{ type: string; id: string; name: string }>;
  return (
    <Panel title={t('field.usedBy')}>
      {used.length === 0 ? (
        <p className="text-sm text-slate-500">{t('service.vipUnused')}</p>
      ) : (
        <ul className="space-y-1 text-sm" data-testid="vip-used-by">
          {used.map((u) => (
            <UseRow key={u.id} u={u} />
          ))}
        </ul>
      )}
    </Panel>
  );
}

/** R-RT-1: entries "destination CIDR → next hop", and the vRouters the table is attached to. */
export function RouteTableSections({ table, canWrite }: { table: Row; canWrite: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries(trpc.routeTable.pathFilter());
  const entries = table.entries as Array<{ id: string; destination: string; nextHop: string; description: string }>;
  const routerIds = table.vrouterIds as string[];
  const routers = useQuery(trpc.vrouter.list.queryOptions({ pageSize: 200 }));
  const [error, setError] = useState<string | null>(null);
  const run = (fn: () => Promise<unknown>) => fn().then(refresh, (e: unknown) => setError(describeError(e).message));
  return (
    <>
      <Panel title={t('field.routeEntries')}>
        <table className="w-full text-left text-sm" data-testid="route-entries">
          <thead className="text-xs uppercase text-slate-500">
            <tr>
              <th>{t('field.destination')}</th>
              <th>{t('field.nextHop')}</th>
              <th>{t('field.description')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id} className="border-t border-slate-100">
                <td className="py-1 font-mono">{e.destination}</td>
                <td className="font-mono">{e.nextHop}</td>
                <td>{e.description}</td>
                <td className="text-right">
                  {canWrite && (
                    <ConfirmButton
                      label={t('common.delete')}
                      title={t('common.delete')}
                      question={t('common.deleteConfirm', { name: `${e.destination} → ${e.nextHop}` })}
                      onConfirm={() => client.routeTable.removeEntry.mutate({ id: table.id, entryId: e.id }).then(refresh)}
                    />
                  )}
                </td>
              </tr>
            ))}
            {entries.length === 0 && (
              <tr>
                <td colSpan={4} className="py-2 text-slate-500">
                  {t('common.empty')}
                </td>
              </tr>
            )}
          </tbody>
        </table>
        {canWrite && (
          <div className="mt-3">
            <ResourceForm
              idPrefix="route"
              fields={[
                { name: 'destination', label: 'field.destination', kind: 'text', placeholder: '192.168.11.0/24' },
                { name: 'nextHop', label: 'field.nextHop', kind: 'text', placeholder: '10.108.12.5' },
                { name: 'description', label: 'field.description', kind: 'text', optional: true },
              ]}
              toInput={(v) => ({
                id: table.id,
                destination: String(v.destination).trim(),
                nextHop: String(v.nextHop).trim(),
                description: String(v.description ?? '').trim(),
              })}
              preview={(input) =>
                client.routeTable.previewAddEntry.mutate(
                  input as { id: string; destination: string; nextHop: string; description: string },
                )
              }
              submit={(input) =>
                client.routeTable.addEntry.mutate(
                  input as { id: string; destination: string; nextHop: string; description: string },
                )
              }
              onDone={refresh}
              resetOnDone
              submitLabel={t('service.addRoute')}
            />
          </div>
        )}
      </Panel>
      <Panel title={t('field.vrouters')}>
        <ul className="space-y-1 text-sm" data-testid="route-table-routers">
          {(routers.data?.items ?? []).map((r) => {
            const attached = routerIds.includes(r.id);
            const publicIp = r.nics.find((n) => n.role === 'public')?.ip;
            return (
              <li key={r.id} className="flex items-center justify-between gap-2">
                <span>
                  <Link className="text-sky-700 hover:underline" href={`/vrouters/${r.id}`}>
                    {r.name}
                  </Link>{' '}
                  <span className="font-mono text-slate-500">{publicIp}</span> {attached && <Badge tone="green">✓</Badge>}
                </span>
                {canWrite && (
                  <Button
                    variant="secondary"
                    onClick={() =>
                      run(() =>
                        (attached ? client.routeTable.detach : client.routeTable.attach).mutate({
                          id: table.id,
                          vrouterId: r.id,
                        }),
                      )
                    }
                  >
                    {attached ? t('common.detach') : t('common.attach')}
                  </Button>
                )}
              </li>
            );
          })}
        </ul>
        {error && <Alert>{error}</Alert>}
      </Panel>
    </>
  );
}

/** The EIPs and port forwarding rules bound to a VM's NICs. */
export function VmServicesSection({ vmId }: { vmId: string }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const eips = useQuery(trpc.eip.list.queryOptions({ vmId, pageSize: 50 }));
  const pfs = useQuery(trpc.portForward.list.queryOptions({ vmId, pageSize: 50 }));
  return (
    <Panel title={t('service.vmServices')}>
      <ul className="space-y-1 text-sm" data-testid="vm-services">
        {eips.data?.items.map((e) => (
          <li key={e.id}>
            <Badge tone="sky">EIP</Badge>{' '}
            <Link className="text-sky-700 hover:underline" href={`/eips/${e.id}`}>
              {e.name}
            </Link>{' '}
            <span className="font-mono">{e.vip}</span> → <span className="font-mono">{e.nicIp}</span>
          </li>
        ))}
        {pfs.data?.items.map((p) => (
          <li key={p.id}>
            <Badge tone="slate">{p.protocol.toUpperCase()}</Badge>{' '}
            <Link className="text-sky-700 hover:underline" href={`/port-forwards/${p.id}`}>
              {p.name}
            </Link>{' '}
            <span className="font-mono">
              {p.vip}:{p.vipPortStart === p.vipPortEnd ? p.vipPortStart : `${p.vipPortStart}-${p.vipPortEnd}`} → {p.nicIp}:
              {p.vmPortStart === p.vmPortEnd ? p.vmPortStart : `${p.vmPortStart}-${p.vmPortEnd}`}
            </span>
          </li>
        ))}
        {eips.data?.items.length === 0 && pfs.data?.items.length === 0 && <li className="text-slate-500">{t('service.none')}</li>}
      </ul>
    </Panel>
  );
}

/** R-MPUB-1: attach another public L3 (or a vRouter L3) to this vRouter; detach additional ones. */
export function VRouterL3Section({ router }: { router: Row }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const nics = router.nics as Array<{ l3Id: string; role: string; isDefault: boolean }>;
  const refresh = () => queryClient.invalidateQueries(trpc.vrouter.pathFilter());
  return (
    <Panel title={t('service.routerNetworks')}>
      <ul className="mb-3 space-y-1 text-sm">
        {nics
          .filter((n) => n.role === 'private' || (n.role === 'public' && !n.isDefault))
          .map((n) => (
            <li key={n.l3Id} className="flex items-center justify-between">
              <span>
                <Badge tone="slate">{n.role}</Badge> <RefName router="l3" id={n.l3Id} />
              </span>
              <Button
                variant="secondary"
                onClick={() =>
                  client.vrouter.detachL3
                    .mutate({ id: router.id, l3Id: n.l3Id })
                    .then(refresh, (e: unknown) => setError(describeError(e).message))
                }
              >
                {t('common.detach')}
              </Button>
            </li>
          ))}
      </ul>
      <ResourceForm
        idPrefix="router-l3"
        fields={[{ name: 'l3Id', label: 'nav.l3Networks', kind: 'ref', ref: { router: 'l3' } }]}
        toInput={(v) => ({ id: router.id, l3Id: String(v.l3Id ?? '') })}
        submit={(input) => client.vrouter.attachL3.mutate(input as { id: string; l3Id: string })}
        onDone={refresh}
        submitLabel={t('common.attach')}
      />
      {error && <Alert>{error}</Alert>}
    </Panel>
  );
}
