'use client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useI18n } from '../i18n/context';
import { useTRPC } from '../trpc';
import { Alert, Badge, Button, FieldRow, Panel, Select, TextInput } from '../ui/primitives';
import { describeError } from './api';
import { RefName } from './RefName';
import type { Row } from './types';

interface NicRow {
  id: string;
  l3Id: string;
  role: string;
  ip: string;
  mac: string;
  deviceIndex: number;
  isDefault: boolean;
  active: boolean;
}

function NicTable({ nics }: { nics: NicRow[] }) {
  const { t } = useI18n();
  return (
    <table className="w-full text-left text-sm" data-testid="nics">
      <thead className="text-xs uppercase text-slate-500">
        <tr>
          <th>#</th>
          <th>{t('field.l2')}</th>
          <th>{t('field.role')}</th>
          <th>{t('field.ip')}</th>
          <th>{t('field.mac')}</th>
          <th>{t('field.default')}</th>
        </tr>
      </thead>
      <tbody>
        {nics.map((n) => (
          <tr key={n.id} className="border-t border-slate-100">
            <td className="py-1">eth{n.deviceIndex}</td>
            <td>
              <RefName router="l3" id={n.l3Id} />
            </td>
            <td>{n.role}</td>
            <td className="font-mono">{n.ip}</td>
            <td className="font-mono">{n.mac}</td>
            <td>
              {n.isDefault ? '✓' : ''} {!n.active && <Badge tone="amber">{t('vm.pendingReboot')}</Badge>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

type Kind = 'ping' | 'tcp' | 'udp' | 'http' | 'dns' | 'listen';
interface Ran {
  at: string;
  label: string;
  ok: boolean;
  summary: string;
  ms: number;
}

/** Runs the fixed set of checks from inside the VM (never arbitrary shell) and keeps a history. */
export function VerifyPanel({ vmId }: { vmId: string }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const run = useMutation(trpc.vm.check.mutationOptions());
  const [kind, setKind] = useState<Kind>('ping');
  const [target, setTarget] = useState('');
  const [port, setPort] = useState('80');
  const [url, setUrl] = useState('http://example.com/');
  const [name, setName] = useState('example.com');
  const [history, setHistory] = useState<Ran[]>([]);
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const check =
      kind === 'http'
        ? { kind, url }
        : kind === 'dns'
          ? { kind, name }
          : kind === 'listen'
            ? { kind, port: Number(port), protocol: 'tcp' as const, seconds: 30 }
            : kind === 'ping'
              ? { kind, target, count: 3 }
              : { kind, target, port: Number(port) };
    try {
      const r = await run.mutateAsync({ vmId, check });
      const label =
        kind === 'http'
          ? `GET ${url}`
          : kind === 'dns'
            ? `DNS ${name}`
            : kind === 'listen'
              ? `listen ${port}`
              : `${kind} ${target}${kind === 'ping' ? '' : `:${port}`}`;
      setHistory((h) =>
        [{ at: new Date().toLocaleTimeString(), label, ok: r.ok, summary: r.summary, ms: r.ms }, ...h].slice(0, 20),
      );
    } catch (err) {
      setError(describeError(err).message);
    }
  }

  return (
    <Panel title={t('verify.title')}>
      <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-3" data-testid="verify-form">
        <div className="w-32">
          <FieldRow id="verify-kind" label={t('verify.kind')}>
            <Select id="verify-kind" value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
              {(['ping', 'tcp', 'udp', 'http', 'dns', 'listen'] as const).map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </Select>
          </FieldRow>
        </div>
        {(kind === 'ping' || kind === 'tcp' || kind === 'udp') && (
          <div className="w-56">
            <FieldRow id="verify-target" label={t('verify.target')}>
              <TextInput id="verify-target" value={target} onChange={(e) => setTarget(e.target.value)} />
            </FieldRow>
          </div>
        )}
        {(kind === 'tcp' || kind === 'udp' || kind === 'listen') && (
          <div className="w-24">
            <FieldRow id="verify-port" label={t('verify.port')}>
              <TextInput id="verify-port" value={port} onChange={(e) => setPort(e.target.value)} />
            </FieldRow>
          </div>
        )}
        {kind === 'http' && (
          <div className="w-72">
            <FieldRow id="verify-url" label={t('verify.url')}>
              <TextInput id="verify-url" value={url} onChange={(e) => setUrl(e.target.value)} />
            </FieldRow>
          </div>
        )}
        {kind === 'dns' && (
          <div className="w-56">
            <FieldRow id="verify-name" label={t('verify.name')}>
              <TextInput id="verify-name" value={name} onChange={(e) => setName(e.target.value)} />
            </FieldRow>
          </div>
        )}
        <Button type="submit" disabled={run.isPending}>
          {run.isPending ? t('common.working') : t('verify.run')}
        </Button>
      </form>
      {error && (
        <div className="mt-3">
          <Alert>{error}</Alert>
        </div>
      )}
      {history.length === 0 ? (
        <p className="mt-3 text-sm text-slate-500">{t('verify.none')}</p>
      ) : (
        <table className="mt-3 w-full text-left text-sm" data-testid="verify-results">
          <thead className="text-xs uppercase text-slate-500">
            <tr>
              <th>{t('verify.kind')}</th>
              <th>{t('verify.result')}</th>
              <th>{t('verify.time')}</th>
            </tr>
          </thead>
          <tbody>
            {history.map((h, i) => (
              <tr key={i} className="border-t border-slate-100">
                <td className="py-1">{h.label}</td>
                <td>
                  <Badge tone={h.ok ? 'green' : 'amber'}>{h.ok ? '✓' : '✗'}</Badge> {h.summary}
                </td>
                <td>{h.ms} ms</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

export function VmSections({ vm }: { vm: Row }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const act = useMutation(trpc.vm.action.mutationOptions());
  const [error, setError] = useState<string | null>(null);
  const state = String(vm.state);
  const doAction = async (action: 'start' | 'stop' | 'reboot') => {
    setError(null);
    try {
      await act.mutateAsync({ id: vm.id, action });
      await qc.invalidateQueries(trpc.vm.pathFilter());
    } catch (err) {
      setError(describeError(err).message);
    }
  };
  return (
    <>
      <Panel
        title={t('vm.nics')}
        action={
          <div className="flex gap-2">
            {state === 'stopped' && <Button onClick={() => doAction('start')}>{t('vm.start')}</Button>}
            {state === 'running' && (
              <>
                <Button variant="secondary" onClick={() => doAction('reboot')}>
                  {t('vm.reboot')}
                </Button>
                <Button variant="secondary" onClick={() => doAction('stop')}>
                  {t('vm.stop')}
                </Button>
              </>
            )}
          </div>
        }
      >
        <NicTable nics={vm.nics as NicRow[]} />
        {error && (
          <div className="mt-2">
            <Alert>{error}</Alert>
          </div>
        )}
      </Panel>
      <VerifyPanel vmId={vm.id} />
    </>
  );
}

interface SyncRow {
  inSync: boolean;
  appliedGeneration: number;
  desiredGeneration: number;
  lastError: string | null;
  drift: boolean;
}

export function VRouterSections({ router }: { router: Row }) {
  const { t } = useI18n();
  return (
    <>
      <Panel title={t('vm.nics')}>
        <NicTable nics={router.nics as NicRow[]} />
      </Panel>
      <SyncSection sync={router.sync as SyncRow | null} />
    </>
  );
}

/** An agent's sync status on a host's or vRouter's page. */
export function SyncSection({ sync }: { sync: SyncRow | null }) {
  const { t } = useI18n();
  return (
    <>
      <Panel title={t('sync.title')}>
        {sync ? (
          <div className="space-y-2 text-sm" data-testid="sync">
            <p>
              <Badge tone={sync.inSync ? 'green' : 'amber'}>
                {sync.inSync ? t('sync.inSync') : sync.drift ? t('sync.drift') : t('sync.pending')}
              </Badge>{' '}
              {t('sync.applied', { applied: sync.appliedGeneration, desired: sync.desiredGeneration })}
            </p>
            {sync.lastError && <Alert>{sync.lastError}</Alert>}
          </div>
        ) : (
          '—'
        )}
      </Panel>
    </>
  );
}
