import { z } from 'zod';
import { PROTOCOL_VERSION } from './common';

/**
 * A change to an agent's config, sent instead of the whole config when the agent holds the config it
 * is based on (issue 12: one more EIP on a 10k router must not ship, parse and save 20k rows).
 *
 * - `set`: the new value of this node, validated with the node's schema;
 * - `fields`: an object's (or record's) changed fields; `drop` names fields that are gone;
 * - `items`: a keyed list — items removed by key, items added or replaced whole (each validated with
 *   the item schema), the others kept in place. Which lists are keyed, and by which field, is the
 *   protocol's (`ListKeys`); every other list travels whole when it changes.
 */
export type Patch =
  { set: unknown } | { fields: Record<string, Patch>; drop?: string[] } | { items: { remove?: string[]; upsert?: unknown[] } };

/** Keyed lists by path: object fields from the root joined by ".", a record's keys as "*". */
export type ListKeys = Readonly<Record<string, string>>;

export const PatchSchema: z.ZodType<Patch> = z.lazy(() =>
  z.union([
    z.object({ set: z.unknown() }).strict(),
    z.object({ fields: z.record(z.string(), PatchSchema), drop: z.array(z.string()).optional() }).strict(),
    z
      .object({ items: z.object({ remove: z.array(z.string()).optional(), upsert: z.array(z.unknown()).optional() }).strict() })
      .strict(),
  ]),
);

/** PATCH /v1/config: the change from the config of `baseGeneration` (which the agent must hold) to a newer one. */
export const ConfigPatch = z.object({
  version: z.literal(PROTOCOL_VERSION),
  baseGeneration: z.number().int().positive(),
  patch: PatchSchema,
});
export type ConfigPatch = z.infer<typeof ConfigPatch>;

export interface PatchIssue {
  path: (string | number)[];
  message: string;
}

/** How one kind of config is patched: its keyed lists, and its checks across parts (run on the patched whole). */
export interface Patching<C> {
  keys: ListKeys;
  issues(cfg: C): PatchIssue[];
}

type Def = { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType>; element?: z.ZodType; valueType?: z.ZodType };
const def = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The schema under defaults and optionals (and nullables when `nullable`): what a present value is checked against. */
function core(s: z.ZodType, nullable = false): z.ZodType {
  for (;;) {
    const d = def(s);
    if (
      (d.type === 'default' || d.type === 'optional' || d.type === 'prefault' || (nullable && d.type === 'nullable')) &&
      d.innerType
    )
      s = d.innerType;
    else return s;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Structural equality of JSON values (a field set to undefined counts as absent). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (x[k] === undefined) continue;
    if (!jsonEqual(x[k], y[k])) return false;
    n++;
  }
  for (const k in y) if (y[k] !== undefined) n--;
  return n === 0;
}

const join = (path: string, field: string) => (path ? `${path}.${field}` : field);

/** Whether every item has a string key and no key repeats; remembered for a list found so. */
function keysUnique(list: unknown[], key: string): boolean {
  const seen = new Set<unknown>();
  for (const item of list) {
    const k = isObject(item) ? item[key] : undefined;
    if (typeof k !== 'string' || seen.has(k)) return false;
    seen.add(k);
  }
  uniqueKeys.set(list, key);
  return true;
}

/** The patch that turns `prev` into `next` (both valid for `schema`), or null when they are equal. */
export function diffConfig(schema: z.ZodType, keys: ListKeys, prev: unknown, next: unknown): Patch | null {
  return diffAt(schema, keys, '', prev, next);
}

function diffAt(schema: z.ZodType, keys: ListKeys, path: string, a: unknown, b: unknown): Patch | null {
  if (a === b) return null;
  const s = core(schema, a !== null && b !== null);
  const d = def(s);
  if (d.type === 'object' && d.shape && isObject(a) && isObject(b)) {
    const fields: Record<string, Patch> = {};
    const drop: string[] = [];
    for (const [k, fs] of Object.entries(d.shape)) {
      if (b[k] === undefined) {
        if (a[k] !== undefined) drop.push(k);
        continue;
      }
      const p = diffAt(fs, keys, join(path, k), a[k], b[k]);
      if (p) fields[k] = p;
    }
    return Object.keys(fields).length || drop.length ? { fields, ...(drop.length ? { drop } : {}) } : null;
  }
  if (d.type === 'record' && d.valueType && isObject(a) && isObject(b)) {
    const fields: Record<string, Patch> = {};
    for (const [k, v] of Object.entries(b)) {
      const p = diffAt(d.valueType, keys, join(path, '*'), a[k], v);
      if (p) fields[k] = p;
    }
    const drop = Object.keys(a).filter((k) => !(k in b));
    return Object.keys(fields).length || drop.length ? { fields, ...(drop.length ? { drop } : {}) } : null;
  }
  const key = keys[path];
  if (d.type === 'array' && key && Array.isArray(a) && Array.isArray(b)) {
    const items = diffKeyed(a, b, key);
    if (items !== undefined) return items;
  }
  return jsonEqual(a, b) ? null : { set: b };
}

/** Lists whose keys are known to be unique strings: checked whole once, or derived from the list they were diffed against. */
const uniqueKeys = new WeakMap<unknown[], string>();

/**
 * A keyed list's change as items removed and upserted; undefined when a key is missing or repeated
 * (the list then travels whole). Configs keep their order, so the lists are walked from both ends
 * while the keys match: only the part between — the items added, removed or moved — is indexed, and
 * one more EIP at 10,000 costs a walk of cheap comparisons rather than two maps of 10,000 keys.
 */
function diffKeyed(a: unknown[], b: unknown[], key: string): Patch | null | undefined {
  if (uniqueKeys.get(a) !== key && !keysUnique(a, key)) return undefined;
  const keyOf = (item: unknown) => (isObject(item) ? item[key] : undefined);
  const upsert: unknown[] = [];
  let p = 0;
  for (const n = Math.min(a.length, b.length); p < n; p++) {
    const k = keyOf(b[p]);
    if (typeof k !== 'string' || keyOf(a[p]) !== k) break;
    if (!jsonEqual(a[p], b[p])) upsert.push(b[p]);
  }
  let [ea, eb] = [a.length, b.length];
  for (; ea > p && eb > p; ea--, eb--) {
    const k = keyOf(b[eb - 1]);
    if (typeof k !== 'string' || keyOf(a[ea - 1]) !== k) break;
    if (!jsonEqual(a[ea - 1], b[eb - 1])) upsert.push(b[eb - 1]);
  }
  // The part between: keys of `b` there must be unique, and not among the ends' keys (which are `b`'s too).
  const after = new Map<string, unknown>();
  for (let i = p; i < eb; i++) {
    const k = keyOf(b[i]);
    if (typeof k !== 'string' || after.has(k)) return undefined;
    after.set(k, b[i]);
  }
  if (after.size) {
    for (let i = 0; i < p; i++) if (after.has(keyOf(a[i]) as string)) return undefined;
    for (let i = ea; i < a.length; i++) if (after.has(keyOf(a[i]) as string)) return undefined;
  }
  const before = new Map<string, unknown>();
  for (let i = p; i < ea; i++) before.set(keyOf(a[i]) as string, a[i]);
  const remove = [...before.keys()].filter((k) => !after.has(k));
  for (const [k, v] of after) if (!jsonEqual(before.get(k), v)) upsert.push(v);
  uniqueKeys.set(b, key);
  if (!remove.length && !upsert.length) return null;
  return { items: { ...(remove.length ? { remove } : {}), ...(upsert.length ? { upsert } : {}) } };
}

/**
 * Applies a patch to `base` (a valid config for `schema`): the result shares every untouched node
 * with `base`. Each value the patch brings is validated with its own schema (not the whole config:
 * the checks across the config are the caller's). Returns the issues instead when there are any.
 */
export function applyPatch<C>(
  schema: z.ZodType,
  keys: ListKeys,
  base: C,
  patch: Patch,
): { ok: true; value: C } | { ok: false; issues: PatchIssue[] } {
  const issues: PatchIssue[] = [];
  const value = applyAt(schema, keys, '', [], base, patch, issues) as C;
  return issues.length ? { ok: false, issues } : { ok: true, value };
}

function checked(schema: z.ZodType, at: (string | number)[], value: unknown, issues: PatchIssue[]): unknown {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  for (const i of r.error.issues) issues.push({ path: [...at, ...(i.path as (string | number)[])], message: i.message });
  return value;
}

function applyAt(
  schema: z.ZodType,
  keys: ListKeys,
  path: string,
  at: (string | number)[],
  base: unknown,
  p: Patch,
  issues: PatchIssue[],
): unknown {
  if ('set' in p) return checked(schema, at, p.set, issues);
  const s = core(schema, true);
  const d = def(s);
  if ('fields' in p) {
    const record = d.type === 'record' && d.valueType;
    if (!isObject(base) || (d.type !== 'object' && !record)) {
      issues.push({ path: at, message: 'fields of something that is not an object in the config' });
      return base;
    }
    const out: Record<string, unknown> = { ...base };
    for (const [k, fp] of Object.entries(p.fields)) {
      const fs = record ? d.valueType! : d.shape?.[k];
      if (!fs) {
        issues.push({ path: [...at, k], message: `${k} is not a field of the config` });
        continue;
      }
      out[k] = applyAt(fs, keys, join(path, record ? '*' : k), [...at, k], base[k], fp, issues);
    }
    for (const k of p.drop ?? []) {
      if (!record && d.shape?.[k]?.safeParse(undefined).success !== true)
        issues.push({ path: [...at, k], message: `${k} may not be removed` });
      delete out[k];
    }
    return out;
  }
  const key = keys[path];
  if (d.type !== 'array' || !key || !d.element || !Array.isArray(base)) {
    issues.push({ path: at, message: 'items of something that is not a keyed list in the config' });
    return base;
  }
  const keyOf = (item: unknown) => (item as Record<string, unknown>)[key];
  const remove = new Set(p.items.remove ?? []);
  const out = remove.size ? base.filter((item) => !remove.has(keyOf(item) as string)) : base.slice();
  const upserts = p.items.upsert ?? [];
  // A few upserts (the usual change) look their key up; many index the list first.
  const index: Map<unknown, number> | null = upserts.length > 16 ? new Map(out.map((item, i) => [keyOf(item), i])) : null;
  for (const [n, raw] of upserts.entries()) {
    const item = checked(d.element, [...at, 'upsert', n], raw, issues);
    const k = isObject(item) ? item[key] : undefined;
    if (typeof k !== 'string') continue;
    const i = index ? (index.get(k) ?? -1) : out.findIndex((x) => keyOf(x) === k);
    if (i >= 0) out[i] = item;
    else {
      out.push(item);
      index?.set(k, out.length - 1);
    }
  }
  return out;
}
