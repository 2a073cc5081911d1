import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { run } from '../agent/apply/exec';
import { processAlive } from '../agent/apply/files';

/** Where each running lab records the process that owns it (root only, cleared at boot). */
export const LAB_REGISTRY = '/run/cloudrouter/labs';

/** The process that built a lab, and whether it still runs (a lab whose owner is gone was left by a crash). */
export interface LabOwner {
  pid: number;
  startedAt: string;
  alive: boolean;
}

/**
 * Network namespaces of one lab, all named `cr-<lab>-…`, so a lab is torn down completely and two
 * labs never collide. Nothing here touches the root namespace's interfaces, routes or firewall:
 * every link is created inside, or moved into, a lab namespace.
 */
export class NetnsLab {
  readonly prefix: string;
  private readonly children = new Set<ChildProcess>();
  private claimed = false;

  constructor(readonly name: string) {
    if (!/^[a-z0-9]{1,12}$/.test(name)) throw new Error(`lab name must be 1–12 of a-z 0-9: ${name}`);
    this.prefix = `cr-${name}-`;
  }

  ns(short: string): string {
    return `${this.prefix}${short}`;
  }

  /** Runs `ip -batch` in the root namespace; every line must create things inside lab namespaces. */
  async batch(lines: string[]): Promise<void> {
    for (const l of lines) {
      if (!/\bnetns cr-/.test(l) && !/^netns add cr-/.test(l))
        throw new Error(`lab batch line would touch the root namespace: ${l}`);
    }
    // The first namespace a process makes registers it as the lab's owner (`lab status` tells a
    // running lab from a leftover).
    if (!this.claimed && lines.some((l) => /^netns add /.test(l))) await this.claim();
    await run('ip', ['-batch', '-'], { input: lines.join('\n') + '\n' });
  }

  /** Runs `ip -n NS -batch` inside one lab namespace. */
  async nsBatch(short: string, lines: string[]): Promise<void> {
    await run('ip', ['-n', this.ns(short), '-batch', '-'], { input: lines.join('\n') + '\n' });
  }

  exec(short: string, cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
    return run('ip', ['netns', 'exec', this.ns(short), cmd, ...args], opts);
  }

  /**
   * Starts a long-running process inside a namespace; it is stopped by PID at teardown. Its output
   * goes straight to its log file (or nowhere), never through a pipe to this process: when the
   * console dies (SIGKILL), the lab's agents and VMs keep running and logging until the next
   * console adopts them (a pipe would break their next write).
   */
  spawn(short: string, cmd: string, args: string[], logFile?: string): ChildProcess {
    return this.track('ip', ['netns', 'exec', this.ns(short), cmd, ...args], logFile);
  }

  /**
   * Starts a process that enters only the namespace's network (nsenter --net): it shares the root
   * mount namespace, so namespaces it creates with `ip netns add` are visible (and swept) like ours.
   * Host agents run this way.
   */
  spawnNetOnly(short: string, cmd: string, args: string[], logFile?: string): ChildProcess {
    return this.track('nsenter', [`--net=/run/netns/${this.ns(short)}`, '--', cmd, ...args], logFile);
  }

  private track(cmd: string, args: string[], logFile?: string): ChildProcess {
    const fd = logFile ? openSync(logFile, 'a') : null;
    try {
      // Its own process group: a signal to the console's whole group (a group kill) does not reach the lab.
      const child = spawn(cmd, args, { stdio: fd === null ? 'ignore' : ['ignore', fd, fd], detached: true });
      this.children.add(child);
      child.on('exit', () => this.children.delete(child));
      return child;
    } finally {
      if (fd !== null) closeSync(fd);
    }
  }

  /** `/etc/netns/NS/resolv.conf`: what `ip netns exec` shows a namespace as its resolver. */
  async setResolver(short: string, nameserver: string): Promise<void> {
    const dir = `/etc/netns/${this.ns(short)}`;
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(`${dir}/resolv.conf`, `nameserver ${nameserver}\n`);
  }

  /** Our namespaces that exist now. */
  async list(): Promise<string[]> {
    const out = await run('ip', ['netns', 'list']);
    return out
      .split('\n')
      .map((l) => l.split(' ')[0]!)
      .filter((n) => n.startsWith(this.prefix));
  }

  /** The PIDs of the processes inside one of our namespaces (full name). */
  async pids(ns: string): Promise<string[]> {
    return (await run('ip', ['netns', 'pids', ns]).catch(() => '')).split('\n').filter(Boolean);
  }

  /**
   * The same as down(), synchronously: for a process's 'exit' event, which runs however the process
   * ends (Next.js exits on SIGTERM before asynchronous work would finish).
   */
  downSync(): void {
    if (process.env.CLOUDROUTER_LAB_KEEP === '1') return;
    for (const child of this.children) if (child.pid) killQuietly(child.pid);
    let names: string[] = [];
    try {
      names = execFileSync('ip', ['netns', 'list'])
        .toString()
        .split('\n')
        .map((l) => l.split(' ')[0]!)
        .filter((n) => n.startsWith(this.prefix));
    } catch {
      return;
    }
    for (const ns of names) {
      try {
        for (const pid of execFileSync('ip', ['netns', 'pids', ns])
          .toString()
          .split('\n')
          .map(Number)
          .filter((p) => p > 0))
          killQuietly(pid, 'SIGKILL');
        execFileSync('ip', ['netns', 'del', ns]);
      } catch {
        /* best effort at exit */
      }
      rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
    }
    rmSync(this.ownerFile, { force: true });
  }

  /** Stops the processes of one of our namespaces by PID and deletes it. */
  async removeNamespace(ns: string): Promise<void> {
    if (!ns.startsWith(this.prefix)) throw new Error(`${ns} is not a namespace of lab ${this.name}`);
    const pids = (await run('ip', ['netns', 'pids', ns]).catch(() => ''))
      .split('\n')
      .map(Number)
      .filter((p) => Number.isInteger(p) && p > 0);
    for (const pid of pids) killQuietly(pid, 'SIGKILL');
    await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    await fs.rm(`/etc/netns/${ns}`, { recursive: true, force: true });
  }

  private get ownerFile() {
    return path.join(LAB_REGISTRY, `${this.name}.json`);
  }

  /** Who built this lab, from the registry; null when no process claimed it. */
  async owner(): Promise<LabOwner | null> {
    const text = await fs.readFile(this.ownerFile, 'utf8').catch(() => null);
    if (!text) return null;
    const { pid, startedAt } = JSON.parse(text) as { pid: number; startedAt: string };
    return { pid, startedAt, alive: await processAlive(pid) };
  }

  /** Records this process as the lab's owner. */
  async claim(): Promise<void> {
    await fs.mkdir(LAB_REGISTRY, { recursive: true });
    await fs.writeFile(this.ownerFile, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }));
    this.claimed = true;
  }

  /** Stops every process in our namespaces by PID, then deletes the namespaces and their /etc/netns dirs. */
  async down(): Promise<void> {
    if (process.env.CLOUDROUTER_LAB_KEEP === '1') {
      process.stderr.write(
        `CLOUDROUTER_LAB_KEEP=1: leaving lab ${this.prefix}* up; remove it with scripts/lab-sweep.sh ${this.name}\n`,
      );
      return;
    }
    for (const child of this.children) if (child.pid) killQuietly(child.pid);
    for (const ns of await this.list()) await this.removeNamespace(ns);
    await fs.rm(this.ownerFile, { force: true });
    this.claimed = false;
  }
}

function killQuietly(pid: number, signal: NodeJS.Signals = 'SIGTERM') {
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}

/**
 * Every lab on this machine (namespaces named cr-<name>-…), with its owner: a lab whose owner is
 * gone, or that no process claimed, is the leftover of a run that did not stop (a SIGKILLed console,
 * a crashed test run).
 */
export async function labsOnThisMachine(): Promise<Array<{ name: string; namespaces: string[]; owner: LabOwner | null }>> {
  const names = (await run('ip', ['netns', 'list']).catch(() => ''))
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter(Boolean);
  const byLab = new Map<string, string[]>();
  for (const ns of names) {
    const m = /^cr-([a-z0-9]{1,12})-/.exec(ns);
    if (m) byLab.set(m[1]!, [...(byLab.get(m[1]!) ?? []), ns]);
  }
  return Promise.all(
    [...byLab]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(async ([name, namespaces]) => ({ name, namespaces, owner: await new NetnsLab(name).owner() })),
  );
}

/** Whether this process can build labs (root, with `ip netns`). */
export async function labSupported(): Promise<{ ok: true } | { ok: false; why: string }> {
  if (process.getuid?.() !== 0) return { ok: false, why: 'the lab needs root (network namespaces)' };
  for (const tool of ['ip', 'nft', 'dnsmasq', 'busybox', 'curl']) {
    const found = await run('sh', ['-c', `command -v ${tool}`]).catch(() => '');
    if (!found.trim()) return { ok: false, why: `${tool} is missing (run scripts/install.sh --test as root)` };
  }
  return { ok: true };
}
