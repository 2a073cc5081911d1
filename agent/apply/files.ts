import fs from 'node:fs/promises';

/** Writes through a temp file + rename, only when the bytes differ; true when it wrote. */
export async function writeIfChanged(file: string, text: string, mode = 0o600): Promise<boolean> {
  const old = await fs.readFile(file, 'utf8').catch(() => null);
  if (old === text) return false;
  await fs.writeFile(`${file}.tmp`, text, { mode });
  await fs.rename(`${file}.tmp`, file);
  return true;
}

/** The PID in a pid file when that process is alive, else null. */
export async function pidAlive(pidFile: string): Promise<number | null> {
  const pid = Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}
