'use client';
import { useState } from 'react';
import { useI18n } from '../i18n/context';
import { Alert, Button, Modal } from '../ui/primitives';
import { describeError } from './api';

/** A destructive action behind a confirmation dialog; the server's refusal is shown in the dialog. */
export function ConfirmButton({
  label,
  title,
  question,
  onConfirm,
  variant = 'danger',
}: {
  label: string;
  title: string;
  question: string;
  onConfirm(): Promise<unknown>;
  variant?: 'danger' | 'ghost';
}) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <Button
        variant={variant === 'danger' ? 'ghost' : variant}
        className={variant === 'danger' ? 'text-red-700 hover:bg-red-50' : undefined}
        onClick={() => (setError(null), setOpen(true))}
      >
        {label}
      </Button>
      <Modal open={open} title={title} onClose={() => setOpen(false)}>
        <p className="mb-4 text-sm text-slate-700">{question}</p>
        {error && <Alert>{error}</Alert>}
        <div className="mt-4 flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setOpen(false)}>
            {t('common.cancel')}
          </Button>
          <Button
            variant="danger"
            disabled={busy}
            onClick={async () => {
              setBusy(true);
              setError(null);
              try {
                await onConfirm();
                setOpen(false);
              } catch (err) {
                setError(describeError(err).message);
              } finally {
                setBusy(false);
              }
            }}
          >
            {busy ? t('common.working') : t('common.confirm')}
          </Button>
        </div>
      </Modal>
    </>
  );
}
