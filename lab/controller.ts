import fs from 'node:fs/promises';
import path from 'node:path';
import { deviceNames } from '../agent/protocol/host';
import type {
  Check,
  CheckResult,
  DataCenterInventory,
  DataCenterPort,
  DataCenterSyncReport,
  InventoryHost,
  InventoryMachine,
} from '../server/dataplane/port';
import { startAgent } from './agents';
import { runCheck } from './checks';
import type { NetnsLab } from './netns';
import { logger } from '../lib/logger';
import { processAlive } from '../agent/apply/files';

const UDHCPC_SCRIPT = path.join(process.cwd(), 'lab', 'vm', 'udhcpc.sh');

const SAVED_LAB_VERSION = 1;
/** The controller's picture of its lab, saved beside it (`controller.json`) for adoption after a crash. */
interface SavedLab {
  version: number;
  internetUp: boolean;
  fabPorts: number;
  machines: Array<[string, string]>;
  hostsUp: string[];
  gatewaysUp: Array<[string, { gwIp: string; routed: string[] }]>;
  agentProcs: Array<[string, { kind: 'host' | 'vrouter'; ns: string; pid: number; stateDir: string }]>;
  hostLinks: Array<[string, { peer: string; seg: string | null }]>;
  tokens: Array<[string, string]>;
}
const short = (id: string) => id.replace(/-/g, '').slice(-8);

/** The lab internet: a web server for example.com and a DNS server, on documentation ranges. */
export const LAB_INTERNET = {
  web: '198.51.100.10',
  dns: '198.51.100.53',
  client: '203.0.113.10',
  ranges: ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'],
};

/**
 * Builds the data center of an inventory as network namespaces and plays its hypervisor: hosts with
 * their agents, a fabric switch per segment, the public network's gateway and the internet behind
 * it, VMs (namespaces that take their address by real DHCP) and vRouters (with their agent). It is
 * the server's data-plane port: it reports where the agents it started listen and which hosts got
 * new ports, and the server records that; the reconciler does the rest.
 */
export class LabController implements DataCenterPort {
  private readonly machines = new Map<string, string>();
  private readonly hostsUp = new Set<string>();
  private readonly gatewaysUp = new Map<string, { gwIp: string; routed: Set<string> }>();
  private internetUp = false;
  /** Fabric-side link names are numbered: f0, f1, … */
  private fabPorts = 0;
  private readonly agentProcs = new Map<string, { kind: 'host' | 'vrouter'; ns: string; pid: number; stateDir: string }>();
  /** Each host link's fabric end and the segment it is plugged into. */
  private readonly hostLinks = new Map<string, { peer: string; seg: string | null }>();
  /** Agents started since the last report: where they listen. */
  private endpoints: DataCenterSyncReport['agentEndpoints'] = [];
  /** The token each agent was started with (a restart reuses it). */
  private readonly tokens = new Map<string, string>();

  constructor(
    readonly lab: NetnsLab,
    private readonly dir: string,
  ) {}

  get name() {
    return this.lab.name;
  }

  hostNs = (hostId: string) => `h${short(hostId)}`;
  vmNs = (vmId: string) => `v${short(vmId)}`;
  routerNs = (routerId: string) => `r${short(routerId)}`;
  /** The DHCP namespaces a host agent creates carry the lab's prefix too (so they are swept with it). */
  namespacePrefixFor = (hostId: string) => `${this.lab.prefix}${this.hostNs(hostId)}-`;

  /**
   * Fabric, internet, public gateways, hosts with their links and agents, then the machines.
   * Incremental: call it as often as you like; it adds hosts, VLAN links, public gateways and
   * machines that appeared since and removes the machines that are gone.
   */
  async sync(inv: DataCenterInventory): Promise<DataCenterSyncReport> {
    try {
      await this.up(inv);
      const hostsChanged = await this.syncMachines(inv.machines);
      const agentEndpoints = this.endpoints;
      this.endpoints = [];
      return { agentEndpoints, hostsChanged };
    } finally {
      await this.saveState();
    }
  }

  private get statePath() {
    return path.join(this.dir, 'controller.json');
  }

  /** What the lab holds, as plain data: what a console started after this one crashed adopts. */
  private snapshot(): SavedLab {
    return {
      version: SAVED_LAB_VERSION,
      internetUp: this.internetUp,
      fabPorts: this.fabPorts,
      machines: [...this.machines],
      hostsUp: [...this.hostsUp],
      gatewaysUp: [...this.gatewaysUp].map(([id, g]) => [id, { gwIp: g.gwIp, routed: [...g.routed] }]),
      agentProcs: [...this.agentProcs],
      hostLinks: [...this.hostLinks],
      tokens: [...this.tokens],
    };
  }

  private savedText = '';
  /** Written after every change (a small file, only when it changed), atomically. */
  private async saveState() {
    const text = JSON.stringify(this.snapshot());
    if (text === this.savedText) return;
    await fs.mkdir(this.dir, { recursive: true });
    await fs.writeFile(`${this.statePath}.tmp`, text, { mode: 0o600 });
    await fs.rename(`${this.statePath}.tmp`, this.statePath);
    this.savedText = text;
  }

  /**
   * A lab left by a console that did not stop (SIGKILL, power cut): takes it over as it is — its
   * namespaces, links, gateways, VMs and agents keep running and nothing is rebuilt, so traffic
   * through it never stops. An agent that died meanwhile is started again. Null, with the reason,
   * when the lab cannot be adopted (no saved state, or namespaces gone): then it is rebuilt.
   */
  static async adopt(lab: NetnsLab, dir: string): Promise<{ controller: LabController; restarted: string[] } | { why: string }> {
    const text = await fs.readFile(path.join(dir, 'controller.json'), 'utf8').catch(() => null);
    if (text === null) return { why: 'no saved lab state' };
    let saved: SavedLab;
    try {
      saved = JSON.parse(text) as SavedLab;
    } catch {
      return { why: 'the saved lab state does not parse' };
    }
    if (saved.version !== SAVED_LAB_VERSION) return { why: `saved lab state of version ${saved.version}` };
    const c = new LabController(lab, dir);
    c.internetUp = saved.internetUp;
    c.fabPorts = saved.fabPorts;
    for (const [k, v] of saved.machines) c.machines.set(k, v);
    for (const h of saved.hostsUp) c.hostsUp.add(h);
    for (const [id, g] of saved.gatewaysUp) c.gatewaysUp.set(id, { gwIp: g.gwIp, routed: new Set(g.routed) });
    for (const [k, v] of saved.hostLinks) c.hostLinks.set(k, v);
    for (const [k, v] of saved.tokens) c.tokens.set(k, v);
    const existing = new Set(await lab.list());
    const wanted = [
      ...(c.internetUp ? ['fab', 'inet'] : []),
      ...[...c.hostsUp].map(c.hostNs),
      ...[...c.gatewaysUp.keys()].map((id) => `g${short(id)}`),
      ...c.machines.keys(),
    ];
    const missing = wanted.filter((ns) => !existing.has(lab.ns(ns)));
    if (missing.length) return { why: `namespaces gone: ${missing.slice(0, 5).join(', ')}` };
    // What was made after the last save has no record (the console died mid-sync): removed, the
    // next sync makes it again. The DHCP namespaces of known hosts are their agents'.
    const known = new Set(wanted.map((ns) => lab.ns(ns)));
    const dhcpOf = [...c.hostsUp].map((h) => c.namespacePrefixFor(h));
    for (const ns of existing) if (!known.has(ns) && !dhcpOf.some((p) => ns.startsWith(p))) await lab.removeNamespace(ns);
    const restarted: string[] = [];
    for (const [id, a] of saved.agentProcs) {
      c.agentProcs.set(id, a);
      const cmdline = await fs.readFile(`/proc/${a.pid}/cmdline`, 'utf8').catch(() => '');
      if ((await processAlive(a.pid)) && cmdline.includes(id)) continue;
      await c.startAgent(a.kind, id, a.ns, c.tokens.get(id) ?? '');
      restarted.push(id);
    }
    c.endpoints = [];
    await c.saveState();
    return { controller: c, restarted };
  }

  checkFromVm(vmId: string, check: Check): Promise<CheckResult> {
    return runCheck(this.lab, this.vmNs(vmId), check);
  }

  checkFromInternet(check: Exclude<Check, { kind: 'listen' }>): Promise<CheckResult> {
    return runCheck(this.lab, 'inet', check);
  }

  private async up(inv: DataCenterInventory): Promise<void> {
    if (!this.internetUp) {
      await fs.mkdir(this.dir, { recursive: true });
      await fs.chmod(this.dir, 0o755);
      await this.buildInternet();
      this.internetUp = true;
    }
    await this.connectPublicGateways(inv.publicNetworks);
    for (const host of inv.hosts) await this.ensureHost(host);
  }

  private async segment(name: string, mtu?: number) {
    const exists = await this.lab.exec('fab', 'ip', ['link', 'show', name]).then(
      () => true,
      () => false,
    );
    if (!exists)
      await this.lab.nsBatch('fab', [`link add ${name}${mtu ? ` mtu ${mtu}` : ''} type bridge`, `link set ${name} up`]);
  }

  private async buildInternet() {
    const [fab, inet] = ['fab', 'inet'].map((s) => this.lab.ns(s));
    await this.lab.batch([`netns add ${fab}`, `netns add ${inet}`]);
    await this.lab.nsBatch('fab', ['link set lo up']);
    await this.lab.nsBatch('inet', [
      'link set lo up',
      `addr add ${LAB_INTERNET.web}/32 dev lo`,
      `addr add ${LAB_INTERNET.dns}/32 dev lo`,
      // The internet client: checks "from the internet" (to EIPs, forwarded ports) come from here.
      `addr add ${LAB_INTERNET.client}/32 dev lo`,
      // The internet answers for every address of the documentation ranges.
      ...LAB_INTERNET.ranges.map((r) => `route add local ${r} dev lo`),
    ]);
    // Replies leave through the gateway the connection came in from (marked per gateway link), so
    // two clouds may use overlapping "public" ranges — the seed's 10.0.0.0/8 — side by side.
    await this.lab.exec('inet', 'nft', ['-f', '-'], {
      input: [
        'table ip cr_inet {',
        '\tchain pre { type filter hook prerouting priority mangle; policy accept; }',
        '\tchain out { type route hook output priority mangle; policy accept; meta mark set ct mark; }',
        '}',
        '',
      ].join('\n'),
    });
    this.lab.spawn('inet', process.execPath, ['lab/internet/web.mjs', '0.0.0.0', '80'], path.join(this.dir, 'inet-web.log'));
    await this.lab.exec('inet', 'dnsmasq', [
      '--conf-file=/dev/null',
      '--no-resolv',
      '--no-hosts',
      '--bind-interfaces',
      `--listen-address=${LAB_INTERNET.dns}`,
      `--address=/example.com/${LAB_INTERNET.web}`,
      `--pid-file=${path.join(this.dir, 'inet-dns.pid')}`,
    ]);
  }

  /**
   * The gateway of every public L3 lives in its own namespace on that L3's segment, linked to the
   * internet, which routes the L3's range back to it. Two public L3s with overlapping ranges: the
   * internet routes the range to the first (a warning says so).
   */
  private async connectPublicGateways(publics: DataCenterInventory['publicNetworks']) {
    for (const l3 of publics) {
      const up = this.gatewaysUp.get(l3.l3Id);
      if (up) {
        // A range added to a network whose gateway is up: the internet routes it there too.
        await this.routePublicRanges(l3, up);
        continue;
      }
      const k = this.gatewaysUp.size;
      const gw = `g${short(l3.l3Id)}`;
      const seg = this.segmentOf(l3.l2Id);
      await this.segment(seg);
      // A /30 per gateway from 100.64.255.0/24 between the internet and that gateway.
      const inetIp = `100.64.255.${4 * k + 1}`;
      const gwIp = `100.64.255.${4 * k + 2}`;
      const fabPeer = `f${this.fabPorts++}`;
      await this.lab.batch([
        `netns add ${this.lab.ns(gw)}`,
        `link add up${k} netns ${this.lab.ns('inet')} type veth peer name up0 netns ${this.lab.ns(gw)}`,
        `link add pub0 netns ${this.lab.ns(gw)} type veth peer name ${fabPeer} netns ${this.lab.ns('fab')}`,
      ]);
      await this.lab.nsBatch('fab', [`link set ${fabPeer} master ${seg} up`]);
      await this.lab.nsBatch(gw, [
        'link set lo up',
        'link set up0 up',
        'link set pub0 up',
        `addr add ${gwIp}/30 dev up0`,
        `addr add ${l3.gateway}/${l3.prefixLength} dev pub0`,
        `route add default via ${inetIp}`,
      ]);
      await this.lab.exec(gw, 'sh', ['-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
      const mark = k + 1;
      await this.lab.nsBatch('inet', [
        `link set up${k} up`,
        `addr add ${inetIp}/30 dev up${k}`,
        `rule add fwmark ${mark} table ${100 + mark}`,
        `route add default via ${gwIp} table ${100 + mark}`,
      ]);
      await this.lab.exec('inet', 'nft', [
        'add',
        'rule',
        'ip',
        'cr_inet',
        'pre',
        'iifname',
        `up${k}`,
        'ct',
        'state',
        'new',
        'ct',
        'mark',
        'set',
        String(mark),
      ]);
      const gateway = { gwIp, routed: new Set<string>() };
      this.gatewaysUp.set(l3.l3Id, gateway);
      await this.routePublicRanges(l3, gateway);
    }
  }

  /**
   * The internet routes the L3's ranges (not its whole subnet) to its gateway: the seed's
   * 10.108.10.0–11.255 and 10.108.12.0–13.255 share 10.0.0.0/8 but are both reachable.
   */
  private async routePublicRanges(
    l3: DataCenterInventory['publicNetworks'][number],
    gateway: { gwIp: string; routed: Set<string> },
  ) {
    for (const cidr of l3.rangeCidrs.filter((c) => !gateway.routed.has(c))) {
      gateway.routed.add(cidr);
      await this.lab.nsBatch('inet', [`route add ${cidr} via ${gateway.gwIp} src ${LAB_INTERNET.client}`]).catch(() => {
        logger.info(
          { l3: l3.l3Id, cidr },
          'lab: this public range overlaps another public network; replies still return through the gateway each connection came from',
        );
      });
    }
  }

  /** Each L2 is its own broadcast domain in the fabric. */
  private segmentOf(l2Id: string) {
    return `s-${short(l2Id)}`;
  }

  /**
   * A host namespace: a link per physical NIC and per VLAN its L2s need (the trunk emulation), the
   * VTEP on the underlay, and its agent. Adds what is missing; a VLAN L2 attached later gets its link.
   */
  private async ensureHost(host: InventoryHost) {
    const ns = this.hostNs(host.id);
    const fresh = !this.hostsUp.has(host.id);
    if (fresh) {
      await this.lab.batch([`netns add ${this.lab.ns(ns)}`]);
      await this.lab.nsBatch(ns, ['link set lo up']);
    }
    const attached = host.l2s;
    // Each physical NIC goes to the segment of the NoVlan L2 on it in this cluster (R-L2-2 allows
    // one), each VLAN L2 gets its trunk link; links of L2s attached later are added when seen.
    const links: Array<{ dev: string; seg: string | null }> = host.nics.map((nic) => {
      const l2 = attached.find((a) => a.type === 'novlan' && a.physicalNic === nic);
      return { dev: nic, seg: l2 ? this.segmentOf(l2.id) : null };
    });
    for (const l2 of attached) {
      if (l2.type === 'vlan' && l2.physicalNic)
        links.push({ dev: deviceNames.vlan(l2.physicalNic, l2.vlanId!), seg: this.segmentOf(l2.id) });
    }
    for (const { dev, seg } of links) {
      const key = `${host.id}/${dev}`;
      let fabPeer = this.hostLinks.get(key)?.peer;
      if (!fabPeer) {
        fabPeer = `f${this.fabPorts++}`;
        await this.lab.batch([
          `link add ${dev} netns ${this.lab.ns(ns)} type veth peer name ${fabPeer} netns ${this.lab.ns('fab')}`,
        ]);
        await this.lab.nsBatch(ns, [`link set ${dev} up`]);
        this.hostLinks.set(key, { peer: fabPeer, seg: null });
      }
      const link = this.hostLinks.get(key)!;
      if (seg && link.seg !== seg) {
        await this.segment(seg);
        await this.lab.nsBatch('fab', [`link set ${fabPeer} master ${seg} up`]);
        link.seg = seg;
      }
    }
    if (!fresh) return;
    // The VXLAN underlay: the host's VTEP on a segment of its own, prefix from the pool's VTEP CIDR.
    await this.segment('s-vtep', 9000);
    const vpeer = `f${this.fabPorts++}`;
    await this.lab.batch([
      `link add vtep0 netns ${this.lab.ns(ns)} mtu 9000 type veth peer name ${vpeer} netns ${this.lab.ns('fab')} mtu 9000`,
    ]);
    await this.lab.nsBatch('fab', [`link set ${vpeer} master s-vtep up`]);
    await this.lab.nsBatch(ns, ['link set vtep0 up', `addr add ${host.vtep.ip}/${host.vtep.prefixLength} dev vtep0`]);
    await this.startAgent('host', host.id, ns, host.agentToken);
    this.hostsUp.add(host.id);
  }

  private async startAgent(kind: 'host' | 'vrouter', id: string, ns: string, token: string) {
    this.tokens.set(id, token);
    const started = await startAgent(this.lab, { kind, ns, id, dir: this.dir, token });
    this.agentProcs.set(id, {
      kind,
      ns,
      pid: started.pid,
      stateDir: path.join(path.dirname(started.client.address), 'state'),
    });
    this.endpoints.push({ agentId: id, endpoint: `unix:${started.client.address}` });
  }

  /** The PID of an agent the lab started (benchmarks, fault tests). */
  agentPid(id: string): number | undefined {
    return this.agentProcs.get(id)?.pid;
  }

  /**
   * Fault injection: kills an agent by its PID (SIGKILL) and starts it again — with its saved state,
   * or with its state directory wiped, as after a reinstall.
   */
  async restartAgent(id: string, opts: { wipeState?: boolean } = {}): Promise<void> {
    const a = this.agentProcs.get(id);
    if (!a) throw new Error(`agent ${id} was not started by this lab`);
    try {
      process.kill(a.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    for (let i = 0; i < 50; i++) {
      try {
        process.kill(a.pid, 0);
        await new Promise((r) => setTimeout(r, 20));
      } catch {
        break;
      }
    }
    if (opts.wipeState) await fs.rm(a.stateDir, { recursive: true, force: true });
    await this.startAgent(a.kind, id, a.ns, this.tokens.get(id) ?? '');
    await this.saveState();
  }

  /**
   * Makes the running VMs and vRouters exist as namespaces (their NICs as veths into their hosts)
   * and removes the ones that are gone or stopped. Answers the hosts whose ports changed, so the
   * server gives them a new generation and their agent plugs the new ports.
   */
  private async syncMachines(machines: InventoryMachine[]): Promise<DataCenterSyncReport['hostsChanged']> {
    const running = new Map(machines.map((m) => [m.kind === 'vm' ? this.vmNs(m.id) : this.routerNs(m.id), m]));
    const touched = new Set<string>();
    for (const [ns, m] of running) {
      const own = m.nics;
      const signature = own.map((n) => `${n.deviceIndex}/${n.mac}`).join(',') + `@${m.hostId}`;
      if (this.machines.get(ns) === signature) continue;
      if (this.machines.has(ns)) await this.removeMachine(ns);
      // A namespace is torn down asynchronously by the kernel: host-side ports of a machine just
      // removed (a vRouter re-created with a new NIC) may still exist. Deleting one end of a veth
      // removes the pair at once.
      for (const n of own)
        await this.lab.nsBatch(this.hostNs(m.hostId), [`link del ${deviceNames.port(n.id)}`]).catch(() => undefined);
      await this.lab.batch([
        `netns add ${this.lab.ns(ns)}`,
        ...own.map(
          (n) =>
            `link add eth${n.deviceIndex} netns ${this.lab.ns(ns)} address ${n.mac} type veth peer name ` +
            `${deviceNames.port(n.id)} netns ${this.lab.ns(this.hostNs(m.hostId))}`,
        ),
      ]);
      await this.lab.nsBatch(ns, ['link set lo up', ...own.map((n) => `link set eth${n.deviceIndex} up`)]);
      if (m.kind === 'vrouter') await this.startAgent('vrouter', m.id, ns, m.agentToken ?? '');
      this.machines.set(ns, signature);
      if (m.kind === 'vm') void this.bootWhenPlugged(ns, signature, m.hostId, own);
      touched.add(m.hostId);
    }
    for (const ns of [...this.machines.keys()].filter((n) => !running.has(n))) {
      await this.removeMachine(ns);
      touched.add('*');
    }
    return touched.has('*') ? 'all' : [...touched];
  }

  /**
   * The lab plays the hypervisor: as a real one starts a guest once its NICs are plugged into the
   * host's bridge, the VM "boots" (its DHCP clients start) when the host agent has enslaved every
   * port — a DHCP request sent into an unplugged veth would be lost and cost the client's retry
   * (the 1 s half of "create VM → first ping" being bimodal, issue 12). After 30 s it boots anyway.
   */
  private async bootWhenPlugged(ns: string, signature: string, hostId: string, own: InventoryMachine['nics']) {
    const ports = own.map((n) => deviceNames.port(n.id));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && this.machines.get(ns) === signature) {
      const out = await this.lab.exec(this.hostNs(hostId), 'ip', ['-j', 'link', 'show', 'type', 'veth']).catch(() => '[]');
      const plugged = new Set(
        (JSON.parse(out || '[]') as { ifname: string; master?: string }[]).filter((l) => l.master).map((l) => l.ifname),
      );
      if (ports.every((p) => plugged.has(p))) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    if (this.machines.get(ns) === signature) await this.startDhcpClients(ns, own).catch(() => undefined);
  }

  /** A VM runs busybox udhcpc on each NIC for as long as it lives (it renews like a real guest). */
  private async startDhcpClients(ns: string, own: InventoryMachine['nics']) {
    const resolv = `/etc/netns/${this.lab.ns(ns)}/resolv.conf`;
    await fs.mkdir(path.dirname(resolv), { recursive: true });
    for (const n of own) {
      const env = [`CR_RESOLV=${resolv}`, ...(n.isDefault ? [] : ['CR_NO_ROUTE=1'])];
      this.lab.spawn(
        ns,
        'env',
        [...env, 'busybox', 'udhcpc', '-f', '-i', `eth${n.deviceIndex}`, '-t', '5', '-T', '1', '-A', '1', '-s', UDHCPC_SCRIPT],
        path.join(this.dir, `${ns}-dhcp.log`),
      );
    }
  }

  private async removeMachine(ns: string) {
    await this.lab.removeNamespace(this.lab.ns(ns));
    this.machines.delete(ns);
  }

  /** The address a VM's NIC holds now (what DHCP gave it), or null. */
  async addressOf(vmId: string, nic = 'eth0'): Promise<string | null> {
    const out = await this.lab.exec(this.vmNs(vmId), 'ip', ['-4', '-br', 'addr', 'show', 'dev', nic]).catch(() => '');
    return /(\d+\.\d+\.\d+\.\d+)\//.exec(out)?.[1] ?? null;
  }

  async down(): Promise<void> {
    await this.lab.down();
  }

  downSync(): void {
    this.lab.downSync();
  }
}
