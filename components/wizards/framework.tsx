'use client';
import type { ReactNode } from 'react';
import { useI18n } from '../i18n/context';
import { Badge } from '../ui/primitives';

export type StepState = 'pending' | 'running' | 'done' | 'failed';
export interface StepView {
  label: string;
  state: StepState;
  detail?: string;
}

/** The build progress of a wizard: one line per step, with its outcome. */
export function StepList({ steps }: { steps: StepView[] }) {
  const icon: Record<StepState, ReactNode> = {
    pending: <span className="text-slate-400">○</span>,
    running: <span className="inline-block h-3 w-3 animate-spin rounded-full border-2 border-slate-300 border-t-sky-600" />,
    done: <span className="text-emerald-600">✓</span>,
    failed: <span className="text-red-600">✗</span>,
  };
  return (
    <ol className="space-y-1 text-sm" data-testid="wizard-steps">
      {steps.map((s, i) => (
        <li key={i} data-state={s.state} className="flex items-start gap-2">
          <span className="mt-0.5 w-4">{icon[s.state]}</span>
          <span>
            {s.label}
            {s.detail && <span className={s.state === 'failed' ? ' text-red-700' : ' text-slate-500'}> — {s.detail}</span>}
          </span>
        </li>
      ))}
    </ol>
  );
}

export interface VerifyRowView {
  from: string;
  to: string;
  check: string;
  expected: boolean;
  observed?: boolean;
  summary?: string;
  ms?: number;
}

/** The scenario's verification table: expected vs observed, a row passes when they agree. */
export function VerifyTable({ rows }: { rows: VerifyRowView[] }) {
  const { t } = useI18n();
  const word = (ok: boolean) => (ok ? t('wizard.reachable') : t('wizard.unreachable'));
  return (
    <table className="w-full text-left text-sm" data-testid="verify-table">
      <thead className="text-xs uppercase text-slate-500">
        <tr>
          <th className="py-1">From</th>
          <th>To</th>
          <th>{t('verify.kind')}</th>
          <th>{t('wizard.expected')}</th>
          <th>{t('wizard.observed')}</th>
          <th>{t('verify.time')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => {
          if (r.check === 'action') {
            return (
              <tr
                key={i}
                className="border-t border-slate-100 bg-slate-50"
                data-pass={r.observed === undefined ? 'pending' : 'true'}
                data-action="true"
              >
                <td className="py-1 text-slate-500" colSpan={6}>
                  → {r.to} {r.observed === undefined ? '…' : '✓'}
                </td>
              </tr>
            );
          }
          const pass = r.observed === undefined ? undefined : r.observed === r.expected;
          return (
            <tr key={i} className="border-t border-slate-100" data-pass={pass === undefined ? 'pending' : String(pass)}>
              <td className="py-1">{r.from}</td>
              <td>{r.to}</td>
              <td>{r.check}</td>
              <td>{word(r.expected)}</td>
              <td>
                {r.observed === undefined ? (
                  '…'
                ) : (
                  <Badge tone={pass ? 'green' : 'amber'}>
                    {pass ? '✓' : '✗'} {word(r.observed)}
                  </Badge>
                )}{' '}
                <span className="text-slate-500">{r.summary}</span>
              </td>
              <td>{r.ms !== undefined ? `${r.ms} ms` : ''}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
