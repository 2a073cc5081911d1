import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The layout of DESIGN.md is enforced by lint (eslint.config.mjs): each case lints a small file as
 * if it stood at that path and expects the rule to refuse — or to accept — the import. If a zone is
 * removed or mistyped, its case fails here.
 */
const LAYER_RULES = new Set(['import/no-restricted-paths', 'import/no-cycle', '@typescript-eslint/no-restricted-imports']);
let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: import.meta.dirname });
});

async function lint(filePath: string, code: string) {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === null || LAYER_RULES.has(m.ruleId)).map((m) => `${m.ruleId}: ${m.message}`);
}

const refused: Array<[string, string, string, RegExp]> = [
  ['a service imports the lab', 'server/services/fixture.ts', "import { NetnsLab } from '@/lab/netns';", /no-restricted-paths/],
  [
    'a service imports the lab by a relative path',
    'server/services/fixture.ts',
    "import { NetnsLab } from '../../lab/netns';",
    /no-restricted-paths/,
  ],
  [
    'the data plane imports the lab outside its wiring file',
    'server/dataplane/fixture.ts',
    "import { LabController } from '@/lab/controller';",
    /no-restricted-paths/,
  ],
  [
    'the agent imports the server',
    'agent/render/fixture.ts',
    "import { DomainError } from '@/server/domain/errors';",
    /no-restricted-paths/,
  ],
  ['the agent imports the database', 'agent/apply/fixture.ts', "import { agents } from '@/db/schema';", /no-restricted-paths/],
  ['the lab writes the database', 'lab/fixture.ts', "import { agents } from '@/db/schema';", /no-restricted-paths/],
  ['the lab calls a service', 'lab/fixture.ts', "import { bumpAgents } from '@/server/services/agents';", /no-restricted-paths/],
  ['lib imports the server', 'lib/fixture.ts', "import { DomainError } from '@/server/domain/errors';", /no-restricted-paths/],
  ['the domain imports the database', 'server/domain/fixture.ts', "import { vms } from '@/db/schema';", /no-restricted-paths/],
  [
    'a service imports the reconciler',
    'server/services/fixture.ts',
    "import { Reconciler } from '../reconciler/reconciler';",
    /no-restricted-paths/,
  ],
  [
    'the server imports agent tooling',
    'server/services/fixture.ts',
    "import { run } from '@/agent/apply/exec';",
    /no-restricted-paths/,
  ],
  [
    'a component imports a service',
    'components/fixture.tsx',
    "import { vmService } from '@/server/services/vm';",
    /no-restricted-paths/,
  ],
  [
    'a component imports the router code',
    'components/fixture.tsx',
    "import { appRouter } from '@/server/trpc/router';",
    /no-restricted-imports/,
  ],
  // db/schema/network.ts imports ./catalog; catalog importing ./network again closes a cycle.
  [
    'the schema files import each other',
    'db/schema/catalog.ts',
    "import { l3Networks } from './network';\nexport const x = l3Networks;",
    /no-cycle/,
  ],
];

const accepted: Array<[string, string, string]> = [
  ['the lab implements the data-plane port', 'lab/fixture.ts', "import type { DataCenterPort } from '@/server/dataplane/port';"],
  ['the wiring file plugs the lab in', 'server/dataplane/lab.ts', "import { LabController } from '@/lab/controller';"],
  ['a component imports the AppRouter type', 'components/fixture.tsx', "import type { AppRouter } from '@/server/trpc/router';"],
  ['a component imports a pure schema', 'components/fixture.tsx', "import { CreateZone } from '@/server/domain/schema';"],
  [
    'the reconciler imports the protocol',
    'server/reconciler/fixture.ts',
    "import type { HostConfig } from '@/agent/protocol/host';",
  ],
  ['the agent imports lib', 'agent/render/fixture.ts', "import { ipToInt } from '../../lib/ipv4';"],
];

describe('layers (DESIGN.md layout) are enforced by lint', () => {
  it.each(refused)('refuses: %s', async (_name, file, code, rule) => {
    const messages = await lint(file, `${code}\n`);
    expect(messages.some((m) => rule.test(m))).toBe(true);
  });
  it.each(accepted)('accepts: %s', async (_name, file, code) => {
    expect(await lint(file, `${code}\n`)).toEqual([]);
  });
});
