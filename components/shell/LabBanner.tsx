'use client';
import { useQuery } from '@tanstack/react-query';
import { useI18n } from '../i18n/context';
import { useTRPC } from '../trpc';

/** Says plainly when the data plane's lab is not running (e.g. the console is not root). */
export function LabBanner() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.system.status.queryOptions(), staleTime: 60_000 });
  if (!q.data?.note) return null;
  return (
    <div
      role="status"
      data-testid="lab-note"
      className="mb-4 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900"
    >
      <strong>{t('lab.note')}:</strong> {q.data.note}
    </div>
  );
}
