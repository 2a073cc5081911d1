import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Check } from '@/server/dataplane/port';
import { checkDeadlineSeconds, runCheck } from './checks';
import { NetnsLab } from './netns';
import { labDescribe, randomLabName } from './testing';

/**
 * A target that never answers: a "sink" namespace that answers ARP for 192.0.2.2 and silently drops
 * every IP packet. Each connectivity check from the neighbouring namespace must give up within its
 * stated deadline (checkDeadlineSeconds) — none hangs, whatever the target does.
 */
const lab = new NetnsLab(randomLabName('chk'));
const SINK = '192.0.2.2';

await labDescribe('connectivity checks end within their stated deadline', () => {
  beforeAll(async () => {
    await lab.batch([`netns add ${lab.ns('v')}`, `netns add ${lab.ns('sink')}`]);
    await lab.batch([`link add eth0 netns ${lab.ns('v')} type veth peer name eth0 netns ${lab.ns('sink')}`]);
    await lab.nsBatch('v', ['link set lo up', 'link set eth0 up', 'addr add 192.0.2.1/24 dev eth0']);
    await lab.nsBatch('sink', ['link set lo up', 'link set eth0 up', `addr add ${SINK}/24 dev eth0`]);
    await lab.exec('sink', 'nft', ['-f', '-'], {
      input: 'table inet sink {\n\tchain in { type filter hook input priority 0; policy drop; }\n}\n',
    });
    await lab.setResolver('v', SINK);
  });
  afterAll(async () => lab.down());

  const checks: Array<Exclude<Check, { kind: 'listen' }>> = [
    { kind: 'ping', target: SINK, count: 3 },
    { kind: 'tcp', target: SINK, port: 22 },
    { kind: 'http', url: `http://${SINK}/` },
    { kind: 'dns', name: 'example.com' },
  ];
  it.each(checks)('$kind to a silent target fails within its deadline', async (check) => {
    const t0 = performance.now();
    const result = await runCheck(lab, 'v', check);
    const seconds = (performance.now() - t0) / 1000;
    expect(result.ok).toBe(false);
    expect(seconds).toBeLessThanOrEqual(checkDeadlineSeconds(check) + 1.5);
  });
  it('a datagram to a silent target is sent at once (UDP has no answer to wait for)', async () => {
    const t0 = performance.now();
    const result = await runCheck(lab, 'v', { kind: 'udp', target: SINK, port: 53 });
    expect(result.ok).toBe(true);
    expect((performance.now() - t0) / 1000).toBeLessThanOrEqual(checkDeadlineSeconds({ kind: 'udp', target: SINK, port: 53 }));
  });

  const answeredBy = async (port: number) =>
    /answered by (\S+)/.exec((await runCheck(lab, 'v', { kind: 'tcp', target: '192.0.2.1', port })).summary)?.[1];
  it('a listen replaces the earlier one on its port: served until the later deadline, by the later caller', async () => {
    await runCheck(lab, 'v', { kind: 'listen', protocol: 'tcp', port: 8080, seconds: 2, label: 'first' });
    expect(await answeredBy(8080)).toBe('first');
    await runCheck(lab, 'v', { kind: 'listen', protocol: 'tcp', port: 8080, seconds: 6, label: 'second' });
    expect(await answeredBy(8080)).toBe('second');
    // Past the first one's deadline the port is still served.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await answeredBy(8080)).toBe('second');
  });
  it('a listen on a port held by a listener the lab does not know takes it as soon as that one ends', async () => {
    lab.spawn('v', process.execPath, ['lab/vm/listen.mjs', 'tcp', '8081', '1', 'stranger']);
    await expect.poll(() => answeredBy(8081)).toBe('stranger');
    await runCheck(lab, 'v', { kind: 'listen', protocol: 'tcp', port: 8081, seconds: 6, label: 'ours' });
    await expect.poll(() => answeredBy(8081), { timeout: 3000 }).toBe('ours');
  });
});
