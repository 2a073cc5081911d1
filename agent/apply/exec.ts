import { spawn } from 'node:child_process';

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`${command} failed (exit ${exitCode}): ${stderr.trim().split('\n').slice(0, 5).join(' | ')}`);
    this.name = 'CommandError';
  }
}

/**
 * Runs a program with arguments (never a shell), optional stdin; resolves stdout, rejects CommandError.
 * `signal` kills it (a read that an apply made stale).
 */
export function run(
  cmd: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      ...(opts.signal ? { signal: opts.signal, killSignal: 'SIGKILL' as const } : {}),
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new CommandError(cmd, null, e.message));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new CommandError(`${cmd} ${args.join(' ')}`.slice(0, 200), code, err));
    });
    if (opts.input !== undefined) {
      // A program that exits without reading its input closes the pipe: not our failure to report.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(opts.input);
    }
  });
}

/**
 * Reads nftables state (`nft list …`) at the lowest CPU priority: listing a big table is O(N) CPU
 * (~0.4 s at 10k EIPs), and a drift hash must never slow the apply that follows it.
 */
export function nftRead(args: string[], signal?: AbortSignal): Promise<string> {
  return run('nice', ['-n', '19', 'nft', ...args], { signal });
}
