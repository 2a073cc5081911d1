import { defineConfig } from '@playwright/test';

// Fixed by the environment (set before Playwright starts) — the config is evaluated once per worker.
const port = Number(process.env.E2E_PORT ?? 3210);
const dataDir = process.env.E2E_DATA_DIR ?? `/tmp/cloudrouter-e2e-${port}`;
export const ADMIN_PASSWORD = process.env.E2E_ADMIN_PASSWORD ?? 'e2e-admin-password';

export default defineConfig({
  testDir: './e2e',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['json', { outputFile: process.env.E2E_REPORT ?? '.reports/e2e.json' }]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    // A fresh embedded database for every run.
    command: `rm -rf ${dataDir} && npx next start -H 127.0.0.1 -p ${port}`,
    url: `http://127.0.0.1:${port}/login`,
    reuseExistingServer: false,
    timeout: 120_000,
    // The console starts its built-in lab when it runs as root; its namespaces are cr-<lab name>-….
    env: {
      CLOUDROUTER_DATA_DIR: dataDir,
      CLOUDROUTER_ADMIN_PASSWORD: ADMIN_PASSWORD,
      CLOUDROUTER_LAB_NAME: process.env.E2E_LAB_NAME ?? 'e2e',
    },
    stdout: 'pipe',
    stderr: 'pipe',
    // SIGTERM lets the console tear its lab down.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
  },
});
