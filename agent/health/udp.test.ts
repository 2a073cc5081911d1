import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { HealthState, probeUdp } from './udp';

describe('UDP backends’ health (R-LB-2, R-LB-3)', () => {
  it('a healthy backend turns unhealthy after `fall` failures in a row, and back after `rise` passes', () => {
    const h = new HealthState(2, 3);
    expect(h.healthy).toBe(true);
    expect([h.record(false), h.record(false)]).toEqual([false, false]);
    expect(h.record(true)).toBe(false); // a pass in between starts the count again
    expect([h.record(false), h.record(false), h.record(false)]).toEqual([false, false, true]);
    expect(h.healthy).toBe(false);
    expect([h.record(true), h.record(false), h.record(true)]).toEqual([false, false, false]);
    expect(h.record(true)).toBe(true);
    expect(h.healthy).toBe(true);
  });

  it('starts unhealthy when told (a backend just bound is checked before it takes traffic)', () => {
    const h = new HealthState(1, 1, 'unhealthy');
    expect(h.healthy).toBe(false);
    expect(h.record(true)).toBe(true);
  });

  // Sockets on the loopback of the test's own network namespace: no interface, route or firewall is touched.
  const sockets: dgram.Socket[] = [];
  afterAll(() => sockets.forEach((s) => s.close()));
  const server = (answer: boolean) =>
    new Promise<number>((resolve) => {
      const s = dgram.createSocket('udp4');
      sockets.push(s);
      s.on('message', (m, from) => answer && s.send(m, from.port, from.address));
      s.bind(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port));
    });

  it('a probe passes when the backend answers; fails on port unreachable (the ICMP error, not a timeout), and on silence', async () => {
    expect(await probeUdp('127.0.0.1', await server(true), { timeoutMs: 1000 })).toBe('answered');

    const closed = await server(false);
    sockets.pop()!.close();
    // A timeout longer than the test's own: only the ICMP error can end this probe in time.
    expect(await probeUdp('127.0.0.1', closed, { timeoutMs: 60_000 })).toBe('unreachable');

    expect(await probeUdp('127.0.0.1', await server(false), { timeoutMs: 200 })).toBe('silent');
  });
});
