import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { agents } from '@/db/schema';
import { AgentClient } from '@/agent/client';
import { syncDataCenter } from '@/server/dataplane/inventory';
import { Reconciler } from '@/server/reconciler/reconciler';
import { openHarness } from '@/server/testing/harness';
import { buildBasicDataCenter } from '@/server/testing/basic-datacenter';
import { runCheck } from './checks';
import { LabController, LAB_INTERNET } from './controller';
import { NetnsLab } from './netns';
import { labDescribe, randomLabName } from './testing';
import { waitFor } from './testing/scenario';

/**
 * S-BASIC end to end (SPEC §5, R-VM-1..3, R-DHCP-1, R-DNS-1, R-SNAT-1): the seed's data center and
 * two VMs made through the API; the lab builds it as namespaces, the reconciler drives real agents.
 * The public L3's DNS is the lab internet's (198.51.100.53) instead of the seed's 114.114.114.114.
 */
let h: Awaited<ReturnType<typeof openHarness>>;
let lab: NetnsLab;
let ctl: LabController;
let rec: Reconciler;
let dir: string;
let vm1: { id: string; ip: string };
let vm2: { id: string; ip: string };
let routerPublicIp: string;

await labDescribe('S-BASIC in the lab: two VMs behind a vRouter', () => {
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cr-basic-'));
    h = await openHarness();
    const dc = await buildBasicDataCenter(h.admin, { publicDns: [LAB_INTERNET.dns] });
    const offering = await h.admin.instanceOffering.create({ name: 'small', cpu: 1, memory: 1, memoryUnit: 'G' });
    const image = await h.admin.image.create({
      name: 'busybox',
      kind: 'vm',
      backupStorageId: dc.bs.id,
      url: 'http://192.0.2.10/busybox.qcow2',
    });
    lab = new NetnsLab(randomLabName('b'));
    ctl = new LabController(lab, dir);
    await syncDataCenter(h.db, ctl);
    rec = new Reconciler(h.db, {
      namespacePrefixFor: ctl.namespacePrefixFor,
      baseBackoffMs: 200,
      maxBackoffMs: 2000,
      resyncMs: 1000,
    });
    rec.start(100);
    const made = await h.admin.vm.create({
      name: 'VM',
      instanceOfferingId: offering.id,
      imageId: image.id,
      l3Ids: [dc.privateL3.id],
      count: 2,
    });
    vm1 = { id: made[0]!.id, ip: made[0]!.nics[0]!.ip };
    vm2 = { id: made[1]!.id, ip: made[1]!.nics[0]!.ip };
    routerPublicIp = (await h.admin.vrouter.list({})).items[0]!.nics.find((n) => n.role === 'public')!.ip;
    await syncDataCenter(h.db, ctl);
    await rec.settle(60_000);
  });

  afterAll(async () => {
    await rec?.stop();
    await ctl?.down();
    await h?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
    expect(await lab.list()).toEqual([]);
  });

  it('R-DHCP-1 both VMs get their address by DHCP from their host’s dnsmasq', async () => {
    expect(await waitFor('VM-1 DHCP', () => ctl.addressOf(vm1.id))).toBe(vm1.ip);
    expect(await waitFor('VM-2 DHCP', () => ctl.addressOf(vm2.id))).toBe(vm2.ip);
    expect(await lab.exec(ctl.vmNs(vm1.id), 'ip', ['route', 'show', 'default'])).toContain('via 192.168.10.1');
  });

  it('R-DNS-1 they resolve example.com through the vRouter', async () => {
    expect(await fs.readFile(`/etc/netns/${lab.ns(ctl.vmNs(vm1.id))}/resolv.conf`, 'utf8')).toBe('nameserver 192.168.10.1\n');
    const out = await lab.exec(ctl.vmNs(vm1.id), 'busybox', ['nslookup', '-type=a', 'example.com', '192.168.10.1']);
    expect(out).toContain(LAB_INTERNET.web);
  });

  it('R-SNAT-1 / R-VM-3 they fetch a page from the internet, which sees the vRouter’s public IP', async () => {
    for (const vm of [vm1, vm2]) {
      const page = JSON.parse(await lab.exec(ctl.vmNs(vm.id), 'curl', ['-s', '-m', '5', 'http://example.com/'])) as {
        you: string;
      };
      expect(page.you).toBe(routerPublicIp);
    }
  });

  it('R-VM-3 VM-1 and VM-2 ping each other', async () => {
    await lab.exec(ctl.vmNs(vm1.id), 'ping', ['-c', '2', '-W', '1', vm2.ip]);
    await lab.exec(ctl.vmNs(vm2.id), 'ping', ['-c', '2', '-W', '1', vm1.ip]);
  });

  it('connectivity checks report success and failure, with timings', async () => {
    const ns = ctl.vmNs(vm1.id);
    expect(await runCheck(lab, ns, { kind: 'ping', target: vm2.ip })).toMatchObject({
      ok: true,
      summary: expect.stringContaining('replied'),
    });
    expect(await runCheck(lab, ns, { kind: 'ping', target: '192.168.10.250', count: 1 })).toMatchObject({
      ok: false,
      summary: 'no reply from 192.168.10.250',
    });
    const http = await runCheck(lab, ns, { kind: 'http', url: 'http://example.com/' });
    expect(http).toMatchObject({ ok: true, summary: `GET http://example.com/: HTTP 200, seen as ${routerPublicIp}` });
    expect(http.ms).toBeGreaterThan(0);
    expect(await runCheck(lab, ns, { kind: 'dns', name: 'example.com' })).toMatchObject({
      ok: true,
      summary: `example.com → ${LAB_INTERNET.web}`,
    });
    expect(await runCheck(lab, ns, { kind: 'tcp', target: LAB_INTERNET.web, port: 80 })).toMatchObject({ ok: true });
    expect(await runCheck(lab, ns, { kind: 'tcp', target: LAB_INTERNET.web, port: 81 })).toMatchObject({ ok: false });
    // A listener on VM-2, reached from VM-1.
    expect(await runCheck(lab, ctl.vmNs(vm2.id), { kind: 'listen', port: 5000, protocol: 'tcp', seconds: 5 })).toMatchObject({
      ok: true,
    });
    expect(await runCheck(lab, ns, { kind: 'tcp', target: vm2.ip, port: 5000 })).toMatchObject({
      ok: true,
      summary: `connected to ${vm2.ip}:5000`,
    });
  });

  it('R-SPOOF-1 a VM sending with a neighbour’s address or a forged MAC gets no packet through; its own traffic passes', async () => {
    const router = (await h.admin.vrouter.list({})).items[0]!;
    const gateway = router.nics.find((n) => n.role === 'private')!.ip;
    const [v1, v2, r] = [ctl.vmNs(vm1.id), ctl.vmNs(vm2.id), ctl.routerNs(router.id)];
    const stranger = '192.168.10.250';
    const mac1 = (await lab.exec(v1, 'cat', ['/sys/class/net/eth0/address'])).trim();
    // Receive counters of this test's own at VM-2 and at the router, beside the agents' tables.
    const count = (ns: string, rules: Record<string, string>) =>
      lab.exec(ns, 'nft', ['-f', '-'], {
        input: [
          'table inet cr_spoof_test {',
          '  chain input { type filter hook prerouting priority -500; policy accept;',
          ...Object.entries(rules).map(([name, match]) => `    ${match} counter comment "${name}";`),
          '  }',
          '}',
          'table arp cr_spoof_test {',
          '  chain input { type filter hook input priority -500; policy accept;',
          `    arp saddr ip ${gateway} arp saddr ether ${mac1} counter comment "arp"; }`,
          '}',
          '',
        ].join('\n'),
      });
    const read = async (ns: string) => {
      const out =
        (await lab.exec(ns, 'nft', ['list', 'table', 'inet', 'cr_spoof_test'])) +
        (await lab.exec(ns, 'nft', ['list', 'table', 'arp', 'cr_spoof_test']).catch(() => ''));
      return Object.fromEntries(
        [...out.matchAll(/packets (\d+) bytes \d+ comment "([^"]+)"/g)].map((m) => [m[2]!, Number(m[1])]),
      );
    };
    await count(v2, {
      stranger: `ip saddr ${stranger} icmp type echo-request`,
      own: `ip saddr ${vm1.ip} icmp type echo-request`,
    });
    await count(r, { neighbour: `ip saddr ${vm2.ip} icmp type echo-request` });
    const ping = (args: string[]) => lab.exec(v1, 'ping', ['-c', '2', '-W', '1', ...args]).catch(() => 'no reply');
    try {
      // An address nobody has, to VM-2; a neighbour's (VM-2's) to the router — one at a time, or VM-2's
      // address held here would make VM-2 local.
      await lab.nsBatch(v1, [`addr add ${stranger}/32 dev eth0`]);
      await ping(['-I', stranger, vm2.ip]);
      await lab.nsBatch(v1, [`addr del ${stranger}/32 dev eth0`, `addr add ${vm2.ip}/32 dev eth0`]);
      await ping(['-I', vm2.ip, gateway]);
      await lab.nsBatch(v1, [`addr del ${vm2.ip}/32 dev eth0`]);
      // An ARP reply claiming the router's address.
      await lab.exec(v1, 'sh', ['-c', 'echo 1 > /proc/sys/net/ipv4/ip_nonlocal_bind']);
      await lab.exec(v1, 'busybox', ['arping', '-U', '-c', '2', '-I', 'eth0', '-s', gateway, gateway]).catch(() => '');
      // Its own address from a forged MAC.
      await lab.nsBatch(v1, ['link set eth0 address 02:00:00:00:ee:01']);
      await lab.exec(v1, 'ip', ['neigh', 'flush', 'dev', 'eth0']);
      await ping([vm2.ip]);
      expect(await read(v2)).toMatchObject({ stranger: 0, own: 0, arp: 0 });
      expect(await read(r)).toMatchObject({ neighbour: 0 });
    } finally {
      await lab.nsBatch(v1, [`link set eth0 address ${mac1}`]);
      await lab.exec(v1, 'ip', ['neigh', 'flush', 'dev', 'eth0']);
    }
    // Its own traffic, from its own MAC and address, still passes.
    expect(await ping([vm2.ip])).toMatch(/, 2 received/);
    expect((await read(v2)).own).toBeGreaterThanOrEqual(2);
    expect(await ping([gateway])).toMatch(/, 2 received/);
    for (const ns of [v2, r]) {
      await lab.exec(ns, 'nft', ['delete', 'table', 'inet', 'cr_spoof_test']);
      await lab.exec(ns, 'nft', ['delete', 'table', 'arp', 'cr_spoof_test']);
    }
  });

  it('fault: a rule deleted by hand is restored by the next periodic resync', async () => {
    const router = (await h.admin.vrouter.list({})).items[0]!;
    const ns = lab.ns(ctl.routerNs(router.id));
    await lab.exec(ctl.routerNs(router.id), 'nft', ['flush', 'chain', 'ip', 'cr_vrouter', 'postrouting']);
    expect(await lab.exec(ctl.routerNs(router.id), 'nft', ['list', 'chain', 'ip', 'cr_vrouter', 'postrouting'])).not.toContain(
      'snat to',
    );
    const repaired = await waitFor(`the reconciler to repair ${ns}`, async () => {
      const out = await lab.exec(ctl.routerNs(router.id), 'nft', ['list', 'chain', 'ip', 'cr_vrouter', 'postrouting']);
      return out.includes('snat to') ? out : null;
    });
    expect(repaired).toContain(`snat to ${routerPublicIp}`);
    expect(await runCheck(lab, ctl.vmNs(vm1.id), { kind: 'http', url: 'http://example.com/' })).toMatchObject({ ok: true });
  });

  it('fault (R-HITLESS-1): ip_forward switched off by hand is switched on by the periodic resync alone', async () => {
    const router = (await h.admin.vrouter.list({})).items[0]!;
    const ns = ctl.routerNs(router.id);
    const [before] = await h.db.select().from(agents).where(eq(agents.id, router.id));
    await lab.exec(ns, 'sh', ['-c', 'echo 0 > /proc/sys/net/ipv4/ip_forward']);
    expect((await lab.exec(ns, 'cat', ['/proc/sys/net/ipv4/ip_forward'])).trim()).toBe('0');
    await waitFor(
      'ip_forward back on',
      async () => (await lab.exec(ns, 'cat', ['/proc/sys/net/ipv4/ip_forward'])).trim() === '1',
    );
    // No config change was involved: the same generation, repaired by the drift check.
    const [after] = await h.db.select().from(agents).where(eq(agents.id, router.id));
    expect(after!.desiredGeneration).toBe(before!.desiredGeneration);
    expect(await runCheck(lab, ctl.vmNs(vm1.id), { kind: 'http', url: 'http://example.com/' })).toMatchObject({ ok: true });
  });

  it('fault (R-HITLESS-1): DNS forwarder and DHCP server, killed, restart by the periodic check alone', async () => {
    const router = (await h.admin.vrouter.list({})).items[0]!;
    const before = new Map((await h.db.select().from(agents)).map((r) => [r.id, r.desiredGeneration]));
    /** The dnsmasq processes of the namespaces this lab owns whose name starts with `prefix`. */
    const dnsmasqs = async (prefix: string) => {
      const found: Array<{ ns: string; pid: number }> = [];
      for (const ns of (await lab.list()).filter((n) => n.startsWith(prefix))) {
        for (const pid of (await lab.pids(ns)).map(Number)) {
          if ((await fs.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim() === 'dnsmasq') found.push({ ns, pid });
        }
      }
      return found;
    };
    const forwarder = await dnsmasqs(lab.ns(ctl.routerNs(router.id)));
    const [host] = await h.db.select().from(agents).where(eq(agents.kind, 'host'));
    const dhcp = await dnsmasqs(ctl.namespacePrefixFor(host!.id));
    expect(forwarder).toHaveLength(1);
    expect(dhcp.length).toBeGreaterThanOrEqual(1);
    for (const d of [...forwarder, ...dhcp]) process.kill(d.pid, 'SIGKILL');
    await waitFor('every dnsmasq running again', async () => {
      const now = await dnsmasqs(lab.ns(''));
      return [...forwarder, ...dhcp].every((d) => now.some((n) => n.ns === d.ns && n.pid !== d.pid));
    });
    // No config change was involved: the same generations, repaired by the drift check.
    for (const r of await h.db.select().from(agents)) expect(r.desiredGeneration).toBe(before.get(r.id));
    expect(await runCheck(lab, ctl.vmNs(vm1.id), { kind: 'http', url: 'http://example.com/' })).toMatchObject({ ok: true });
  });

  it('fault: an agent killed and restarted with its state wiped gets its full config back', async () => {
    const router = (await h.admin.vrouter.list({})).items[0]!;
    const before = ctl.agentPid(router.id);
    await ctl.restartAgent(router.id, { wipeState: true });
    expect(ctl.agentPid(router.id)).not.toBe(before);
    const [row] = await h.db.select().from(agents).where(eq(agents.id, router.id));
    const client = new AgentClient(row!.endpoint!.slice('unix:'.length), row!.token);
    await waitFor(
      'the reconciler to push the full config again',
      async () => (await client.status()).appliedGeneration === row!.desiredGeneration,
    );
    expect(await runCheck(lab, ctl.vmNs(vm2.id), { kind: 'http', url: 'http://example.com/' })).toMatchObject({ ok: true });
  });

  it('every agent reports the generation it was given and no drift', async () => {
    const rows = await h.db.select().from(agents);
    expect(rows.length).toBe(2);
    for (const r of rows) expect(r).toMatchObject({ drift: false, lastError: null, appliedGeneration: r.desiredGeneration });
    const [routerAgent] = await h.db.select().from(agents).where(eq(agents.kind, 'vrouter'));
    expect(routerAgent!.endpoint).toMatch(/^unix:/);
  });
});
