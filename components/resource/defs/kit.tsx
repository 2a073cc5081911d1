/** What every page definition is built from: form-value readers, shared columns, and `define`. */
import type { ReactNode } from 'react';
import { Badge } from '../../ui/primitives';
import { RefName } from '../RefName';
import type { ColumnDef, CreateInput, FieldDef, FormValues, RouterKey, TypedResourceDef } from '../types';

export const str = (v: FormValues, k: string) => String(v[k] ?? '').trim();
export const num = (v: FormValues, k: string) => (str(v, k) === '' ? NaN : Number(str(v, k)));
export const optStr = (v: FormValues, k: string) => str(v, k) || null;
export const optNum = (v: FormValues, k: string) => (str(v, k) === '' ? null : Number(str(v, k)));
/** A select's value: one of its options (the first, the select's initial value, when unset). */
export const pick = <const T extends string>(v: FormValues, k: string, options: readonly [T, ...T[]]): T =>
  options.find((o) => o === str(v, k)) ?? options[0];
export const csv = (v: FormValues, k: string) => (Array.isArray(v[k]) ? (v[k] as string[]) : []);
export const arr = csv;

/**
 * A column several routers' lists share. It names the fields it reads (`R`), so it fits exactly the
 * routers whose rows have them: TypeScript checks it against each list it is put in.
 */
export const col = <Key extends string, R = { [P in Key]?: unknown }>(c: {
  key: Key;
  label: ColumnDef['label'];
  sortable?: boolean;
  render?: (row: R) => ReactNode;
}) => c;

export const nameCol = col({ key: 'name', label: 'field.name', sortable: true });
export const createdCol = col({
  key: 'createdAt',
  label: 'field.createdAt',
  sortable: true,
  render: (r: { createdAt: string | Date }) => new Date(r.createdAt).toLocaleString(),
});
export const ref = <Key extends string>(key: Key, label: ColumnDef['label'], router: Parameters<typeof RefName>[0]['router']) =>
  col({
    key,
    label,
    render: (r: { [P in Key]?: string | null }) => (r[key] ? <RefName router={router} id={String(r[key])} /> : '—'),
  });
/** An agent's sync status: applied generation, in sync or not, last error. */
export const syncCol = col({
  key: 'sync',
  label: 'field.sync',
  render: (r: {
    sync: { inSync: boolean; appliedGeneration: number; desiredGeneration: number; lastError: string | null } | null;
  }) => {
    const s = r.sync;
    if (!s) return '—';
    return s.inSync ? (
      <Badge tone="green">✓ {s.appliedGeneration}</Badge>
    ) : (
      <span title={s.lastError ?? undefined}>
        <Badge tone="amber">
          {s.lastError ? '✗' : '…'} {s.appliedGeneration}/{s.desiredGeneration}
        </Badge>
      </span>
    );
  },
});
export const sharedCol = col({
  key: 'shared',
  label: 'field.shared',
  render: (r: { shared: boolean }) => (r.shared ? <Badge tone="sky">✓</Badge> : ''),
});

export const nameFields: FieldDef[] = [
  { name: 'name', label: 'field.name', kind: 'text' },
  { name: 'description', label: 'field.description', kind: 'text', optional: true },
];
export const naming = (v: FormValues) => ({ name: str(v, 'name'), description: str(v, 'description') });

/** Keys of `I` that `T` does not have, each forbidden (a form may not send a field its procedure does not take). */
export type NoExtraKeys<I, T> = { [P in Exclude<keyof I, keyof T>]: never };

/**
 * Each page's definition, checked against its router: columns against its list rows, the form's
 * input against its create schema — a missing field, and one the schema does not have, fail `tsc`.
 */
export const define = <K extends RouterKey, I extends CreateInput<K>>(
  def: TypedResourceDef<K> & { create?: { toInput(v: FormValues): I & NoExtraKeys<I, CreateInput<K>> } },
): TypedResourceDef<K> => def;
