/**
 * An in-memory nftables for unit tests of the renderers (no root, no kernel): it applies the `nft -f`
 * text our renderers write — table blocks, sets and maps, chains and rules, element commands — as
 * one transaction, and refuses what the kernel would: an element in a set that does not exist,
 * deleting an element that is not there, a table deleted before it is declared, a rule naming a
 * set (`@name`) or a chain (`jump`/`goto`) the table does not have. On an error nothing changes.
 * It understands the subset of the grammar the renderers write, not nft's whole language.
 */
interface FakeTable {
  sets: Map<string, Map<string, string>>;
  chains: Map<string, { hook: string | null; rules: string[] }>;
}
export type FakeSnapshot = Record<
  string,
  { sets: Record<string, string[]>; chains: Record<string, { hook: string | null; rules: string[] }> }
>;

const TABLE = /^(ip|inet|bridge|netdev|arp) (\S+)/;

function elementsOf(list: string): string[] {
  return list.trim() ? list.split(', ').map((e) => e.trim()) : [];
}
/** A set element is its own key; a map element's key is what stands before " : ". */
const keyOf = (element: string) => element.split(' : ')[0]!;

export class FakeNft {
  private tables = new Map<string, FakeTable>();

  /** Applies one `nft -f` text as a transaction: all of it, or (on the first error) nothing. */
  apply(text: string): void {
    const next = this.clone();
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (!line || line.startsWith('#')) continue;
      const fail = (why: string) => {
        throw new Error(`nft: line ${i + 1}: ${why}: ${line}`);
      };
      let m: RegExpExecArray | null;
      if ((m = /^table (\S+ \S+) \{\}$/.exec(line))) {
        if (!next.has(m[1]!)) next.set(m[1]!, { sets: new Map(), chains: new Map() });
      } else if ((m = /^delete table (\S+ \S+)$/.exec(line))) {
        if (!next.delete(m[1]!)) fail('no such table');
      } else if ((m = /^table (\S+ \S+) \{$/.exec(line))) {
        const t = next.get(m[1]!) ?? { sets: new Map(), chains: new Map() };
        next.set(m[1]!, t);
        i = this.block(lines, i + 1, t, fail);
      } else if ((m = /^(add|delete) element (\S+ \S+) (\S+) \{ (.*) \}$/.exec(line))) {
        const set = next.get(m[2]!)?.sets.get(m[3]!) ?? fail('no such set or map');
        for (const e of elementsOf(m[4]!)) {
          if (m[1] === 'add') set.set(keyOf(e), e);
          else if (!set.delete(keyOf(e))) fail(`no element ${keyOf(e)}`);
        }
      } else if ((m = /^add (set|map) (\S+ \S+) (\S+) \{ .* \}$/.exec(line))) {
        const t = next.get(m[2]!) ?? fail('no such table');
        if (!t.sets.has(m[3]!)) t.sets.set(m[3]!, new Map());
      } else if ((m = /^flush set (\S+ \S+) (\S+)$/.exec(line))) {
        (next.get(m[1]!)?.sets.get(m[2]!) ?? fail('no such set')).clear();
      } else if ((m = /^delete (set|map) (\S+ \S+) (\S+)$/.exec(line))) {
        if (!next.get(m[2]!)?.sets.delete(m[3]!)) fail('no such set or map');
      } else if ((m = /^add chain (\S+ \S+) (\S+)(?: \{ (.*) \})?$/.exec(line))) {
        const t = next.get(m[1]!) ?? fail('no such table');
        if (!t.chains.has(m[2]!)) t.chains.set(m[2]!, { hook: m[3]?.trim() ?? null, rules: [] });
      } else if ((m = /^flush chain (\S+ \S+) (\S+)$/.exec(line))) {
        (next.get(m[1]!)?.chains.get(m[2]!) ?? fail('no such chain')).rules = [];
      } else if ((m = /^delete chain (\S+ \S+) (\S+)$/.exec(line))) {
        const chain = next.get(m[1]!)?.chains.get(m[2]!) ?? fail('no such chain');
        if (chain.rules.length) fail('chain is not empty');
        next.get(m[1]!)!.chains.delete(m[2]!);
      } else if ((m = /^add rule (\S+ \S+) (\S+) (.*)$/.exec(line))) {
        (next.get(m[1]!)?.chains.get(m[2]!) ?? fail('no such chain')).rules.push(m[3]!);
      } else {
        fail('not understood by the fake');
      }
    }
    for (const [name, t] of next) FakeNft.checkReferences(name, t);
    this.tables = next;
  }

  /** A table block's body: sets and maps (one line or three), chains with an optional hook line. */
  private block(lines: string[], from: number, t: FakeTable, fail: (why: string) => never): number {
    let i = from;
    for (; i < lines.length; i++) {
      const line = lines[i]!.trim();
      let m: RegExpExecArray | null;
      if (line === '}') return i;
      if ((m = /^(?:set|map) (\S+) \{ type [^;]+;(?: flags [^;]+;)?(?: elements = \{ (.*) \})? \}$/.exec(line))) {
        t.sets.set(m[1]!, new Map(elementsOf(m[2] ?? '').map((e) => [keyOf(e), e])));
      } else if ((m = /^(?:set|map) (\S+) \{$/.exec(line))) {
        const body = /^type [^;]+;(?: flags [^;]+;)?(?: elements = \{ (.*) \})?$/.exec(lines[i + 1]!.trim());
        if (!body || lines[i + 2]!.trim() !== '}') fail('a set body the fake does not understand');
        t.sets.set(m[1]!, new Map(elementsOf(body[1] ?? '').map((e) => [keyOf(e), e])));
        i += 2;
      } else if ((m = /^chain (\S+) \{$/.exec(line))) {
        const chain = { hook: null as string | null, rules: [] as string[] };
        for (i++; lines[i]!.trim() !== '}'; i++) {
          const rule = lines[i]!.trim();
          if (rule.startsWith('type ') && chain.rules.length === 0 && chain.hook === null) chain.hook = rule;
          else chain.rules.push(rule);
        }
        t.chains.set(m[1]!, chain);
      } else {
        fail('not understood inside a table');
      }
    }
    return fail('table block not closed');
  }

  /** Sets, maps and chains a rule names must exist in its table (payload expressions like @nh,144,32 are not sets). */
  private static checkReferences(table: string, t: FakeTable) {
    for (const [name, chain] of t.chains) {
      for (const rule of chain.rules) {
        const text = rule.replace(/comment ".*"$/, '');
        for (const m of text.matchAll(/@([A-Za-z_]\w*)(?![\w,])/g))
          if (!t.sets.has(m[1]!)) throw new Error(`nft: ${table} chain ${name}: no set or map @${m[1]}`);
        for (const m of text.matchAll(/\b(?:jump|goto) (\S+?)(?=[,\s}]|$)/g))
          if (!t.chains.has(m[1]!)) throw new Error(`nft: ${table} chain ${name}: no chain ${m[1]}`);
      }
    }
  }

  private clone() {
    const out = new Map<string, FakeTable>();
    for (const [name, t] of this.tables) {
      out.set(name, {
        sets: new Map([...t.sets].map(([k, v]) => [k, new Map(v)])),
        chains: new Map([...t.chains].map(([k, v]) => [k, { hook: v.hook, rules: [...v.rules] }])),
      });
    }
    return out;
  }

  /** What the tables hold, in a shape tests compare (elements sorted; rule order kept). */
  snapshot(): FakeSnapshot {
    const out: FakeSnapshot = {};
    for (const [name, t] of [...this.tables].sort(([a], [b]) => a.localeCompare(b))) {
      if (!TABLE.test(name)) continue;
      out[name] = {
        sets: Object.fromEntries([...t.sets].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [...v.values()].sort()])),
        chains: Object.fromEntries([...t.chains].sort(([a], [b]) => a.localeCompare(b))),
      };
    }
    return out;
  }
}
