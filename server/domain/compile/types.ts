import type { LbListener } from '@/agent/protocol/vrouter';
/** Plain data a compiler needs, loaded in one place (server/desired/snapshot.ts). */
export interface SnapshotL2 {
  id: string;
  type: 'novlan' | 'vlan' | 'vxlan';
  physicalNic: string | null;
  vlanId: number | null;
  vni: number | null;
}

export interface SnapshotL3 {
  id: string;
  l2Id: string;
  category: 'public' | 'system' | 'private';
  type: 'flat' | 'vrouter' | null;
  dhcpEnabled: boolean;
  dhcpServerIp: string | null;
  /** From the first range. */
  prefix: number;
  network: string;
  gateway: string;
  dnsServers: string[];
}

export interface SnapshotNic {
  id: string;
  owner: 'vm' | 'vrouter';
  ownerId: string;
  ownerName: string;
  l3Id: string;
  role: 'vm' | 'management' | 'public' | 'private';
  ip: string;
  mac: string;
  deviceIndex: number;
  isDefault: boolean;
  /** False for a stopped VM or a NIC waiting for a reboot. */
  plugged: boolean;
}

export interface HostSnapshot {
  host: { id: string; managementIp: string; vtepIp: string | null };
  generation: number;
  namespacePrefix: string;
  /** Moves on when the hypervisor made VM ports here (`agents.ports_epoch`): the agent reads its links again. */
  portsEpoch: number;
  l2s: SnapshotL2[];
  l3s: SnapshotL3[];
  /** NICs of the VMs and vRouters placed on this host. */
  nics: SnapshotNic[];
  /** The private IP of the vRouter serving each vRouter L3 (its gateway and DNS). */
  vrouterIpByL3: Record<string, string>;
  /** For each VXLAN L2 here: the VTEPs of the other hosts that have NICs on it. */
  vxlanPeers: Record<string, string[]>;
  /** Security groups of the VM NICs here (R-SG-3). */
  security: SnapshotSecurity;
}

export interface SnapshotSgRule {
  id: string;
  direction: 'ingress' | 'egress';
  protocol: 'all' | 'tcp' | 'udp' | 'icmp';
  portStart: number | null;
  portEnd: number | null;
  icmpType: number | null;
  icmpCode: number | null;
  cidr: string | null;
  remoteGroupId: string | null;
  isDefault: boolean;
}

export interface SnapshotSecurity {
  /** NIC id → the groups it is a member of, for the VM NICs on this host. */
  memberships: Record<string, string[]>;
  /** Those groups, with their rules oldest first. */
  groups: Array<{ id: string; name: string; rules: SnapshotSgRule[] }>;
  /** Member addresses (on any host) of every group those rules name as remote group. */
  members: Record<string, string[]>;
}

export interface VRouterSnapshot {
  router: { id: string };
  generation: number;
  l3s: SnapshotL3[];
  nics: SnapshotNic[];
  /** Bound EIPs of VM NICs on the networks this router serves. */
  eips: Array<{ id: string; vip: string; vipL3Id: string; target: string }>;
  /** Bound port forwarding rules of VM NICs on the networks this router serves. */
  portForwards: Array<{
    id: string;
    protocol: 'tcp' | 'udp';
    vip: string;
    vipL3Id: string;
    vipPortStart: number;
    vipPortEnd: number;
    target: string;
    targetPortStart: number;
    allowedCidr: string | null;
  }>;
  /** Entries of the route tables attached to this router, oldest first. */
  routes: Array<{ destination: string; nextHop: string }>;
  /**
   * Listeners of the load balancers this router serves — those with a backend on its networks, and
   * those on its system VIP — oldest first, with their backends (R-LB-2 … R-LB-5).
   */
  listeners: Array<Omit<LbListener, 'vip'> & { vip: string; vipL3Id: string }>;
  /** The certificates those listeners name (R-LB-4). */
  certificates: Array<{ id: string; certificatePem: string; chainPem: string | null; privateKeyPem: string }>;
}
