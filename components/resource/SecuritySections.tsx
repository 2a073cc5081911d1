'use client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import type { z } from 'zod';
import { AddSgRule, type SgRuleView, WhyBlockedInput } from '@/server/domain/schema';
import { ruleProtocolText } from '@/server/domain/security/groups';
import { useI18n } from '../i18n/context';
import { useTRPC, useTRPCClient } from '../trpc';
import { Alert, Badge, Button, Panel } from '../ui/primitives';
import { ConfirmButton } from './ConfirmButton';
import { SG_PROTOCOL_OPTIONS } from './defs';
import { describeError } from './api';
import { RefName } from './RefName';
import { ResourceForm } from './ResourceForm';
import type { FieldDef, FormValues, Row } from './types';

/** R-SG-1..3 in the console: a group's rules, networks and NICs; a VM NIC's effective rules; "why blocked?". */
type RuleRow = z.infer<typeof SgRuleView>;

const peerText = (r: RuleRow) =>
  [r.cidr, r.remoteGroupId ? `SG ${r.remoteGroupName ?? r.remoteGroupId}` : null].filter(Boolean).join(' ∩ ') || 'any';

const str = (v: FormValues, k: string) => String(v[k] ?? '').trim();
const optNum = (v: FormValues, k: string) => (str(v, k) === '' ? null : Number(str(v, k)));
const ported = (v: FormValues) => v.protocol === 'tcp' || v.protocol === 'udp';

/** The seed's rule form (类型, 协议, 开始端口, 结束端口, CIDR, 源安全组). */
const RULE_FIELDS: FieldDef[] = [
  {
    name: 'direction',
    label: 'field.direction',
    kind: 'select',
    initial: 'ingress',
    options: [
      { value: 'ingress', label: 'field.ingress' },
      { value: 'egress', label: 'field.egress' },
    ],
  },
  {
    name: 'protocol',
    label: 'field.protocol',
    kind: 'select',
    initial: 'tcp',
    options: SG_PROTOCOL_OPTIONS,
  },
  { name: 'portStart', label: 'field.startPort', kind: 'number', placeholder: '23', showIf: ported },
  { name: 'portEnd', label: 'field.endPort', kind: 'number', placeholder: '1024', optional: true, showIf: ported },
  { name: 'icmpType', label: 'field.icmpType', kind: 'number', initial: '-1', showIf: (v) => v.protocol === 'icmp' },
  { name: 'icmpCode', label: 'field.icmpCode', kind: 'number', initial: '-1', showIf: (v) => v.protocol === 'icmp' },
  { name: 'cidr', label: 'field.cidr', kind: 'text', placeholder: '192.168.10.0/24', optional: true },
  {
    name: 'remoteGroupId',
    label: 'field.remoteGroup',
    kind: 'ref',
    ref: { router: 'securityGroup' },
    optional: true,
    hint: 'sg.remoteHint',
  },
  { name: 'description', label: 'field.description', kind: 'text', optional: true },
];

function RuleTable({
  rules,
  canWrite,
  onDelete,
}: {
  rules: RuleRow[];
  canWrite: boolean;
  onDelete?(r: RuleRow): Promise<unknown>;
}) {
  const { t } = useI18n();
  return (
    <table className="w-full text-left text-sm" data-testid="sg-rules">
      <thead className="text-xs uppercase text-slate-500">
        <tr>
          <th>{t('field.direction')}</th>
          <th>{t('field.protocol')}</th>
          <th>{t('field.peer')}</th>
          <th>{t('field.description')}</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {rules.map((r) => (
          <tr key={r.id} className="border-t border-slate-100" data-rule={`${r.direction} ${ruleProtocolText(r)}`}>
            <td className="py-1">{t(r.direction === 'ingress' ? 'field.ingress' : 'field.egress')}</td>
            <td className="font-mono">{ruleProtocolText(r)}</td>
            <td className="font-mono">{peerText(r)}</td>
            <td>
              {r.description} {r.isDefault && <Badge>{t('sg.default')}</Badge>}
            </td>
            <td className="text-right">
              {canWrite && onDelete && (
                <ConfirmButton
                  label={t('common.delete')}
                  title={t('common.delete')}
                  question={t('common.deleteConfirm', { name: `${r.direction} ${ruleProtocolText(r)} ${peerText(r)}` })}
                  onConfirm={() => onDelete(r)}
                />
              )}
            </td>
          </tr>
        ))}
        {rules.length === 0 && (
          <tr>
            <td colSpan={5} className="py-2 text-slate-500">
              {t('common.empty')}
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

export function SecurityGroupSections({ group, canWrite }: { group: Row; canWrite: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const refresh = () => Promise.all([queryClient.invalidateQueries(trpc.securityGroup.pathFilter())]);
  const run = (fn: () => Promise<unknown>) => fn().then(refresh, (e: unknown) => setError(describeError(e).message));
  const rules = group.rules as RuleRow[];
  const l3Ids = group.l3Ids as string[];
  const members = group.members as Array<{ nicId: string; vmId: string; vmName: string; ip: string; l3Id: string }>;
  return (
    <>
      {error && <Alert>{error}</Alert>}
      <Panel title={t('field.rules')}>
        <p className="mb-2 text-sm text-slate-600">{t('sg.ruleHint')}</p>
        <RuleTable
          rules={rules}
          canWrite={canWrite}
          onDelete={(r) => run(() => client.securityGroup.deleteRule.mutate({ id: group.id, ruleId: r.id }))}
        />
        {canWrite && (
          <div className="mt-3" data-testid="sg-rule-form">
            <ResourceForm
              idPrefix="rule"
              fields={RULE_FIELDS}
              schema={AddSgRule}
              toInput={(v) => ({
                id: group.id,
                direction: v.direction,
                protocol: v.protocol,
                portStart: ported(v) ? optNum(v, 'portStart') : null,
                portEnd: ported(v) ? optNum(v, 'portEnd') : null,
                icmpType: v.protocol === 'icmp' ? optNum(v, 'icmpType') : null,
                icmpCode: v.protocol === 'icmp' ? optNum(v, 'icmpCode') : null,
                cidr: str(v, 'cidr') || null,
                remoteGroupId: str(v, 'remoteGroupId') || null,
                description: str(v, 'description'),
              })}
              submit={(input) =>
                client.securityGroup.addRule.mutate(input as Parameters<typeof client.securityGroup.addRule.mutate>[0])
              }
              onDone={refresh}
              resetOnDone
              submitLabel={t('sg.addRule')}
            />
          </div>
        )}
      </Panel>
      <Panel title={t('field.l3Networks')}>
        <ul className="space-y-1 text-sm" data-testid="sg-networks">
          {l3Ids.map((id) => (
            <li key={id} className="flex items-center justify-between gap-2">
              <RefName router="l3" id={id} />
              {canWrite && (
                <ConfirmButton
                  label={t('common.detach')}
                  title={t('common.detach')}
                  question={t('sg.detachConfirm')}
                  onConfirm={() => run(() => client.securityGroup.detachL3.mutate({ id: group.id, l3Id: id }))}
                />
              )}
            </li>
          ))}
          {l3Ids.length === 0 && <li className="text-slate-500">{t('common.empty')}</li>}
        </ul>
        {canWrite && (
          <div className="mt-3">
            <ResourceForm
              idPrefix="sgl3"
              fields={[{ name: 'l3Id', label: 'field.l3Networks', kind: 'ref', ref: { router: 'l3' } }]}
              toInput={(v) => ({ id: group.id, l3Id: str(v, 'l3Id') })}
              submit={(input) => client.securityGroup.attachL3.mutate(input as { id: string; l3Id: string })}
              onDone={refresh}
              resetOnDone
              submitLabel={t('sg.attachL3')}
            />
          </div>
        )}
      </Panel>
      <Panel title={t('field.members')}>
        <ul className="space-y-1 text-sm" data-testid="sg-members">
          {members.map((m) => (
            <li key={m.nicId} className="flex items-center justify-between gap-2">
              <span>
                <Link className="text-sky-700 hover:underline" href={`/vms/${m.vmId}`}>
                  {m.vmName}
                </Link>{' '}
                <span className="font-mono text-slate-500">{m.ip}</span> <RefName router="l3" id={m.l3Id} />
              </span>
              {canWrite && (
                <ConfirmButton
                  label={t('common.remove')}
                  title={t('common.remove')}
                  question={t('sg.removeConfirm', { name: `${m.vmName} ${m.ip}` })}
                  onConfirm={() => run(() => client.securityGroup.removeNic.mutate({ id: group.id, nicId: m.nicId }))}
                />
              )}
            </li>
          ))}
          {members.length === 0 && <li className="text-slate-500">{t('common.empty')}</li>}
        </ul>
        {canWrite && (
          <div className="mt-3">
            <ResourceForm
              idPrefix="sgnic"
              fields={[{ name: 'nicId', label: 'field.vmNic', kind: 'nic' }]}
              toInput={(v) => ({ id: group.id, nicIds: str(v, 'nicId') ? [str(v, 'nicId')] : [] })}
              submit={(input) => client.securityGroup.addNics.mutate(input as { id: string; nicIds: string[] })}
              onDone={refresh}
              resetOnDone
              submitLabel={t('sg.addNic')}
            />
          </div>
        )}
      </Panel>
    </>
  );
}

/** One VM NIC's groups, the union of their rules (R-SG-2), and joining / leaving a group. */
function NicSecurity({ nic }: { nic: { id: string; ip: string; deviceIndex: number } }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const eff = useQuery(trpc.securityGroup.effectiveRules.queryOptions({ nicId: nic.id }));
  const refresh = () => Promise.all([queryClient.invalidateQueries(trpc.securityGroup.pathFilter())]);
  const data = eff.data;
  return (
    <div
      className="space-y-2 border-t border-slate-100 pt-2 first:border-0 first:pt-0"
      data-testid={`nic-security-eth${nic.deviceIndex}`}
    >
      <p className="text-sm font-medium">
        eth{nic.deviceIndex} <span className="font-mono text-slate-500">{nic.ip}</span>{' '}
        {data?.groups.map((g) => (
          <span key={g.id} className="mr-1 inline-flex items-center gap-1">
            <Link className="text-sky-700 hover:underline" href={`/security-groups/${g.id}`}>
              {g.name}
            </Link>
            <ConfirmButton
              label="×"
              title={t('common.remove')}
              question={t('sg.removeConfirm', { name: `eth${nic.deviceIndex}` })}
              onConfirm={() =>
                client.securityGroup.removeNic
                  .mutate({ id: g.id, nicId: nic.id })
                  .then(refresh, (e: unknown) => setError(describeError(e).message))
              }
            />
          </span>
        ))}
        {data &&
          (data.filtered ? (
            <Badge tone={data.egressOpen ? 'amber' : 'green'}>
              {t(data.egressOpen ? 'sg.egressOpen' : 'sg.egressWhitelisted')}
            </Badge>
          ) : (
            <Badge>{t('sg.notFiltered')}</Badge>
          ))}
      </p>
      {error && <Alert>{error}</Alert>}
      {data && data.rules.length > 0 && (
        <RuleTable
          rules={data.rules.map((r) => ({ ...r, description: `${r.groupName}${r.description ? ` · ${r.description}` : ''}` }))}
          canWrite={false}
        />
      )}
      <ResourceForm
        idPrefix={`join-${nic.deviceIndex}`}
        fields={[{ name: 'groupId', label: 'sg.join', kind: 'ref', ref: { router: 'securityGroup' } }]}
        toInput={(v) => ({ id: str(v, 'groupId'), nicIds: [nic.id] })}
        submit={(input) => client.securityGroup.addNics.mutate(input as { id: string; nicIds: string[] })}
        onDone={refresh}
        resetOnDone
        submitLabel={t('sg.join')}
      />
    </div>
  );
}

export function VmSecuritySection({ vm }: { vm: Row }) {
  const { t } = useI18n();
  const nics = (vm.nics as Array<{ id: string; ip: string; deviceIndex: number }>) ?? [];
  return (
    <Panel title={t('sg.effective')}>
      <div className="space-y-3">
        {nics.map((n) => (
          <NicSecurity key={n.id} nic={n} />
        ))}
      </div>
    </Panel>
  );
}

type WhyInput = { fromNicId: string; toNicId: string; protocol: 'tcp' | 'udp' | 'icmp'; port?: number | null };
type WhyAnswer = Awaited<ReturnType<ReturnType<typeof useTRPCClient>['securityGroup']['whyBlocked']['query']>>;

/** "Why blocked?": the answer from the desired state, then the same traffic for real. */
export function WhyBlocked() {
  const { t } = useI18n();
  const client = useTRPCClient();
  const [asked, setAsked] = useState<{ input: WhyInput; answer: WhyAnswer } | null>(null);
  const [real, setReal] = useState<{ ok: boolean; summary: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function checkForReal() {
    if (!asked) return;
    const { input, answer } = asked;
    setBusy(true);
    setReal(null);
    try {
      if (input.protocol === 'icmp') {
        setReal(
          await client.vm.check.mutate({ vmId: answer.from.vmId, check: { kind: 'ping', target: answer.to.ip, count: 2 } }),
        );
      } else {
        const port = input.port!;
        // Something must listen on the receiver for a connection to tell "allowed" from "refused";
        // one may be there already (a wizard's), which is as good.
        await client.vm.check
          .mutate({ vmId: answer.to.vmId, check: { kind: 'listen', port, protocol: input.protocol, seconds: 30 } })
          .catch(() => undefined);
        setReal(
          await client.vm.check.mutate({ vmId: answer.from.vmId, check: { kind: input.protocol, target: answer.to.ip, port } }),
        );
      }
    } catch (e) {
      setReal({ ok: false, summary: describeError(e).message });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="space-y-4">
      <h1 className="text-xl font-semibold">{t('page.whyBlocked')}</h1>
      <p className="text-sm text-slate-600">{t('sg.whyIntro')}</p>
      <Panel title={t('sg.ask')}>
        <ResourceForm
          idPrefix="why"
          fields={[
            { name: 'fromNicId', label: 'field.fromNic', kind: 'nic' },
            { name: 'toNicId', label: 'field.toNic', kind: 'nic' },
            {
              name: 'protocol',
              label: 'field.protocol',
              kind: 'select',
              initial: 'tcp',
              options: [
                { value: 'tcp', text: 'TCP' },
                { value: 'udp', text: 'UDP' },
                { value: 'icmp', text: 'ICMP (ping)' },
              ],
            },
            { name: 'port', label: 'field.port', kind: 'number', placeholder: '22', showIf: (v) => v.protocol !== 'icmp' },
          ]}
          schema={WhyBlockedInput}
          toInput={(v) => ({
            fromNicId: str(v, 'fromNicId'),
            toNicId: str(v, 'toNicId'),
            protocol: v.protocol,
            port: v.protocol === 'icmp' ? null : optNum(v, 'port'),
          })}
          submit={async (input) => {
            setReal(null);
            const answer = await client.securityGroup.whyBlocked.query(input as WhyInput);
            setAsked({ input: input as WhyInput, answer });
            return answer;
          }}
          submitLabel={t('sg.ask')}
        />
      </Panel>
      {asked && (
        <div className="space-y-3 rounded-lg border border-slate-200 bg-white p-4" data-testid="why-answer">
          <p className="text-lg font-semibold" data-testid="why-verdict">
            {asked.answer.from.vmName} ({asked.answer.from.ip}) → {asked.answer.to.vmName} ({asked.answer.to.ip}){' '}
            {asked.input.protocol.toUpperCase()}
            {asked.input.port ? ` ${asked.input.port}` : ''}:{' '}
            <Badge tone={asked.answer.allowed ? 'green' : 'amber'}>{t(asked.answer.allowed ? 'sg.allowed' : 'sg.blocked')}</Badge>
          </p>
          <dl className="grid grid-cols-[12rem_1fr] gap-x-4 gap-y-2 text-sm">
            <dt className="text-slate-500">{t('sg.senderEgress')}</dt>
            <dd data-testid="why-egress">
              {asked.answer.egress.allowed ? '✓' : '✗'} {asked.answer.egress.text}
            </dd>
            <dt className="text-slate-500">{t('sg.receiverIngress')}</dt>
            <dd data-testid="why-ingress">
              {asked.answer.ingress.allowed ? '✓' : '✗'} {asked.answer.ingress.text}
            </dd>
          </dl>
          <div className="flex items-center gap-3">
            <Button variant="secondary" onClick={() => void checkForReal()} disabled={busy}>
              {busy ? t('common.working') : t('sg.checkReal')}
            </Button>
            {real && (
              <span className="text-sm" data-testid="why-real">
                {t('sg.observed')}: {real.ok ? '✓' : '✗'} {real.summary}
              </span>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
