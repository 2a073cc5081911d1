import next from 'eslint-config-next';

export default [
  { ignores: ['.next/**', 'node_modules/**', 'data/**', 'db/migrations/**', 'next-env.d.ts', 'test-results/**', 'playwright-report/**'] },
  ...next,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
];
