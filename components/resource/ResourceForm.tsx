'use client';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { z } from 'zod';
import { useI18n } from '../i18n/context';
import { Alert, Button, FieldRow, Select, TextInput } from '../ui/primitives';
import { describeError, useRouterOptions } from './api';
import type { FieldDef, FormValue, FormValues } from './types';

export function initialValues(fields: FieldDef[]): FormValues {
  const v: FormValues = {};
  for (const f of fields)
    v[f.name] =
      f.initial ??
      (f.kind === 'checkbox'
        ? false
        : f.kind === 'refs' || f.kind === 'nics' || f.kind === 'csv' || f.kind === 'multi'
          ? []
          : '');
  return v;
}

/** Field errors from a zod failure, keyed by the innermost field name (what the form shows). */
export function zodFieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = [...issue.path].reverse().find((p) => typeof p === 'string') as string | undefined;
    if (key && !out[key]) out[key] = issue.message;
  }
  return out;
}

function RefSelect({
  field,
  value,
  onChange,
  invalid,
  id,
}: {
  field: FieldDef;
  value: string;
  onChange(v: string): void;
  invalid: boolean;
  id: string;
}) {
  const { t } = useI18n();
  const r = useRouterOptions(field.ref!.router);
  const q = useQuery(r.list.queryOptions({ pageSize: 200, sort: 'name', ...field.ref!.filter }));
  return (
    <Select
      id={id}
      name={field.name}
      value={value}
      invalid={invalid}
      onChange={(e) => onChange(e.target.value)}
      aria-describedby={`${id}-error`}
    >
      <option value="">{q.isPending ? t('common.loading') : '—'}</option>
      {q.data?.items.map((o) => (
        <option key={String(o.id)} value={String(o.id)}>
          {String(o.name)}
          {typeof o.ip === 'string' ? ` (${o.ip})` : ''}
        </option>
      ))}
    </Select>
  );
}

/** A VM NIC: every NIC of the VMs the actor can see, as "VM · ethN · address". */
function NicSelect({
  field,
  value,
  onChange,
  invalid,
  id,
}: {
  field: FieldDef;
  value: string;
  onChange(v: string): void;
  invalid: boolean;
  id: string;
}) {
  const { t } = useI18n();
  const r = useRouterOptions('vm');
  const q = useQuery(r.list.queryOptions({ pageSize: 200, sort: 'name' }));
  return (
    <Select id={id} name={field.name} value={value} invalid={invalid} onChange={(e) => onChange(e.target.value)}>
      <option value="">{q.isPending ? t('common.loading') : '—'}</option>
      {q.data?.items.flatMap((vm) =>
        (vm.nics as Array<{ id: string; ip: string; deviceIndex: number }>).map((n) => (
          <option key={n.id} value={n.id}>
            {String(vm.name)} · eth{n.deviceIndex} · {n.ip}
          </option>
        )),
      )}
    </Select>
  );
}

/** Several VM NICs, as checkboxes "VM · ethN · address". */
function NicChecks({
  field,
  value,
  onChange,
  id,
}: {
  field: FieldDef;
  value: string[];
  onChange(v: string[]): void;
  id: string;
}) {
  const r = useRouterOptions('vm');
  const q = useQuery(r.list.queryOptions({ pageSize: 200, sort: 'name' }));
  const nics = (q.data?.items ?? []).flatMap((vm) =>
    (vm.nics as Array<{ id: string; ip: string; deviceIndex: number }>).map((n) => ({ ...n, vm: String(vm.name) })),
  );
  return (
    <div id={id} className="flex max-h-40 flex-wrap gap-3 overflow-auto rounded-md border border-slate-200 p-2">
      {nics.map((n) => (
        <label key={n.id} className="flex items-center gap-1 text-sm">
          <input
            type="checkbox"
            name={field.name}
            value={n.id}
            checked={value.includes(n.id)}
            onChange={(e) => onChange(e.target.checked ? [...value, n.id] : value.filter((x) => x !== n.id))}
          />
          {n.vm} · eth{n.deviceIndex} · {n.ip}
        </label>
      ))}
      {nics.length === 0 && <span className="text-sm text-slate-400">—</span>}
    </div>
  );
}

/** The rules the vRouter would apply, as the agent would receive them (R-EIP-2, R-PF-1). */
export function RulePreview({ preview }: { preview: { text: string; note: string | null } }) {
  const { t } = useI18n();
  return (
    <div className="space-y-1" data-testid="rule-preview">
      <p className="text-xs font-medium uppercase text-slate-500">{t('service.preview')}</p>
      {preview.note && <p className="text-sm text-slate-600">{preview.note}</p>}
      {preview.text && (
        <pre className="max-h-64 overflow-auto rounded-md bg-slate-900 p-2 text-xs text-slate-100">{preview.text}</pre>
      )}
    </div>
  );
}

function RefChecks({
  field,
  value,
  onChange,
  id,
}: {
  field: FieldDef;
  value: string[];
  onChange(v: string[]): void;
  id: string;
}) {
  const r = useRouterOptions(field.ref!.router);
  const q = useQuery(r.list.queryOptions({ pageSize: 200, sort: 'name', ...field.ref!.filter }));
  return (
    <div id={id} className="flex flex-wrap gap-3 rounded-md border border-slate-200 p-2">
      {q.data?.items.map((o) => {
        const oid = String(o.id);
        return (
          <label key={oid} className="flex items-center gap-1 text-sm">
            <input
              type="checkbox"
              name={field.name}
              value={oid}
              checked={value.includes(oid)}
              onChange={(e) => onChange(e.target.checked ? [...value, oid] : value.filter((x) => x !== oid))}
            />
            {String(o.name)}
          </label>
        );
      })}
      {q.data?.items.length === 0 && <span className="text-sm text-slate-400">—</span>}
    </div>
  );
}

export function FormFields({
  fields,
  values,
  errors,
  set,
  idPrefix,
}: {
  fields: FieldDef[];
  values: FormValues;
  errors: Record<string, string>;
  set(name: string, v: FormValue): void;
  idPrefix: string;
}) {
  const { t } = useI18n();
  return (
    <>
      {fields
        .filter((f) => !f.showIf || f.showIf(values))
        .map((f) => {
          const id = `${idPrefix}-${f.name}`;
          const err = errors[f.name];
          const label = `${t(f.label)}${f.optional ? ` (${t('common.optional')})` : ''}`;
          if (f.kind === 'checkbox') {
            return (
              <div key={f.name} className="space-y-1">
                <label className="flex items-center gap-2 text-sm font-medium text-slate-700">
                  <input
                    id={id}
                    type="checkbox"
                    name={f.name}
                    checked={Boolean(values[f.name])}
                    onChange={(e) => set(f.name, e.target.checked)}
                  />
                  {t(f.label)}
                </label>
                {err && (
                  <p role="alert" data-field-error={id} className="text-xs text-red-600">
                    {err}
                  </p>
                )}
              </div>
            );
          }
          return (
            <FieldRow key={f.name} id={id} label={label} hint={f.hint ? t(f.hint) : undefined} error={err}>
              {f.kind === 'select' ? (
                <Select
                  id={id}
                  name={f.name}
                  value={String(values[f.name] ?? '')}
                  invalid={Boolean(err)}
                  onChange={(e) => set(f.name, e.target.value)}
                >
                  {f.options!.map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label ? t(o.label) : o.text}
                    </option>
                  ))}
                </Select>
              ) : f.kind === 'nic' ? (
                <NicSelect
                  id={id}
                  field={f}
                  value={String(values[f.name] ?? '')}
                  invalid={Boolean(err)}
                  onChange={(v) => set(f.name, v)}
                />
              ) : f.kind === 'ref' ? (
                <RefSelect
                  id={id}
                  field={f}
                  value={String(values[f.name] ?? '')}
                  invalid={Boolean(err)}
                  onChange={(v) => set(f.name, v)}
                />
              ) : f.kind === 'nics' ? (
                <NicChecks id={id} field={f} value={(values[f.name] as string[]) ?? []} onChange={(v) => set(f.name, v)} />
              ) : f.kind === 'refs' ? (
                <RefChecks id={id} field={f} value={(values[f.name] as string[]) ?? []} onChange={(v) => set(f.name, v)} />
              ) : f.kind === 'textarea' ? (
                <textarea
                  id={id}
                  name={f.name}
                  rows={6}
                  spellCheck={false}
                  placeholder={f.placeholder}
                  aria-invalid={Boolean(err)}
                  className={`w-full rounded border px-2 py-1 font-mono text-xs ${err ? 'border-red-500' : 'border-slate-300'}`}
                  value={String(values[f.name] ?? '')}
                  onChange={(e) => set(f.name, e.target.value)}
                />
              ) : f.kind === 'multi' ? (
                <div id={id} className="flex flex-wrap gap-3 text-sm">
                  {f.options!.map((o) => {
                    const chosen = (values[f.name] as string[]) ?? [];
                    return (
                      <label key={o.value} className="flex items-center gap-1">
                        <input
                          type="checkbox"
                          name={f.name}
                          value={o.value}
                          checked={chosen.includes(o.value)}
                          onChange={(e) =>
                            set(f.name, e.target.checked ? [...chosen, o.value] : chosen.filter((x) => x !== o.value))
                          }
                        />
                        {o.label ? t(o.label) : o.text}
                      </label>
                    );
                  })}
                </div>
              ) : f.kind === 'csv' ? (
                <TextInput
                  id={id}
                  name={f.name}
                  invalid={Boolean(err)}
                  defaultValue={((values[f.name] as string[]) ?? []).join(', ')}
                  onChange={(e) =>
                    set(
                      f.name,
                      e.target.value
                        .split(',')
                        .map((s) => s.trim())
                        .filter(Boolean),
                    )
                  }
                />
              ) : (
                <TextInput
                  id={id}
                  name={f.name}
                  type={f.kind === 'number' ? 'number' : 'text'}
                  placeholder={f.placeholder}
                  invalid={Boolean(err)}
                  aria-describedby={err ? `${id}-error` : undefined}
                  value={String(values[f.name] ?? '')}
                  onChange={(e) => set(f.name, e.target.value)}
                />
              )}
            </FieldRow>
          );
        })}
    </>
  );
}

/**
 * A form driven by field definitions. Input is checked with the procedure's own zod schema before
 * it is sent; the server's refusals come back with the field at fault and are shown beside it.
 * Values stay as typed after a refusal — nothing is lost.
 */
export function ResourceForm({
  fields,
  schema,
  toInput,
  submit,
  onDone,
  onCancel,
  submitLabel,
  idPrefix = 'f',
  preview,
  resetOnDone = false,
}: {
  fields: FieldDef[];
  schema?: z.ZodType;
  toInput(v: FormValues): Record<string, unknown>;
  submit(input: Record<string, unknown>): Promise<unknown>;
  onDone?(result: unknown): void;
  onCancel?(): void;
  submitLabel?: string;
  idPrefix?: string;
  /** When given, confirming is a second step: first the vRouter's rules for this input are shown. */
  preview?(input: Record<string, unknown>): Promise<{ text: string; note: string | null }>;
  /** An inline form that stays on the page: empty it after a success, ready for the next entry. */
  resetOnDone?: boolean;
}) {
  const { t } = useI18n();
  const [values, setValues] = useState<FormValues>(() => initialValues(fields));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [shown, setShown] = useState<{ text: string; note: string | null } | null>(null);
  const visible = new Set(fields.filter((f) => !f.showIf || f.showIf(values)).map((f) => f.name));

  const set = (name: string, v: FormValue) => {
    setShown(null);
    setValues((old) => ({ ...old, [name]: v }));
    setErrors((old) => ({ ...old, [name]: '' }));
  };

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setFormError(null);
    const input = toInput(values);
    if (schema) {
      const parsed = schema.safeParse(input);
      if (!parsed.success) {
        const fe = zodFieldErrors(parsed.error);
        setErrors(fe);
        if (!Object.keys(fe).some((k) => visible.has(k))) setFormError(parsed.error.issues[0]?.message ?? t('common.error'));
        return;
      }
    }
    setBusy(true);
    try {
      if (preview && !shown) {
        setShown(await preview(input));
        setErrors({});
        return;
      }
      const result = await submit(input);
      setErrors({});
      if (resetOnDone) {
        setValues(initialValues(fields));
        setShown(null);
      }
      onDone?.(result);
    } catch (err) {
      const failure = describeError(err);
      const fe: Record<string, string> = {};
      if (failure.field) fe[failure.field] = failure.message;
      for (const [k, msgs] of Object.entries(failure.fieldErrors ?? {})) if (msgs?.[0]) fe[k] ??= msgs[0];
      setErrors(fe);
      if (!Object.keys(fe).some((k) => visible.has(k))) setFormError(failure.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3">
      <FormFields fields={fields} values={values} errors={errors} set={set} idPrefix={idPrefix} />
      {shown && <RulePreview preview={shown} />}
      {formError && <Alert>{formError}</Alert>}
      <div className="flex justify-end gap-2 pt-2">
        {onCancel && (
          <Button variant="secondary" onClick={onCancel}>
            {t('common.cancel')}
          </Button>
        )}
        <Button type="submit" disabled={busy}>
          {busy ? t('common.working') : preview && !shown ? t('service.previewButton') : (submitLabel ?? t('common.confirm'))}
        </Button>
      </div>
    </form>
  );
}
