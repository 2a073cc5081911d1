'use client';
import { useQuery } from '@tanstack/react-query';
import { useRouterOptions } from './api';
import type { RouterKey } from './types';

/** The name of a referenced resource (queries are cached and batched, so a table stays cheap). */
export function RefName({ router, id }: { router: RouterKey; id: string }) {
  const r = useRouterOptions(router);
  const q = useQuery({ ...r.get.queryOptions({ id }), staleTime: 60_000 });
  if (q.isPending) return <span className="text-slate-400">…</span>;
  if (q.isError) return <span className="text-slate-400">{id.slice(0, 8)}</span>;
  return <span>{String(q.data.name)}</span>;
}
