'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { CreateApiToken } from '@/server/domain/schema';
import { useI18n } from '../i18n/context';
import { ConfirmButton } from '../resource/ConfirmButton';
import { ResourceForm } from '../resource/ResourceForm';
import { useTRPC } from '../trpc';
import { Alert, Badge, Button, Modal, Spinner } from '../ui/primitives';

export function ApiTokensPage() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const q = useQuery(trpc.apiToken.list.queryOptions());
  const create = useMutation(trpc.apiToken.create.mutationOptions());
  const revoke = useMutation(trpc.apiToken.revoke.mutationOptions());
  const [open, setOpen] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const refresh = () => qc.invalidateQueries(trpc.apiToken.pathFilter());
  return (
    <section className="space-y-4">
      <div className="flex items-center justify-between">
        <h1 className="text-xl font-semibold">{t('page.apiTokens')}</h1>
        <Button onClick={() => (setSecret(null), setOpen(true))}>{t('token.create')}</Button>
      </div>
      {secret && (
        <Alert tone="success">
          {t('token.shownOnce')}{' '}
          <code data-testid="new-token" className="break-all font-mono">
            {secret}
          </code>
        </Alert>
      )}
      <div className="rounded-lg border border-slate-200 bg-white">
        {q.isPending ? (
          <Spinner label={t('common.loading')} />
        ) : q.isError ? (
          <Alert>{q.error.message}</Alert>
        ) : q.data.length === 0 ? (
          <p className="p-6 text-center text-sm text-slate-500">{t('common.empty')}</p>
        ) : (
          <table className="w-full text-left text-sm">
            <thead className="border-b bg-slate-50 text-xs uppercase text-slate-500">
              <tr>
                <th className="px-3 py-2">{t('field.name')}</th>
                <th className="px-3 py-2">{t('field.prefix')}</th>
                <th className="px-3 py-2">{t('field.createdAt')}</th>
                <th className="px-3 py-2">{t('field.lastUsed')}</th>
                <th className="px-3 py-2" />
              </tr>
            </thead>
            <tbody>
              {q.data.map((tok) => (
                <tr key={tok.id} className="border-b border-slate-100 last:border-0">
                  <td className="px-3 py-2 font-medium">{tok.name}</td>
                  <td className="px-3 py-2 font-mono">{tok.prefix}…</td>
                  <td className="px-3 py-2">{new Date(tok.createdAt).toLocaleString()}</td>
                  <td className="px-3 py-2">{tok.lastUsedAt ? new Date(tok.lastUsedAt).toLocaleString() : '—'}</td>
                  <td className="px-3 py-2 text-right">
                    {tok.revokedAt ? (
                      <Badge>{t('field.revoked')}</Badge>
                    ) : (
                      <ConfirmButton
                        label={t('token.revoke')}
                        title={t('token.revoke')}
                        question={t('token.revokeConfirm', { name: tok.name })}
                        onConfirm={async () => (await revoke.mutateAsync({ id: tok.id }), refresh())}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <Modal open={open} title={t('token.create')} onClose={() => setOpen(false)}>
        <ResourceForm
          idPrefix="token"
          fields={[{ name: 'name', label: 'field.name', kind: 'text' }]}
          schema={CreateApiToken}
          toInput={(v) => ({ name: String(v.name).trim() })}
          submit={(input) => create.mutateAsync(input as Parameters<typeof create.mutateAsync>[0])}
          onCancel={() => setOpen(false)}
          onDone={async (result) => {
            setOpen(false);
            setSecret((result as { token: string }).token);
            await refresh();
          }}
        />
      </Modal>
    </section>
  );
}
