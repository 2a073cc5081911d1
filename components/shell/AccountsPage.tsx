'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { CreateAccount } from '@/server/domain/schema';
import { useI18n } from '../i18n/context';
import { ResourceForm } from '../resource/ResourceForm';
import { useTRPC } from '../trpc';
import { Alert, Badge, Button, Modal, Spinner } from '../ui/primitives';

export function AccountsPage() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const q = useQuery(trpc.account.list.queryOptions());
  const create = useMutation(trpc.account.create.mutationOptions());
  const [open, setOpen] = useState(false);
  return (
    <section>
      <div className="mb-4 flex items-center justify-between">
        <h1 className="text-xl font-semibold">{t('page.accounts')}</h1>
        <Button onClick={() => setOpen(true)}>{t('common.create')}</Button>
      </div>
      <div className="rounded-lg border border-slate-200 bg-white">
        {q.isPending ? (
          <Spinner label={t('common.loading')} />
        ) : q.isError ? (
          <Alert>{q.error.message}</Alert>
        ) : (
          <table className="w-full text-left text-sm">
            <thead className="border-b bg-slate-50 text-xs uppercase text-slate-500">
              <tr>
                <th className="px-3 py-2">{t('field.name')}</th>
                <th className="px-3 py-2">{t('field.role')}</th>
                <th className="px-3 py-2">{t('field.createdAt')}</th>
              </tr>
            </thead>
            <tbody>
              {q.data.map((a) => (
                <tr key={a.id} className="border-b border-slate-100 last:border-0">
                  <td className="px-3 py-2 font-medium">{a.name}</td>
                  <td className="px-3 py-2">
                    <Badge tone={a.role === 'admin' ? 'amber' : 'slate'}>
                      {t(a.role === 'admin' ? 'opt.admin' : 'opt.tenant')}
                    </Badge>
                  </td>
                  <td className="px-3 py-2">{new Date(a.createdAt).toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <Modal open={open} title={`${t('common.create')} · ${t('page.accounts')}`} onClose={() => setOpen(false)}>
        <ResourceForm
          idPrefix="account"
          fields={[
            { name: 'name', label: 'field.name', kind: 'text' },
            { name: 'password', label: 'field.password', kind: 'text' },
            {
              name: 'role',
              label: 'field.role',
              kind: 'select',
              options: [
                { value: 'tenant', label: 'opt.tenant' },
                { value: 'admin', label: 'opt.admin' },
              ],
              initial: 'tenant',
            },
          ]}
          schema={CreateAccount}
          toInput={(v) => ({ name: String(v.name).trim(), password: String(v.password), role: String(v.role) })}
          submit={(input) => create.mutateAsync(input as Parameters<typeof create.mutateAsync>[0])}
          onCancel={() => setOpen(false)}
          onDone={async () => (setOpen(false), await qc.invalidateQueries(trpc.account.pathFilter()))}
        />
      </Modal>
    </section>
  );
}
