/**
 * The data-plane port: what the console's process needs from a data center it builds and reaches
 * itself (the built-in lab of network namespaces). The server defines it and depends only on it;
 * `lab/` implements it and imports nothing else of the server. Only `./lab.ts` plugs the two
 * together. Everything crossing the port is plain data: the lab never reads or writes the database.
 */

/**
 * The fixed set of checks a VM (or the lab internet's client) can run — never arbitrary shell:
 * every value reaches the program as its own argument. `CheckSpec` in the domain schema validates
 * targets before they get here.
 */
export type Check =
  | { kind: 'ping'; target: string; count?: number }
  | { kind: 'tcp'; target: string; port: number }
  | { kind: 'udp'; target: string; port: number }
  | { kind: 'http'; url: string }
  | { kind: 'dns'; name: string }
  | { kind: 'listen'; port: number; protocol: 'tcp' | 'udp'; seconds: number; label?: string };

export interface CheckResult {
  ok: boolean;
  ms: number;
  summary: string;
  output: string;
}

/** A public L3 whose gateway (and the internet behind it) the data center provides. */
export interface InventoryPublicNetwork {
  l3Id: string;
  l2Id: string;
  /** The gateway address and prefix length of the L3's first range, and the CIDRs covering that range. */
  gateway: string;
  prefixLength: number;
  rangeCidrs: string[];
}

export interface InventoryHost {
  id: string;
  /** Its physical NICs, in the order the administrator listed them. */
  nics: string[];
  /** The L2 networks attached to its cluster (each a broadcast domain of its own). */
  l2s: Array<{ id: string; type: 'novlan' | 'vlan' | 'vxlan'; physicalNic: string | null; vlanId: number | null }>;
  /** The VXLAN underlay address of the host, with the prefix length of its pool's VTEP CIDR. */
  vtep: { ip: string; prefixLength: number };
  agentToken: string;
}

/** A running VM or vRouter: a machine with its active NICs, in device order. */
export interface InventoryMachine {
  kind: 'vm' | 'vrouter';
  id: string;
  hostId: string;
  name: string;
  /** Set for a vRouter: the token its agent is started with. */
  agentToken: string | null;
  nics: Array<{ id: string; deviceIndex: number; mac: string; isDefault: boolean }>;
}

/** The whole data center the database describes, as the port needs it. */
export interface DataCenterInventory {
  publicNetworks: InventoryPublicNetwork[];
  hosts: InventoryHost[];
  machines: InventoryMachine[];
}

export interface DataCenterSyncReport {
  /** Agents started (or restarted) and where they listen: `unix:/path` or `http(s)://host:port`. */
  agentEndpoints: Array<{ agentId: string; endpoint: string }>;
  /** Hosts whose VM ports changed (their agent must plug them): ids, or every host. */
  hostsChanged: string[] | 'all';
}

export interface DataCenterPort {
  /** A person's name for it in status and logs, e.g. the lab's name. */
  readonly name: string;
  /**
   * Makes the data center match the inventory: adds what is missing (hosts, links, gateways,
   * machines), removes machines that are gone. Incremental: call it as often as you like.
   */
  sync(inventory: DataCenterInventory): Promise<DataCenterSyncReport>;
  /** The prefix of the DHCP namespaces a host agent creates there (so they go with the data center). */
  namespacePrefixFor(hostId: string): string;
  /** Runs one check from inside a running VM. */
  checkFromVm(vmId: string, check: Check): Promise<CheckResult>;
  /** Runs one outbound check from the internet's client: how the outside world sees a VIP. */
  checkFromInternet(check: Exclude<Check, { kind: 'listen' }>): Promise<CheckResult>;
  /** Tears it all down. */
  down(): Promise<void>;
  /** Tears it all down synchronously (from a process `exit` handler). */
  downSync(): void;
}
