import nextVitals from 'eslint-config-next/core-web-vitals';
import nextTs from 'eslint-config-next/typescript';

/**
 * The layout of DESIGN.md, enforced: each folder may import only what its row allows. Tests,
 * test kits (`testing/`), benchmarks and e2e specs compose everything and are exempt.
 * `import/no-restricted-paths` resolves every import (aliases and relative paths alike), so
 * `@/lab/x` and `../../lab/x` are the same import. `eslint.config.test.ts` proves each rule bites.
 */
const exempt = ['**/*.test.ts', '**/*.test.tsx', '**/testing/**', 'bench/**', 'e2e/**'];
const ours = ['./app', './components', './server', './db', './agent', './lab', './lib'];
const others = (...allowed) => ours.filter((f) => !allowed.includes(f));
const zone = (target, from, message, except) => ({ target, from, message, ...(except ? { except } : {}) });

export const layers = [
  // lib/: pure code both sides need (IPv4, the seed's plans, the logger); imports nothing of ours.
  zone('./lib', others('./lib'), 'lib/ is shared by server, agent and lab: it imports nothing of theirs.'),
  // db/: the Drizzle schema and client.
  zone('./db', others('./db', './lib'), 'db/ imports only db/ and lib/.'),
  // agent/: its own protocol, renderers and tools; never the server, the database or the lab.
  zone('./agent', others('./agent', './lib'), 'An agent imports only agent/ and lib/ (it runs on hosts without the server).'),
  // lab/: implements the server's data-plane port; of the server it sees only that port.
  zone('./lab', others('./lab', './agent', './lib', './server'), 'lab/ imports agent/, lib/ and the data-plane port only.'),
  zone(
    './lab',
    './server',
    'lab/ sees the server only through server/dataplane/port.ts: it never reads or writes the database.',
    ['./dataplane/port.ts'],
  ),
  // server/: never the UI; of the agent only its protocol, pure renderers (the rule preview) and client.
  zone('./server', ['./app', './components', './lab'], 'server/ never imports the UI; the lab only in server/dataplane/lab.ts.'),
  zone('./server', './agent', 'server/ uses agent/protocol, agent/render (pure) and agent/client only.', [
    './protocol',
    './render',
    './client.ts',
  ]),
  // server/domain: pure rules and compilers.
  zone(
    './server/domain',
    [
      './db',
      './server/services',
      './server/trpc',
      './server/reconciler',
      './server/desired',
      './server/dataplane',
      './server/auth',
    ],
    'server/domain is pure: no database, no services, no transport.',
  ),
  // services: transactions; never the transport or the reconciler loop.
  zone('./server/services', ['./server/trpc', './server/reconciler'], 'A service never imports tRPC or the reconciler.'),
  zone('./server/services', './server/dataplane', 'A service sees the data plane through its port and current state only.', [
    './port.ts',
    './current.ts',
  ]),
  // desired state: snapshot + compile, shared by the reconciler and the rule preview.
  zone(
    './server/desired',
    ['./server/services', './server/trpc', './server/reconciler', './server/dataplane'],
    'server/desired reads rows and compiles.',
  ),
  zone(
    './server/reconciler',
    ['./server/services', './server/trpc', './server/dataplane'],
    'The reconciler compiles and pushes; it calls no service.',
  ),
  zone('./server/trpc', ['./server/reconciler', './server/desired'], 'Procedures call services.'),
  zone('./server/trpc', './server/dataplane', 'Procedures see the data plane through its current state only.', [
    './current.ts',
    './port.ts',
  ]),
  // components: UI; of the server only pure schemas/rules and the router's type.
  zone(
    './components',
    others('./components', './lib', './server'),
    'components/ import components/, lib/ and server/domain only.',
  ),
  zone('./components', './server', 'components/ import pure server/domain modules and the AppRouter type only.', [
    './domain',
    './trpc/router.ts',
  ]),
  zone('./app', ['./db', './agent', './lab'], 'app/ routes reach data through server/ (tRPC, session, runtime).'),
];

const config = [
  {
    ignores: [
      '.next/**',
      'node_modules/**',
      'data/**',
      'db/migrations/**',
      'next-env.d.ts',
      'test-results/**',
      'playwright-report/**',
      '.reports/**',
      'dist/**',
    ],
  },
  ...nextVitals,
  ...nextTs,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Prettier wraps code at 130; what it cannot wrap (strings, comments) must still fit in 140.
      'max-len': ['error', { code: 140 }],
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mjs'],
    ignores: [...exempt, 'server/dataplane/lab.ts'],
    rules: {
      'import/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layers }],
      'import/no-cycle': ['error', { ignoreExternal: true, disableScc: true }],
    },
    // Never parse dependencies while following imports (cycles are ours to find, not theirs).
    settings: { 'import/ignore': ['node_modules'] },
  },
  {
    // The one wiring file: the lab plugged into the data-plane port (everything else still holds).
    files: ['server/dataplane/lab.ts'],
    rules: {
      'import/no-restricted-paths': [
        'error',
        { basePath: import.meta.dirname, zones: layers.filter((z) => !(z.target === './server' && z.from.includes?.('./lab'))) },
      ],
    },
  },
  {
    // The browser gets the router's type, never its code.
    files: ['components/**'],
    ignores: exempt,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: [{ name: '@/server/trpc/router', allowTypeImports: true, message: 'Import the AppRouter type only.' }] },
      ],
    },
  },
];

export default config;
