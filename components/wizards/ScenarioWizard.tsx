'use client';
import { useState } from 'react';
import type { MessageKey } from '../i18n/messages';
import { useI18n } from '../i18n/context';
import { useTRPCClient } from '../trpc';
import { describeError } from '../resource/api';
import { Alert, Button, FieldRow, TextInput } from '../ui/primitives';
import { StepList, VerifyTable, type StepView, type VerifyRowView } from './framework';

export type Client = ReturnType<typeof useTRPCClient>;
export type CheckResult = { ok: boolean; summary: string; ms: number };
/**
 * What a wizard shows: data as it is (names, addresses), or a message of the catalogue with its
 * parameters (which may be messages too), translated when shown.
 */
export type Text = string | { key: MessageKey; params?: Record<string, string | number | Text> };

/** What a scenario's build and verification get: the API client, the plan, and the step/row reporters. */
export interface ScenarioContext<P extends Record<string, string>> {
  client: Client;
  plan: P;
  /** One build step, shown live with its outcome. */
  step<T>(label: Text, fn: () => Promise<T>): Promise<T>;
  /** One verification row: a real check, compared with the expectation of SPEC §5. */
  verify(row: { from: Text; to: Text; check: string; expected: boolean }, run: () => Promise<CheckResult>): Promise<boolean>;
  /** An action between checks (unbind, bind, add route entries…), shown as a row without a check. */
  act(label: Text, fn: () => Promise<unknown>): Promise<void>;
}

export interface Scenario<P extends Record<string, string>> {
  title: MessageKey;
  intro: MessageKey;
  plan: P;
  labels: Record<keyof P, MessageKey>;
  build(ctx: ScenarioContext<P>): Promise<unknown>;
  verify(ctx: ScenarioContext<P>, built: unknown): Promise<void>;
}

/**
 * A guided scenario: the seed's address plan (editable), the build with live progress (existing
 * resources with the same name are reused, so it can run again), then the expected verification
 * table of SPEC §5 run with real packets — including the checks that must fail.
 */
export function ScenarioWizard<P extends Record<string, string>>({ scenario }: { scenario: Scenario<P> }) {
  const { t } = useI18n();
  const client = useTRPCClient();
  const [plan, setPlan] = useState<P>(scenario.plan);
  const [steps, setSteps] = useState<StepView[]>([]);
  const [rows, setRows] = useState<VerifyRowView[]>([]);
  const [phase, setPhase] = useState<'plan' | 'build' | 'verify' | 'done' | 'failed'>('plan');
  const [error, setError] = useState<string | null>(null);

  async function run() {
    setError(null);
    setRows([]);
    setPhase('build');
    const log: StepView[] = [];
    const view: VerifyRowView[] = [];
    const say = (x: Text): string =>
      typeof x === 'string'
        ? x
        : t(
            x.key,
            x.params && Object.fromEntries(Object.entries(x.params).map(([k, v]) => [k, typeof v === 'number' ? v : say(v)])),
          );
    const step = async <T,>(text: Text, fn: () => Promise<T>): Promise<T> => {
      const label = say(text);
      log.push({ label, state: 'running' });
      setSteps([...log]);
      try {
        const out = await fn();
        log[log.length - 1] = { label, state: 'done' };
        setSteps([...log]);
        return out;
      } catch (err) {
        log[log.length - 1] = { label, state: 'failed', detail: describeError(err).message };
        setSteps([...log]);
        throw err;
      }
    };
    let allPass = true;
    const verify: ScenarioContext<P>['verify'] = async (row, fn) => {
      const i = view.push({ ...row, from: say(row.from), to: say(row.to) }) - 1;
      setRows([...view]);
      const out = await fn().catch((err: unknown) => ({ ok: false, summary: describeError(err).message, ms: 0 }));
      view[i] = { ...view[i]!, observed: out.ok, summary: out.summary, ms: out.ms };
      setRows([...view]);
      if (out.ok !== row.expected) allPass = false;
      return out.ok;
    };
    const act: ScenarioContext<P>['act'] = async (label, fn) => {
      const i = view.push({ from: '—', to: say(label), check: 'action', expected: true }) - 1;
      setRows([...view]);
      await fn();
      view[i] = { ...view[i]!, observed: true, summary: t('wizard.act.done') };
      setRows([...view]);
    };
    const ctx: ScenarioContext<P> = { client, plan, step, verify, act };
    try {
      const built = await scenario.build(ctx);
      setPhase('verify');
      await scenario.verify(ctx, built);
      setPhase(allPass ? 'done' : 'failed');
    } catch (err) {
      setError(describeError(err).message);
      setPhase('failed');
    }
  }

  const busy = phase === 'build' || phase === 'verify';
  return (
    <section className="space-y-6">
      <div>
        <h1 className="text-xl font-semibold">{t(scenario.title)}</h1>
        <p className="mt-1 max-w-3xl text-sm text-slate-600">{t(scenario.intro)}</p>
      </div>
      <section className="rounded-lg border border-slate-200 bg-white p-4">
        <h2 className="mb-3 font-semibold">1. {t('wizard.plan')}</h2>
        <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
          {(Object.keys(scenario.plan) as Array<keyof P & string>).map((k) => (
            <FieldRow key={k} id={`plan-${k}`} label={t(scenario.labels[k])}>
              <TextInput
                id={`plan-${k}`}
                value={plan[k]}
                disabled={busy}
                onChange={(e) => setPlan({ ...plan, [k]: e.target.value })}
              />
            </FieldRow>
          ))}
        </div>
        <div className="mt-4">
          <Button onClick={run} disabled={busy}>
            {busy ? t('common.working') : t('wizard.start')}
          </Button>
        </div>
      </section>
      {steps.length > 0 && (
        <section className="rounded-lg border border-slate-200 bg-white p-4">
          <h2 className="mb-3 font-semibold">2. {t('wizard.build')}</h2>
          <StepList steps={steps} />
        </section>
      )}
      {rows.length > 0 && (
        <section className="rounded-lg border border-slate-200 bg-white p-4">
          <h2 className="mb-3 font-semibold">3. {t('wizard.verify')}</h2>
          <VerifyTable rows={rows} />
          {phase === 'done' && (
            <div className="mt-3" data-testid="wizard-result">
              <Alert tone="success">{t('wizard.allPassed')}</Alert>
            </div>
          )}
        </section>
      )}
      {phase === 'failed' && (
        <div data-testid="wizard-result">
          <Alert>{error ?? t('wizard.someFailed')}</Alert>
        </div>
      )}
    </section>
  );
}
