import { deviceNames, type HostConfig } from '../protocol/host';
import { uplinkDevice } from './host-nft';

/** What `ip -j -d link show` reports, reduced to what the host agent manages. */
export interface ObservedHostLink {
  name: string;
  up: boolean;
  mtu: number;
  master?: string;
  alias?: string;
  kind?: string;
  vxlan?: { id: number; local?: string; port?: number };
}

/** Devices the agent creates carry this alias, so it removes only its own. */
export const OWNED_ALIAS = 'cloudrouter';

export interface HostLinkPlan {
  /** Bridges and uplinks: made first, so the DHCP servers can join their bridges. */
  batch: string[];
  /** VM ports into their bridges: run last, once the port's DHCP server knows its lease. */
  plugs: string[];
  /** VM ports named in the config that do not exist yet (the VM is not started). */
  missingPorts: string[];
}

/**
 * `ip -batch` lines that make bridges, uplinks and VM ports match the config: create what is
 * missing, fix masters and state, delete devices the agent owns but no longer wants.
 */
export function planHostLinks(observed: ObservedHostLink[], cfg: HostConfig): HostLinkPlan {
  const batch: string[] = [];
  const byName = new Map(observed.map((l) => [l.name, l]));
  const wanted = new Set<string>();
  const plugs: string[] = [];
  const plug = (dev: string, bridge: string, mtu?: number, into = batch) => {
    const have = byName.get(dev);
    if (!have || have.master !== bridge || !have.up || (mtu && have.mtu !== mtu)) {
      into.push(`link set dev ${dev} master ${bridge}${mtu ? ` mtu ${mtu}` : ''} up`);
    }
  };

  for (const b of cfg.bridges) {
    wanted.add(b.name);
    const have = byName.get(b.name);
    if (!have) batch.push(`link add name ${b.name} type bridge`, `link set dev ${b.name} alias ${OWNED_ALIAS}`);
    if (!have || !have.up || (b.mtu && have.mtu !== b.mtu))
      batch.push(`link set dev ${b.name}${b.mtu ? ` mtu ${b.mtu}` : ''} up`);
    const u = b.uplink;
    const dev = uplinkDevice(b);
    wanted.add(dev);
    const existing = byName.get(dev);
    if (u.kind === 'nic' && !existing) throw new Error(`physical NIC ${u.nic} does not exist on this host`);
    if (u.kind === 'vlan' && !existing) {
      if (!byName.has(u.nic)) throw new Error(`physical NIC ${u.nic} does not exist on this host`);
      batch.push(`link add link ${u.nic} name ${dev} type vlan id ${u.vlanId}`);
    }
    if (u.kind === 'vxlan') {
      const stale =
        existing && (existing.vxlan?.id !== u.vni || existing.vxlan?.local !== u.localIp || existing.vxlan?.port !== u.dstPort);
      if (stale) batch.push(`link del ${dev}`);
      if (!existing || stale) {
        batch.push(
          `link add ${dev} type vxlan id ${u.vni} local ${u.localIp} dstport ${u.dstPort} nolearning`,
          `link set dev ${dev} alias ${OWNED_ALIAS}`,
        );
      }
    }
    plug(dev, b.name, b.mtu);
  }

  const missingPorts: string[] = [];
  for (const p of cfg.ports) {
    if (!byName.has(p.name)) missingPorts.push(p.name);
    else plug(p.name, p.bridge, undefined, plugs);
  }

  for (const d of cfg.dhcp) wanted.add(deviceNames.dhcpVeth(d.l3Id));
  for (const l of observed) {
    if (l.alias === OWNED_ALIAS && !wanted.has(l.name)) batch.push(`link del ${l.name}`);
  }
  return { batch, plugs, missingPorts };
}

interface IpLinkJson {
  ifname: string;
  flags?: string[];
  mtu?: number;
  master?: string;
  ifalias?: string;
  linkinfo?: { info_kind?: string; info_data?: { id?: number; local?: string; port?: number } };
}

export function parseIpLinkDetailed(json: string): ObservedHostLink[] {
  return (JSON.parse(json) as IpLinkJson[]).map((l) => ({
    name: l.ifname,
    up: (l.flags ?? []).includes('UP'),
    mtu: l.mtu ?? 1500,
    master: l.master,
    alias: l.ifalias,
    kind: l.linkinfo?.info_kind,
    vxlan:
      l.linkinfo?.info_kind === 'vxlan'
        ? { id: l.linkinfo.info_data?.id ?? 0, local: l.linkinfo.info_data?.local, port: l.linkinfo.info_data?.port }
        : undefined,
  }));
}

/** Head-end replication: one all-zero FDB entry per remote VTEP; returns `bridge -batch` lines. */
export function planFdb(observedDsts: Map<string, string[]>, cfg: HostConfig): string[] {
  const out: string[] = [];
  for (const b of cfg.bridges) {
    if (b.uplink.kind !== 'vxlan') continue;
    const dev = deviceNames.vxlan(b.uplink.vni);
    const have = new Set(observedDsts.get(dev) ?? []);
    const want = new Set(b.uplink.remotes);
    for (const r of want) if (!have.has(r)) out.push(`fdb append 00:00:00:00:00:00 dev ${dev} dst ${r}`);
    for (const r of have) if (!want.has(r)) out.push(`fdb del 00:00:00:00:00:00 dev ${dev} dst ${r}`);
  }
  return out;
}
