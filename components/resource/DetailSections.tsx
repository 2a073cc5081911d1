'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { AddRange, CreateVxlanNetwork } from '@/server/domain/schema';
import { useI18n } from '../i18n/context';
import { useActor } from '../shell/actor';
import { useTRPC } from '../trpc';
import { Button, Modal, Panel, Spinner } from '../ui/primitives';
import { ConfirmButton } from './ConfirmButton';
import { rangeFields, rangeInput } from './defs';
import { RefName } from './RefName';
import { ResourceForm } from './ResourceForm';
import type { Row } from './types';

/** L3 detail: ranges (add / delete, R-L3-4/5) and IP usage. */
export function L3Sections({ l3, canWrite }: { l3: Row; canWrite: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const ranges = useQuery(trpc.l3.ranges.queryOptions({ id: l3.id }));
  const usage = useQuery(trpc.l3.usage.queryOptions({ l3Id: l3.id }));
  const addRange = useMutation(trpc.l3.addRange.mutationOptions());
  const deleteRange = useMutation(trpc.l3.deleteRange.mutationOptions());
  const share = useMutation(trpc.l3.share.mutationOptions());
  const actor = useActor();
  const [adding, setAdding] = useState(false);
  const refresh = () => qc.invalidateQueries(trpc.l3.pathFilter());
  const dhcpAllowed = Boolean(l3.dhcpEnabled) && !l3.dhcpServerIp;

  return (
    <>
      {l3.category === 'public' && actor.role === 'admin' && (
        <div className="flex justify-end">
          <Button
            variant="secondary"
            onClick={async () => (await share.mutateAsync({ id: l3.id, shared: !l3.shared }), refresh())}
          >
            {l3.shared ? t('common.unshare') : t('common.share')}
          </Button>
        </div>
      )}
      <Panel title={t('l3.ranges')} action={canWrite && <Button onClick={() => setAdding(true)}>{t('l3.addRange')}</Button>}>
        {ranges.isPending ? (
          <Spinner label={t('common.loading')} />
        ) : ranges.data?.length ? (
          <table className="w-full text-left text-sm" data-testid="ranges">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th>{t('field.startIp')}</th>
                <th>{t('field.endIp')}</th>
                <th>{t('field.netmask')}</th>
                <th>{t('field.gateway')}</th>
                <th>{t('field.cidr')}</th>
                <th>{t('field.size')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {ranges.data.map((r) => (
                <tr key={r.id} className="border-t border-slate-100">
                  <td className="py-1">{r.startIp}</td>
                  <td>{r.endIp}</td>
                  <td>{r.netmask}</td>
                  <td>{r.gateway}</td>
                  <td>{r.cidr}</td>
                  <td>{r.size}</td>
                  <td className="text-right">
                    {canWrite && (
                      <ConfirmButton
                        label={t('common.delete')}
                        title={t('common.delete')}
                        question={t('common.deleteConfirm', { name: `${r.startIp}–${r.endIp}` })}
                        onConfirm={async () => {
                          await deleteRange.mutateAsync({ id: r.id });
                          await refresh();
                        }}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="text-sm text-slate-500">{t('common.empty')}</p>
        )}
      </Panel>
      <Panel title={t('l3.usage')}>
        {usage.data ? (
          <div className="space-y-3 text-sm">
            <p data-testid="ip-usage">{t('l3.usedOf', { used: usage.data.used, total: usage.data.total })}</p>
            <div className="h-2 w-full rounded bg-slate-100">
              <div
                className="h-2 rounded bg-sky-600"
                style={{ width: `${usage.data.total ? Math.min(100, (usage.data.used / usage.data.total) * 100) : 0}%` }}
              />
            </div>
            {usage.data.holders.length > 0 && (
              <table className="w-full text-left">
                <thead className="text-xs uppercase text-slate-500">
                  <tr>
                    <th>{t('field.ip')}</th>
                    <th>{t('field.kind')}</th>
                    <th>{t('field.holder')}</th>
                  </tr>
                </thead>
                <tbody>
                  {usage.data.holders.map((h) => (
                    <tr key={h.ip} className="border-t border-slate-100">
                      <td className="py-1 font-mono">{h.ip}</td>
                      <td>{h.kind}</td>
                      <td>{h.ownerType ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        ) : (
          <Spinner label={t('common.loading')} />
        )}
      </Panel>
      <Modal open={adding} title={t('l3.addRange')} onClose={() => setAdding(false)} wide>
        <ResourceForm
          idPrefix="range"
          fields={[
            ...rangeFields,
            ...(dhcpAllowed
              ? [{ name: 'dhcpServerIp', label: 'field.dhcpServerIp' as const, kind: 'text' as const, optional: true }]
              : []),
          ]}
          schema={AddRange}
          toInput={(v) => ({
            l3Id: l3.id,
            name: '',
            range: rangeInput(v),
            dhcpServerIp: String(v.dhcpServerIp ?? '').trim() || null,
          })}
          submit={(input) => addRange.mutateAsync(input as Parameters<typeof addRange.mutateAsync>[0])}
          onCancel={() => setAdding(false)}
          onDone={async () => {
            setAdding(false);
            await refresh();
          }}
        />
      </Modal>
    </>
  );
}

/** L2 detail: clusters it is attached to (R-L2-3), attach / detach, share. */
export function L2Sections({ l2, canWrite }: { l2: Row; canWrite: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const clusters = useQuery(trpc.cluster.list.queryOptions({ pageSize: 200, sort: 'name' }));
  const attach = useMutation(trpc.l2.attachCluster.mutationOptions());
  const detach = useMutation(trpc.l2.detachCluster.mutationOptions());
  const share = useMutation(trpc.l2.share.mutationOptions());
  const [error, setError] = useState<string | null>(null);
  const attached = (l2.clusterIds as string[] | undefined) ?? [];
  const refresh = () => qc.invalidateQueries(trpc.l2.pathFilter());
  if (l2.type === 'vxlan') return null;
  return (
    <Panel
      title={t('field.clusters')}
      action={
        canWrite && (
          <Button
            variant="secondary"
            onClick={async () => (await share.mutateAsync({ id: l2.id, shared: !l2.shared }), refresh())}
          >
            {l2.shared ? t('common.unshare') : t('common.share')}
          </Button>
        )
      }
    >
      <ul className="space-y-1 text-sm">
        {attached.map((cid) => (
          <li key={cid} className="flex items-center justify-between">
            <RefName router="cluster" id={cid} />
            {canWrite && (
              <ConfirmButton
                label={t('common.detach')}
                title={t('common.detach')}
                question={t('common.deleteConfirm', { name: cid.slice(0, 8) })}
                onConfirm={async () => (await detach.mutateAsync({ id: l2.id, clusterId: cid }), refresh())}
              />
            )}
          </li>
        ))}
      </ul>
      {canWrite && (
        <div className="mt-3 flex flex-wrap items-center gap-2 text-sm">
          {clusters.data?.items
            .filter((c) => !attached.includes(c.id))
            .map((c) => (
              <Button
                key={c.id}
                variant="secondary"
                onClick={async () => {
                  setError(null);
                  try {
                    await attach.mutateAsync({ id: l2.id, clusterId: c.id });
                    await refresh();
                  } catch (err) {
                    setError((err as Error).message);
                  }
                }}
              >
                {t('l2.attachCluster')}: {c.name}
              </Button>
            ))}
        </div>
      )}
      {error && (
        <p role="alert" className="mt-2 text-sm text-red-600">
          {error}
        </p>
      )}
    </Panel>
  );
}

/** VXLAN pool detail: clusters with their VTEP CIDR, and VXLAN networks created from the pool. */
export function VxlanPoolSections({ pool, canWrite }: { pool: Row; canWrite: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const attach = useMutation(trpc.vxlanPool.attachCluster.mutationOptions());
  const createNet = useMutation(trpc.l2.createVxlan.mutationOptions());
  const nets = useQuery(trpc.l2.list.queryOptions({ type: 'vxlan', pageSize: 200 }));
  const [attaching, setAttaching] = useState(false);
  const [creating, setCreating] = useState(false);
  const links = (pool.clusters as Array<{ clusterId: string; vtepCidr: string }>) ?? [];
  const refresh = () =>
    Promise.all([qc.invalidateQueries(trpc.vxlanPool.pathFilter()), qc.invalidateQueries(trpc.l2.pathFilter())]);
  return (
    <>
      <Panel
        title={t('field.clusters')}
        action={canWrite && <Button onClick={() => setAttaching(true)}>{t('common.attach')}</Button>}
      >
        <ul className="text-sm">
          {links.map((l) => (
            <li key={l.clusterId}>
              <RefName router="cluster" id={l.clusterId} /> · {t('field.vtepCidr')} {l.vtepCidr}
            </li>
          ))}
        </ul>
      </Panel>
      <Panel title={t('vxlan.networks')} action={<Button onClick={() => setCreating(true)}>{t('vxlan.createNetwork')}</Button>}>
        <ul className="text-sm">
          {nets.data?.items
            .filter((n) => n.vxlanPoolId === pool.id)
            .map((n) => (
              <li key={n.id}>
                {n.name} · VNI {n.vni}
              </li>
            ))}
        </ul>
      </Panel>
      <Modal open={attaching} title={t('common.attach')} onClose={() => setAttaching(false)}>
        <ResourceForm
          idPrefix="attach"
          fields={[
            { name: 'clusterId', label: 'field.cluster', kind: 'ref', ref: { router: 'cluster' } },
            { name: 'vtepCidr', label: 'field.vtepCidr', kind: 'text', placeholder: '172.20.0.0/16' },
          ]}
          toInput={(v) => ({ id: pool.id, clusterId: String(v.clusterId), vtepCidr: String(v.vtepCidr).trim() })}
          submit={(input) => attach.mutateAsync(input as Parameters<typeof attach.mutateAsync>[0])}
          onCancel={() => setAttaching(false)}
          onDone={async () => (setAttaching(false), await refresh())}
        />
      </Modal>
      <Modal open={creating} title={t('vxlan.createNetwork')} onClose={() => setCreating(false)}>
        <ResourceForm
          idPrefix="vxnet"
          fields={[
            { name: 'name', label: 'field.name', kind: 'text' },
            { name: 'vni', label: 'field.vni', kind: 'number', optional: true },
          ]}
          schema={CreateVxlanNetwork}
          toInput={(v) => ({
            name: String(v.name).trim(),
            poolId: pool.id,
            vni: String(v.vni).trim() === '' ? null : Number(v.vni),
          })}
          submit={(input) => createNet.mutateAsync(input as Parameters<typeof createNet.mutateAsync>[0])}
          onCancel={() => setCreating(false)}
          onDone={async () => (setCreating(false), await refresh())}
        />
      </Modal>
    </>
  );
}
