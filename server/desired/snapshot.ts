import { and, asc, eq, inArray, isNotNull, or } from 'drizzle-orm';
import type { Executor } from '@/db/client';
import {
  lbBackends,
  lbCertificates,
  lbListeners,
  loadBalancers,
  agents,
  eips,
  hosts,
  ipRanges,
  l2Networks,
  l3Networks,
  nics,
  portForwards,
  routeEntries,
  routeTableRouters,
  securityGroupNics,
  securityGroupRules,
  securityGroups,
  vips,
  vms,
  vrouters,
} from '@/db/schema';
import { intToIp } from '@/lib/ipv4';
import type {
  HostSnapshot,
  SnapshotL2,
  SnapshotL3,
  SnapshotNic,
  SnapshotSecurity,
  SnapshotSgRule,
  VRouterSnapshot,
} from '../domain/compile/types';
import type { LbListener } from '@/agent/protocol/vrouter';

async function loadL3s(db: Executor, l3Ids: string[]): Promise<SnapshotL3[]> {
  if (l3Ids.length === 0) return [];
  const rows = await db.select().from(l3Networks).where(inArray(l3Networks.id, l3Ids));
  const ranges = await db.select().from(ipRanges).where(inArray(ipRanges.l3Id, l3Ids)).orderBy(asc(ipRanges.startIp));
  return rows.map((l) => {
    const r = ranges.find((x) => x.l3Id === l.id);
    return {
      id: l.id,
      l2Id: l.l2Id,
      category: l.category,
      type: l.type,
      dhcpEnabled: l.dhcpEnabled,
      dhcpServerIp: l.dhcpServerIp === null ? null : intToIp(l.dhcpServerIp),
      prefix: r?.prefixLength ?? 32,
      network: r ? intToIp(r.networkIp) : '0.0.0.0',
      gateway: r ? intToIp(r.gateway) : '0.0.0.0',
      dnsServers: l.dnsServers,
    };
  });
}

async function loadL2s(db: Executor, l2Ids: string[]): Promise<SnapshotL2[]> {
  if (l2Ids.length === 0) return [];
  return (await db.select().from(l2Networks).where(inArray(l2Networks.id, l2Ids))).map((l) => ({
    id: l.id,
    type: l.type,
    physicalNic: l.physicalNic,
    vlanId: l.vlanId,
    vni: l.vni,
  }));
}

/** Every NIC placed on these hosts, VM and vRouter alike, with whether it is plugged in now. */
async function nicsOnHosts(db: Executor, hostIds: string[]): Promise<Array<SnapshotNic & { hostId: string }>> {
  if (hostIds.length === 0) return [];
  const vmNics = await db
    .select({ n: nics, vm: vms })
    .from(nics)
    .innerJoin(vms, eq(vms.id, nics.vmId))
    .where(inArray(vms.hostId, hostIds));
  const routerNics = await db
    .select({ n: nics, r: vrouters })
    .from(nics)
    .innerJoin(vrouters, eq(vrouters.id, nics.vrouterId))
    .where(inArray(vrouters.hostId, hostIds));
  const view = (
    n: typeof nics.$inferSelect,
    owner: 'vm' | 'vrouter',
    ownerId: string,
    ownerName: string,
    running: boolean,
    hostId: string,
  ) => ({
    id: n.id,
    owner,
    ownerId,
    ownerName,
    l3Id: n.l3Id,
    role: n.role,
    ip: intToIp(n.ip),
    mac: n.mac,
    deviceIndex: n.deviceIndex,
    isDefault: n.isDefault,
    plugged: running && n.active,
    hostId,
  });
  return [
    ...vmNics.map(({ n, vm }) => view(n, 'vm', vm.id, vm.name, vm.state === 'running', vm.hostId)),
    ...routerNics.map(({ n, r }) => view(n, 'vrouter', r.id, r.name, r.state === 'running', r.hostId)),
  ];
}

/** A security-group rule row as the compiler (and the console's views) read it. */
export function sgRuleFacts(r: typeof securityGroupRules.$inferSelect): SnapshotSgRule {
  return {
    id: r.id,
    direction: r.direction,
    protocol: r.protocol,
    portStart: r.portStart,
    portEnd: r.portEnd,
    icmpType: r.icmpType,
    icmpCode: r.icmpCode,
    cidr: r.cidr,
    remoteGroupId: r.remoteGroupId,
    isDefault: r.isDefault,
  };
}

/** The groups of these VM NICs, their rules, and the members of the groups the rules name (R-SG-3). */
async function loadSecurity(db: Executor, nicIds: string[]): Promise<SnapshotSecurity> {
  const links = nicIds.length ? await db.select().from(securityGroupNics).where(inArray(securityGroupNics.nicId, nicIds)) : [];
  const memberships: Record<string, string[]> = {};
  for (const l of links) (memberships[l.nicId] ??= []).push(l.groupId);
  const groupIds = [...new Set(links.map((l) => l.groupId))];
  if (groupIds.length === 0) return { memberships, groups: [], members: {} };
  const groupRows = await db
    .select({ id: securityGroups.id, name: securityGroups.name })
    .from(securityGroups)
    .where(inArray(securityGroups.id, groupIds));
  const rules = await db
    .select()
    .from(securityGroupRules)
    .where(inArray(securityGroupRules.groupId, groupIds))
    .orderBy(asc(securityGroupRules.seq));
  const remote = [...new Set(rules.flatMap((r) => (r.remoteGroupId ? [r.remoteGroupId] : [])))];
  const memberRows = remote.length
    ? await db
        .select({ groupId: securityGroupNics.groupId, ip: nics.ip })
        .from(securityGroupNics)
        .innerJoin(nics, eq(nics.id, securityGroupNics.nicId))
        .where(inArray(securityGroupNics.groupId, remote))
    : [];
  const members: Record<string, string[]> = Object.fromEntries(remote.map((g) => [g, []]));
  for (const m of memberRows) members[m.groupId]!.push(intToIp(m.ip));
  return {
    memberships,
    groups: groupRows.map((g) => ({
      ...g,
      rules: rules.filter((r) => r.groupId === g.id).map(sgRuleFacts),
    })),
    members,
  };
}

export async function loadHostSnapshot(
  db: Executor,
  hostId: string,
  generation: number,
  namespacePrefix: string,
): Promise<HostSnapshot> {
  const [host] = await db.select().from(hosts).where(eq(hosts.id, hostId));
  if (!host) throw new Error(`host ${hostId} is gone`);
  const [agent] = await db.select({ portsEpoch: agents.portsEpoch }).from(agents).where(eq(agents.id, hostId));
  const here = await nicsOnHosts(db, [hostId]);
  const l3s = await loadL3s(db, [...new Set(here.map((n) => n.l3Id))]);
  const l2s = await loadL2s(db, [...new Set(l3s.map((l) => l.l2Id))]);
  const vrouterL3s = l3s.filter((l) => l.type === 'vrouter').map((l) => l.id);
  const routerIps = vrouterL3s.length
    ? await db
        .select({ l3Id: nics.l3Id, ip: nics.ip })
        .from(nics)
        .where(and(inArray(nics.l3Id, vrouterL3s), eq(nics.role, 'private'), isNotNull(nics.vrouterId)))
    : [];
  // Head-end replication: the VTEPs of the other hosts with plugged NICs on each VXLAN L2 here.
  const vxlanPeers: Record<string, string[]> = {};
  const vxl2s = l2s.filter((l) => l.type === 'vxlan').map((l) => l.id);
  if (vxl2s.length) {
    const peerL3s = await db
      .select({ id: l3Networks.id, l2Id: l3Networks.l2Id })
      .from(l3Networks)
      .where(inArray(l3Networks.l2Id, vxl2s));
    const l2Of = new Map(peerL3s.map((l) => [l.id, l.l2Id]));
    const allHosts = await db.select().from(hosts);
    const everywhere = await nicsOnHosts(
      db,
      allHosts.filter((h) => h.id !== hostId).map((h) => h.id),
    );
    for (const n of everywhere.filter((x) => x.plugged && l2Of.has(x.l3Id))) {
      const h = allHosts.find((x) => x.id === n.hostId)!;
      (vxlanPeers[l2Of.get(n.l3Id)!] ??= []).push(h.vtepIp ?? h.managementIp);
    }
  }
  return {
    host: { id: host.id, managementIp: host.managementIp, vtepIp: host.vtepIp },
    generation,
    namespacePrefix,
    portsEpoch: agent?.portsEpoch ?? 0,
    l2s,
    l3s,
    nics: here,
    vrouterIpByL3: Object.fromEntries(routerIps.map((r) => [r.l3Id, intToIp(r.ip)])),
    vxlanPeers,
    security: await loadSecurity(
      db,
      here.filter((n) => n.owner === 'vm').map((n) => n.id),
    ),
  };
}

export async function loadVRouterSnapshot(db: Executor, routerId: string, generation: number): Promise<VRouterSnapshot> {
  const [router] = await db.select().from(vrouters).where(eq(vrouters.id, routerId));
  if (!router) throw new Error(`vRouter ${routerId} is gone`);
  const own = (await nicsOnHosts(db, [router.hostId])).filter((n) => n.owner === 'vrouter' && n.ownerId === routerId);
  const served = own.filter((n) => n.role === 'private').map((n) => n.l3Id);
  const boundEips = served.length
    ? await db
        .select({ id: eips.id, vip: vips.ip, vipL3Id: vips.l3Id, target: nics.ip })
        .from(eips)
        .innerJoin(vips, eq(vips.id, eips.vipId))
        .innerJoin(nics, eq(nics.id, eips.nicId))
        .where(inArray(nics.l3Id, served))
        .orderBy(asc(eips.createdAt))
    : [];
  const boundPfs = served.length
    ? await db
        .select({ pf: portForwards, vip: vips.ip, vipL3Id: vips.l3Id, target: nics.ip })
        .from(portForwards)
        .innerJoin(vips, eq(vips.id, portForwards.vipId))
        .innerJoin(nics, eq(nics.id, portForwards.nicId))
        .where(inArray(nics.l3Id, served))
        .orderBy(asc(portForwards.createdAt))
    : [];
  const routes = await db
    .select({ destination: routeEntries.destination, nextHop: routeEntries.nextHop })
    .from(routeTableRouters)
    .innerJoin(routeEntries, eq(routeEntries.tableId, routeTableRouters.tableId))
    .where(eq(routeTableRouters.vrouterId, routerId))
    .orderBy(asc(routeEntries.createdAt));
  const lb = await loadLbListeners(db, routerId, served);
  return {
    router: { id: router.id },
    generation,
    l3s: await loadL3s(db, [...new Set(own.map((n) => n.l3Id))]),
    nics: own,
    eips: boundEips.map((e) => ({ id: e.id, vip: intToIp(e.vip), vipL3Id: e.vipL3Id, target: intToIp(e.target) })),
    portForwards: boundPfs.map(({ pf, vip, vipL3Id, target }) => ({
      id: pf.id,
      protocol: pf.protocol,
      vip: intToIp(vip),
      vipL3Id,
      vipPortStart: pf.vipPortStart,
      vipPortEnd: pf.vipPortEnd,
      target: intToIp(target),
      targetPortStart: pf.vmPortStart,
      allowedCidr: pf.allowedCidr,
    })),
    routes,
    ...lb,
  };
}

/**
 * The listeners a router serves (R-LB-3: all backends of a load balancer are on one router's
 * networks): those of load balancers with a backend on the networks it serves, or on its system VIP.
 */
async function loadLbListeners(
  db: Executor,
  routerId: string,
  served: string[],
): Promise<Pick<VRouterSnapshot, 'listeners' | 'certificates'>> {
  const withBackends = served.length
    ? db
        .selectDistinct({ id: lbListeners.lbId })
        .from(lbBackends)
        .innerJoin(nics, eq(nics.id, lbBackends.nicId))
        .innerJoin(lbListeners, eq(lbListeners.id, lbBackends.listenerId))
        .where(inArray(nics.l3Id, served))
    : null;
  const onSystemVip = db
    .select({ id: loadBalancers.id })
    .from(loadBalancers)
    .innerJoin(vips, eq(vips.id, loadBalancers.vipId))
    .where(eq(vips.vrouterId, routerId));
  const rows = await db
    .select({ l: lbListeners, vip: vips.ip, vipL3Id: vips.l3Id })
    .from(lbListeners)
    .innerJoin(loadBalancers, eq(loadBalancers.id, lbListeners.lbId))
    .innerJoin(vips, eq(vips.id, loadBalancers.vipId))
    .where(or(inArray(loadBalancers.id, onSystemVip), withBackends ? inArray(loadBalancers.id, withBackends) : undefined))
    .orderBy(asc(lbListeners.createdAt));
  if (rows.length === 0) return { listeners: [], certificates: [] };
  const backends = await db
    .select({
      listenerId: lbBackends.listenerId,
      nicId: lbBackends.nicId,
      ip: nics.ip,
      weight: lbBackends.weight,
      group: lbBackends.group,
    })
    .from(lbBackends)
    .innerJoin(nics, eq(nics.id, lbBackends.nicId))
    .where(
      and(
        inArray(
          lbBackends.listenerId,
          rows.map((r) => r.l.id),
        ),
        served.length ? inArray(nics.l3Id, served) : undefined,
      ),
    );
  const certIds = [...new Set(rows.flatMap((r) => (r.l.certificateId ? [r.l.certificateId] : [])))];
  const certificates = certIds.length
    ? await db
        .select({
          id: lbCertificates.id,
          certificatePem: lbCertificates.certificatePem,
          chainPem: lbCertificates.chainPem,
          privateKeyPem: lbCertificates.privateKeyPem,
        })
        .from(lbCertificates)
        .where(inArray(lbCertificates.id, certIds))
    : [];
  return {
    certificates,
    listeners: rows.map(({ l, vip, vipL3Id }) => ({
      id: l.id,
      name: l.name,
      protocol: l.protocol,
      vip: intToIp(vip),
      vipL3Id,
      lbPort: l.lbPort,
      vmPort: l.vmPort,
      algorithm: l.algorithm,
      maxConnections: l.maxConnections,
      idleTimeoutSeconds: l.idleTimeoutSeconds,
      healthCheck: {
        protocol: l.healthCheckProtocol,
        httpCodes: l.healthCheckHttpCodes as LbListener['healthCheck']['httpCodes'],
        uri: l.healthCheckProtocol === 'http' ? l.healthCheckUri : null,
        method: l.healthCheckMethod as 'HEAD' | 'GET',
        healthyThreshold: l.healthyThreshold,
        unhealthyThreshold: l.unhealthyThreshold,
        intervalSeconds: l.healthCheckIntervalSeconds,
        port: l.healthCheckPort,
      },
      certificateId: l.certificateId,
      backends: served.length
        ? backends
            .filter((b) => b.listenerId === l.id)
            .map((b) => ({ nicId: b.nicId, ip: intToIp(b.ip), weight: b.weight, group: b.group }))
        : [],
      policies: l.policies,
    })),
  };
}
