'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { useI18n } from '../i18n/context';
import { useActor } from '../shell/actor';
import { Alert, Button, Modal, Spinner } from '../ui/primitives';
import { useRouterOptions } from './api';
import { resourceBySlug } from './defs';
import { L2Sections, L3Sections, VxlanPoolSections } from './DetailSections';
import { SyncSection, VmSections, VRouterSections } from './ComputeSections';
import { ResourceForm } from './ResourceForm';
import { SecurityGroupSections, VmSecuritySection } from './SecuritySections';
import { LbCertificateSections, ListenerSections, LoadBalancerSections } from './LoadBalancingSections';
import {
  EipSections,
  PortForwardSections,
  RouteTableSections,
  VipSections,
  VmServicesSection,
  VRouterL3Section,
} from './ServiceSections';
import type { Row } from './types';

function show(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (Array.isArray(v)) return v.length ? v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ') : '—';
  if (typeof v === 'boolean') return v ? '✓' : '✗';
  return String(v);
}

export function ResourceDetail({ slug, id }: { slug: string; id: string }) {
  const def = resourceBySlug(slug)!;
  const { t } = useI18n();
  const actor = useActor();
  const r = useRouterOptions(def.router);
  const queryClient = useQueryClient();
  const q = useQuery(r.get.queryOptions({ id }));
  const update = useMutation(r.update.mutationOptions());
  const [editing, setEditing] = useState(false);
  const canWrite = !def.readOnly && (!def.adminWrites || actor.role === 'admin');

  if (q.isPending) return <Spinner label={t('common.loading')} />;
  if (q.isError) return <Alert>{q.error.message}</Alert>;
  const row = q.data as Row;
  const columnLabel = new Map(def.columns.map((c) => [c.key, c]));

  return (
    <section className="space-y-6">
      <div className="flex items-center justify-between">
        <div>
          <Link href={`/${slug}`} className="text-sm text-sky-700 hover:underline">
            ← {t(def.title)}
          </Link>
          <h1 className="text-xl font-semibold">{row.name}</h1>
        </div>
        {canWrite && (
          <Button variant="secondary" onClick={() => setEditing(true)}>
            {t('common.edit')}
          </Button>
        )}
      </div>
      <dl className="grid grid-cols-[12rem_1fr] gap-x-4 gap-y-2 rounded-lg border border-slate-200 bg-white p-4 text-sm">
        {Object.entries(row)
          .filter(
            ([k]) =>
              ![
                'id',
                'accountId',
                'nics',
                'sync',
                'entries',
                'usedBy',
                'vrouterIds',
                'rules',
                'members',
                'l3Ids',
                'listeners',
                'backends',
                'policies',
                'healthCheckHttpCodes',
                'sans',
              ].includes(k) && !def.hidden?.includes(k),
          )
          .map(([k, v]) => {
            const col = columnLabel.get(k);
            return (
              <div key={k} className="contents">
                <dt className="text-slate-500">{col ? t(col.label) : k === 'description' ? t('field.description') : k}</dt>
                <dd data-field={k}>{col?.render ? col.render(row) : show(v)}</dd>
              </div>
            );
          })}
      </dl>
      {def.detail === 'l3' && <L3Sections l3={row} canWrite={canWrite} />}
      {def.detail === 'l2' && <L2Sections l2={row} canWrite={canWrite} />}
      {def.detail === 'vxlanPool' && <VxlanPoolSections pool={row} canWrite={canWrite} />}
      {def.detail === 'vm' && <VmSections vm={row} />}
      {def.detail === 'vrouter' && <VRouterSections router={row} />}
      {/* vRouters are read-only as resources; whoever sees one (its owner, or the admin) may attach and detach networks (R-MPUB-1). */}
      {def.detail === 'vrouter' && <VRouterL3Section router={row} />}
      {def.detail === 'vm' && <VmServicesSection vmId={row.id} />}
      {def.detail === 'vm' && <VmSecuritySection vm={row} />}
      {def.detail === 'vip' && <VipSections vip={row} />}
      {def.detail === 'eip' && <EipSections eip={row} />}
      {def.detail === 'portForward' && <PortForwardSections rule={row} />}
      {def.detail === 'routeTable' && <RouteTableSections table={row} canWrite={canWrite} />}
      {def.detail === 'securityGroup' && <SecurityGroupSections group={row} canWrite={canWrite} />}
      {def.detail === 'loadBalancer' && <LoadBalancerSections lb={row} />}
      {def.detail === 'listener' && <ListenerSections listener={row} />}
      {def.detail === 'lbCertificate' && <LbCertificateSections cert={row} />}
      {def.slug === 'hosts' && <SyncSection sync={row.sync as Parameters<typeof SyncSection>[0]['sync']} />}
      <Modal open={editing} title={t('common.edit')} onClose={() => setEditing(false)}>
        <ResourceForm
          fields={[
            { name: 'name', label: 'field.name', kind: 'text', initial: row.name },
            {
              name: 'description',
              label: 'field.description',
              kind: 'text',
              initial: String(row.description ?? ''),
              optional: true,
            },
          ]}
          toInput={(v) => ({ id, name: String(v.name).trim(), description: String(v.description).trim() })}
          submit={(input) => update.mutateAsync(input)}
          onCancel={() => setEditing(false)}
          onDone={async () => {
            setEditing(false);
            await queryClient.invalidateQueries(r.pathFilter());
          }}
          submitLabel={t('common.save')}
        />
      </Modal>
    </section>
  );
}
