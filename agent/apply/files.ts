import fs from 'node:fs/promises';

/** Writes through a temp file + rename, only when the bytes differ; true when it wrote. */
export async function writeIfChanged(file: string, text: string, mode = 0o600): Promise<boolean> {
  const old = await fs.readFile(file, 'utf8').catch(() => null);
  if (old === text) return false;
  await fs.writeFile(`${file}.tmp`, text, { mode });
  await fs.rename(`${file}.tmp`, file);
  return true;
}

/**
 * The PID in a pid file when that process is alive, else null. A zombie is not alive: a daemon
 * killed by hand stays one until its parent (often not us) reaps it, and `kill -0` still succeeds.
 */
export async function pidAlive(pidFile: string): Promise<number | null> {
  const pid = Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).trim());
  return (await processAlive(pid)) ? pid : null;
}

/** Whether a process runs (and is no zombie). */
export async function processAlive(pid: number): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return false;
  // "pid (comm) S …": the state follows the last ')' (comm may contain one).
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}
