import { performance } from 'node:perf_hooks';
import path from 'node:path';
import type { Check, CheckResult } from '../server/dataplane/port';
import type { NetnsLab } from './netns';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';

const LISTENER = path.join(process.cwd(), 'lab', 'vm', 'listen.mjs');

/**
 * How long each check may take, in seconds: the program is given that deadline, and the process is
 * killed a moment after it whatever it does — a target that never answers costs at most this.
 */
export function checkDeadlineSeconds(check: Exclude<Check, { kind: 'listen' }>): number {
  switch (check.kind) {
    case 'ping':
      return (check.count ?? 3) + 1;
    case 'tcp':
    case 'udp':
      return 3;
    case 'http':
    case 'dns':
      return 5;
  }
}
/** The lab's "listen" processes by namespace, transport and port. */
const listeners = new WeakMap<NetnsLab, Map<string, ChildProcess>>();

/** Ends a process the lab started and waits until it is gone (a second at most). */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = once(child, 'exit');
  child.kill('SIGTERM');
  await Promise.race([gone, new Promise((r) => setTimeout(r, 1000))]);
}

/** The hard stop for the process: the stated deadline and a second for the process to end. */
const hardStop = (check: Exclude<Check, { kind: 'listen' }>) => ({ timeoutMs: (checkDeadlineSeconds(check) + 1) * 1000 });

async function timed(fn: () => Promise<string>): Promise<{ ok: boolean; ms: number; output: string }> {
  const t0 = performance.now();
  try {
    const output = await fn();
    return { ok: true, ms: Math.round(performance.now() - t0), output };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return { ok: false, ms: Math.round(performance.now() - t0), output: (e.stderr || e.message).trim() };
  }
}

export async function runCheck(lab: NetnsLab, ns: string, check: Check): Promise<CheckResult> {
  switch (check.kind) {
    case 'ping': {
      const r = await timed(() =>
        lab.exec(
          ns,
          'ping',
          ['-c', String(check.count ?? 3), '-W', '1', '-i', '0.2', '-w', String(checkDeadlineSeconds(check)), check.target],
          hardStop(check),
        ),
      );
      const rtt = /= [\d.]+\/([\d.]+)\//.exec(r.output)?.[1];
      return { ...r, summary: r.ok ? `${check.target} replied${rtt ? `, avg ${rtt} ms` : ''}` : `no reply from ${check.target}` };
    }
    case 'tcp': {
      // bash opens the connection and reads what the server says first (a lab listener names its
      // machine); host and port are positional arguments, not part of the script.
      const r = await timed(() =>
        lab.exec(
          ns,
          'timeout',
          [
            String(checkDeadlineSeconds(check)),
            'bash',
            '-c',
            'exec 3<>"/dev/tcp/$0/$1" || exit 1; timeout 1 head -c 200 <&3; exit 0',
            check.target,
            String(check.port),
          ],
          hardStop(check),
        ),
      );
      const banner = r.output.trim().split('\n')[0] ?? '';
      const who = /^cloudrouter-lab \d+ (.+)$/.exec(banner)?.[1];
      return {
        ...r,
        summary: r.ok
          ? `connected to ${check.target}:${check.port}${who ? `, answered by ${who}` : ''}`
          : `could not connect to ${check.target}:${check.port}`,
      };
    }
    case 'udp': {
      const r = await timed(() =>
        lab.exec(
          ns,
          'timeout',
          [
            String(checkDeadlineSeconds(check)),
            'bash',
            '-c',
            'echo cloudrouter-probe > "/dev/udp/$0/$1"',
            check.target,
            String(check.port),
          ],
          hardStop(check),
        ),
      );
      return {
        ...r,
        summary: r.ok ? `sent a datagram to ${check.target}:${check.port}` : `could not send to ${check.target}:${check.port}`,
      };
    }
    case 'http': {
      const r = await timed(() =>
        lab.exec(
          ns,
          'curl',
          [
            '-s',
            '-S',
            '-m',
            String(checkDeadlineSeconds(check)),
            '-w',
            '\nHTTP %{http_code} in %{time_total} s from %{remote_ip}',
            check.url,
          ],
          hardStop(check),
        ),
      );
      const status = /HTTP (\d{3})/.exec(r.output)?.[1];
      const ok = r.ok && status !== undefined && status.startsWith('2');
      // The lab's web server tells the client the address it saw (SNAT / EIP source).
      const seen = /"you":"([\d.]+)"/.exec(r.output)?.[1];
      return {
        ...r,
        ok,
        summary: ok
          ? `GET ${check.url}: HTTP ${status}${seen ? `, seen as ${seen}` : ''}`
          : `GET ${check.url} failed${status ? `: HTTP ${status}` : ''}`,
      };
    }
    case 'dns': {
      const r = await timed(() =>
        lab.exec(
          ns,
          'timeout',
          [String(checkDeadlineSeconds(check)), 'busybox', 'nslookup', '-type=a', check.name],
          hardStop(check),
        ),
      );
      // busybox prints the server first, then "Name:" followed by the answers.
      const afterName = r.output.slice(Math.max(0, r.output.indexOf('Name:')));
      const answers = [...new Set([...afterName.matchAll(/Address:\s*(\d+\.\d+\.\d+\.\d+)\s*$/gm)].map((m) => m[1]!))];
      return {
        ...r,
        summary: r.ok && answers.length ? `${check.name} → ${answers.join(', ')}` : `could not resolve ${check.name}`,
      };
    }
    case 'listen': {
      // One listener per namespace, transport and port: a new call replaces the one before, so the
      // port is served for as long as the latest caller asked (an earlier listener's deadline would
      // otherwise end it under the later caller, or its port would make the new one fail to bind).
      const l4 = check.protocol === 'udp' ? 'udp' : 'tcp';
      const key = `${ns}/${l4}/${check.port}`;
      const byKey = listeners.get(lab) ?? new Map<string, ChildProcess>();
      listeners.set(lab, byKey);
      const before = byKey.get(key);
      if (before) await stop(before);
      const child = lab.spawn(ns, process.execPath, [
        LISTENER,
        check.protocol,
        String(check.port),
        String(check.seconds),
        check.label ?? '',
      ]);
      byKey.set(key, child);
      child.on('exit', () => {
        if (byKey.get(key) === child) byKey.delete(key);
      });
      // Ready once this listener holds the port (one the lab no longer knows of — a console before
      // a restart — holds it until its own deadline; the new one binds as soon as it is free).
      for (let i = 0; i < 50; i++) {
        const out = await lab.exec(ns, 'ss', ['-Hlnp', `-${l4[0]}`, `sport = :${check.port}`]).catch(() => '');
        if (out.includes(`pid=${child.pid},`)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      return {
        ok: true,
        ms: 0,
        summary: `listening on ${check.protocol.toUpperCase()} ${check.port} for ${check.seconds} s`,
        output: '',
      };
    }
  }
}
