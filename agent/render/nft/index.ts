/**
 * nftables text from typed parts, shared by every renderer: one way to write a table that replaces
 * itself in one transaction, a set or map with its elements, a chain, and element commands. The
 * element encoding lives here only — an interface name is quoted, a concatenation is joined with
 * " . ", a map element is "key : value" — so a full load and a delta can never disagree.
 */
export type Family = 'ip' | 'inet' | 'bridge' | 'netdev';
export interface TableRef {
  family: Family;
  name: string;
}

/** A value in an element: an address, a number, a mark, or an interface name (quoted by nft's grammar). */
export type Atom = string | number | { ifname: string };

export function atom(a: Atom): string {
  return typeof a === 'object' ? `"${a.ifname}"` : String(a);
}

/** A concatenated key or value (`ipv4_addr . inet_service`); two parts, as every map of ours has. */
export function concat(a: Atom, b: Atom): string {
  return `${atom(a)} . ${atom(b)}`;
}

/** One set element (`key`) or map element (`key : value`). */
export function element(key: Atom, value?: Atom): string {
  return value === undefined ? atom(key) : `${atom(key)} : ${atom(value)}`;
}

/** The `elements = { … }` clause of a set or map declaration; nothing when there are none. */
export function elementsClause(elements: readonly string[]): string {
  return elements.length ? ` elements = { ${elements.join(', ')} }` : '';
}

/** `add element …` / `delete element …` for these (already encoded) elements; null when there are none. */
export function elementCommand(verb: 'add' | 'delete', table: TableRef, set: string, elements: readonly string[]): string | null {
  return elements.length ? `${verb} element ${table.family} ${table.name} ${set} { ${elements.join(', ')} }` : null;
}

/** A set (`type` a single type) or a map (`type` "key : value"), declared inside a table. */
export function setDecl(
  kind: 'set' | 'map',
  name: string,
  type: string,
  elements: readonly string[] = [],
  opts: { flags?: string; multiline?: boolean } = {},
): string[] {
  const flags = opts.flags ? ` flags ${opts.flags};` : '';
  if (opts.multiline) return [`\t${kind} ${name} {`, `\t\ttype ${type};${flags}${elementsClause(elements)}`, `\t}`];
  return [`\t${kind} ${name} { type ${type};${flags}${elementsClause(elements)} }`];
}

/** A chain inside a table: a base chain has a `hook` line ("type filter hook forward priority 0; policy accept;"). */
export function chainDecl(name: string, rules: readonly string[], hook?: string): string[] {
  return [`\tchain ${name} {`, ...(hook ? [`\t\t${hook}`] : []), ...rules.map((r) => `\t\t${r}`), `\t}`];
}

/**
 * A table that replaces whatever was there in one transaction: declared empty (so the delete never
 * fails), deleted — `flush table` alone would keep map elements on this nft (FACTS.md) — then
 * defined whole.
 */
export function replaceTable(table: TableRef, body: readonly string[]): string[] {
  const t = `${table.family} ${table.name}`;
  return [`table ${t} {}`, `delete table ${t}`, `table ${t} {`, ...body, `}`];
}

/** A value of an element in `nft -j` output: an address or port, or a concatenation of them. */
type JsonValue = string | number | { concat: JsonValue[] };
const jsonAtom = (v: JsonValue): string => (typeof v === 'object' ? v.concat.map(jsonAtom).join(' . ') : String(v));

/**
 * The elements of a map from `nft -j list map …`, key → value in this module's encoding (so they
 * compare with what {@link element} and {@link concat} render).
 */
export function parseMapElements(json: string): Map<string, string> {
  const doc = JSON.parse(json) as { nftables: Array<{ map?: { elem?: Array<[JsonValue, JsonValue]> } }> };
  const out = new Map<string, string>();
  for (const item of doc.nftables) for (const [k, v] of item.map?.elem ?? []) out.set(jsonAtom(k), jsonAtom(v));
  return out;
}
