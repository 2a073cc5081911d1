import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';

/** Compares rendered text with `__golden__/<name>`; UPDATE_GOLDEN=1 rewrites the file. */
export function golden(name: string, text: string) {
  const file = path.join(import.meta.dirname, '__golden__', name);
  if (process.env.UPDATE_GOLDEN === '1') fs.writeFileSync(file, text);
  expect(text).toBe(fs.readFileSync(file, 'utf8'));
}

/** The real checkers (nft, dnsmasq) need root and the tools: only an explicit opt-out skips them. */
export const checkersOptedOut = process.env.CLOUDROUTER_SKIP_LAB === '1';

export function have(bin: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`]);
    return true;
  } catch {
    return false;
  }
}
