import dgram from 'node:dgram';

/**
 * Health of UDP backends (SPEC R-LB-2, R-LB-3): haproxy checks TCP and HTTP backends itself, the
 * vRouter agent checks UDP ones and lists only the healthy in the kernel's DNAT rule
 * (`render/udp-lb.ts`).
 *
 * The vRouter agent runs these checks for each UDP listener (`apply/lb.ts`) at its interval.
 */

/**
 * A backend's state from its checks, as the seed words it: an unhealthy backend that passes
 * `rise` checks in a row is healthy again; a healthy one that fails `fall` in a row is unhealthy.
 */
export class HealthState {
  private streak = 0;
  constructor(
    private readonly rise: number,
    private readonly fall: number,
    private state: 'healthy' | 'unhealthy' = 'healthy',
  ) {}

  get healthy(): boolean {
    return this.state === 'healthy';
  }

  /** One check's result; true when the state changed with it. */
  record(passed: boolean): boolean {
    const towards = this.healthy ? !passed : passed;
    if (!towards) {
      this.streak = 0;
      return false;
    }
    this.streak++;
    if (this.streak < (this.healthy ? this.fall : this.rise)) return false;
    this.state = this.healthy ? 'unhealthy' : 'healthy';
    this.streak = 0;
    return true;
  }
}

/**
 * One UDP check: a datagram to the backend; it passes when anything comes back within `timeoutMs`
 * (`answered`). It fails at once on an ICMP error — port or host unreachable: the socket is
 * connected, so the kernel reports it (`unreachable`) — and on silence (`silent`): a backend whose
 * service does not answer cannot be told from one that is gone.
 */
export function probeUdp(
  ip: string,
  port: number,
  opts: { timeoutMs: number; payload?: string },
): Promise<'answered' | 'unreachable' | 'silent'> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    let done = false;
    const finish = (how: 'answered' | 'unreachable' | 'silent') => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.close();
      resolve(how);
    };
    const timer = setTimeout(() => finish('silent'), opts.timeoutMs);
    s.on('message', () => finish('answered'));
    s.on('error', () => finish('unreachable'));
    s.connect(port, ip, (err?: Error) => {
      if (err) return finish('unreachable');
      s.send(opts.payload ?? 'cloudrouter-health-check', (e) => e && finish('unreachable'));
    });
  });
}
