'use client';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { useI18n } from '../i18n/context';
import { Alert, Button, Modal, Spinner, TextInput } from '../ui/primitives';
import { useTRPCClient } from '../trpc';
import { useRouterOptions } from './api';
import { ConfirmButton } from './ConfirmButton';
import { resourceBySlug } from './defs';
import { ResourceForm } from './ResourceForm';
import type { Row } from './types';
import { useActor } from '../shell/actor';

const PAGE_SIZE = 20;

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const h = setTimeout(() => setV(value), ms);
    return () => clearTimeout(h);
  }, [value, ms]);
  return v;
}

export function ResourcePage({ slug }: { slug: string }) {
  const def = resourceBySlug(slug)!;
  const { t } = useI18n();
  const actor = useActor();
  const r = useRouterOptions(def.router);
  const queryClient = useQueryClient();
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<{ key: string; dir: 'asc' | 'desc' }>({ key: 'createdAt', dir: 'asc' });
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const term = useDebounced(search, 250);

  const q = useQuery({
    ...r.list.queryOptions({
      ...def.filter,
      search: term || undefined,
      sort: sort.key,
      dir: sort.dir,
      page,
      pageSize: PAGE_SIZE,
    }),
    placeholderData: keepPreviousData,
  });
  const create = useMutation(r.create.mutationOptions());
  const client = useTRPCClient();
  const remove = useMutation(r.delete.mutationOptions());
  const canWrite = !def.readOnly && (!def.adminWrites || actor.role === 'admin');
  const pages = Math.max(1, Math.ceil((q.data?.total ?? 0) / PAGE_SIZE));
  const invalidate = () => queryClient.invalidateQueries(r.pathFilter());

  return (
    <section aria-labelledby="page-title">
      <div className="mb-4 flex items-center justify-between gap-4">
        <h1 id="page-title" className="text-xl font-semibold">
          {t(def.title)}
        </h1>
        <div className="flex items-center gap-2">
          <TextInput
            aria-label={t('common.search')}
            placeholder={t('common.search')}
            value={search}
            onChange={(e) => (setSearch(e.target.value), setPage(1))}
            className="w-64"
          />
          {def.create && canWrite && <Button onClick={() => setCreating(true)}>{t('common.create')}</Button>}
        </div>
      </div>

      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        {q.isPending ? (
          <Spinner label={t('common.loading')} />
        ) : q.isError ? (
          <div className="p-4">
            <Alert>
              {t('common.error')}: {q.error.message}{' '}
              <button className="underline" onClick={() => q.refetch()}>
                {t('common.retry')}
              </button>
            </Alert>
          </div>
        ) : q.data.items.length === 0 ? (
          <p className="p-6 text-center text-sm text-slate-500">{term ? t('common.emptySearch') : t('common.empty')}</p>
        ) : (
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-200 bg-slate-50 text-xs uppercase text-slate-500">
              <tr>
                {def.columns.map((c) => (
                  <th
                    key={c.key}
                    className="px-3 py-2 font-medium"
                    aria-sort={sort.key === c.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}
                  >
                    {c.sortable ? (
                      <button
                        className="inline-flex items-center gap-1 uppercase hover:text-slate-800"
                        onClick={() => setSort((s) => ({ key: c.key, dir: s.key === c.key && s.dir === 'asc' ? 'desc' : 'asc' }))}
                      >
                        {t(c.label)}
                        <span aria-hidden>{sort.key === c.key ? (sort.dir === 'asc' ? '▲' : '▼') : '↕'}</span>
                      </button>
                    ) : (
                      t(c.label)
                    )}
                  </th>
                ))}
                <th className="px-3 py-2 text-right font-medium">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {(q.data.items as Row[]).map((row) => (
                <tr key={row.id} className="border-b border-slate-100 last:border-0 hover:bg-slate-50">
                  {def.columns.map((c) => (
                    <td key={c.key} className="px-3 py-2">
                      {c.key === 'name' ? (
                        <Link className="font-medium text-sky-700 hover:underline" href={`/${def.slug}/${row.id}`}>
                          {row.name}
                        </Link>
                      ) : c.render ? (
                        c.render(row)
                      ) : (
                        String(row[c.key] ?? '—')
                      )}
                    </td>
                  ))}
                  <td className="px-3 py-2 text-right">
                    {canWrite && (
                      <ConfirmButton
                        label={t('common.delete')}
                        title={t('common.delete')}
                        question={t('common.deleteConfirm', { name: row.name })}
                        onConfirm={async () => {
                          await remove.mutateAsync({ id: row.id });
                          await invalidate();
                        }}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>

      {q.data && q.data.total > 0 && (
        <nav className="mt-3 flex items-center justify-between text-sm text-slate-600" aria-label="pagination">
          <span>{t('common.pageOf', { page, pages, total: q.data.total })}</span>
          <div className="flex gap-2">
            <Button variant="secondary" disabled={page <= 1} onClick={() => setPage((p) => p - 1)}>
              {t('common.prev')}
            </Button>
            <Button variant="secondary" disabled={page >= pages} onClick={() => setPage((p) => p + 1)}>
              {t('common.next')}
            </Button>
          </div>
        </nav>
      )}

      {def.create && (
        <Modal open={creating} title={`${t('common.create')} · ${t(def.title)}`} onClose={() => setCreating(false)} wide>
          <ResourceForm
            fields={def.create.fields}
            schema={def.create.schema}
            toInput={def.create.toInput}
            submit={(input) => create.mutateAsync(input)}
            preview={
              def.create.preview
                ? (input) => client[def.router as 'eip' | 'portForward'].previewCreate.mutate(input as never)
                : undefined
            }
            onCancel={() => setCreating(false)}
            onDone={async () => {
              setCreating(false);
              await invalidate();
            }}
          />
        </Modal>
      )}
    </section>
  );
}
