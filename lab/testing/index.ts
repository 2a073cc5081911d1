import { describe } from 'vitest';
import { labSupported } from '../netns';

export { buildRouterWorld } from './router-world';
export { connLoad, describeLoads, freePort, startBuiltConsole, type ConnLoad, type ConsoleProcess } from './console-process';

/**
 * `describe` for tests that need root and network namespaces. They run wherever they can (CI runs as
 * root); only a person's explicit CLOUDROUTER_SKIP_LAB=1 skips them, and the runner says so.
 * Without root and without that variable they fail, saying why.
 */
export async function labDescribe(name: string, body: () => void) {
  const support = await labSupported();
  if (support.ok) return describe(name, body);
  if (process.env.CLOUDROUTER_SKIP_LAB === '1') return describe.skip(`${name} [skipped: CLOUDROUTER_SKIP_LAB=1]`, body);
  throw new Error(`${name}: ${support.why}. Run as root, or set CLOUDROUTER_SKIP_LAB=1 to skip lab tests explicitly.`);
}

/**
 * A lab name for one test: the run's tag (CLOUDROUTER_LAB_RUN, set by scripts/test.sh so it can sweep
 * its own leftovers after a crash) + the test's tag + random letters.
 */
export function randomLabName(tag: string): string {
  const run = process.env.CLOUDROUTER_LAB_RUN ?? 't';
  return `${run}${tag}${Math.random().toString(36).slice(2, 8)}`.slice(0, 12);
}
