/**
 * The seed's address plans for the scenarios of SPEC §5 (tables 5–14 and sections 4.5/4.6), the
 * default values of the wizards and the data of the lab tests. Pure data: the console imports it.
 * The seed's real DNS 114.114.114.114 is replaced by the lab internet's 198.51.100.53 (SPEC §6).
 */
export const LAB_DNS = '198.51.100.53';

/** Tables 5/10: the public network of S-TENANT, S-3TIER, S-EIP and S-PF (10.108.12.0–10.108.13.255). */
export const PUBLIC_12 = {
  nic: 'em01',
  range: { method: 'bounds' as const, startIp: '10.108.12.0', endIp: '10.108.13.255', netmask: '255.0.0.0', gateway: '10.0.0.1' },
  dhcpServerIp: '10.108.12.1',
};

/** Table 6: management network. */
export const MGMT_29 = {
  nic: 'em02',
  range: {
    method: 'bounds' as const,
    startIp: '192.168.29.30',
    endIp: '192.168.29.40',
    netmask: '255.255.255.0',
    gateway: '192.168.29.1',
  },
};

/** S-TENANT, tables 7–9: a VXLAN pool and two tenants' VXLAN networks joined later by route tables. */
export const S_TENANT = {
  pool: { vniStart: 20, vniEnd: 1200, vtepCidr: '192.168.29.1/24' },
  networks: [
    { tenant: 'tenant-1', vm: 'VM-1', vni: 100, cidr: '192.168.10.0/24', gateway: '192.168.10.1', dhcpServerIp: '192.168.10.2' },
    { tenant: 'tenant-2', vm: 'VM-2', vni: 200, cidr: '192.168.11.0/24', gateway: '192.168.11.1', dhcpServerIp: '192.168.11.2' },
  ],
} as const;

/** S-3TIER, tables 12–14: three vRouter networks on VLANs of em01, and three VMs with their NICs (first = default). */
export const S_3TIER = {
  networks: [
    { key: 'web', name: 'L3-web', vlan: 2850, cidr: '192.168.10.0/24' },
    { key: 'app', name: 'L3-app', vlan: 2860, cidr: '192.168.11.0/24' },
    { key: 'db', name: 'L3-database', vlan: 2870, cidr: '192.168.12.0/24' },
  ],
  vms: [
    { name: 'VM-web', nets: ['web', 'app'] },
    { name: 'VM-app', nets: ['app', 'db'] },
    { name: 'VM-database', nets: ['db'] },
  ],
  /** The seed's expected table: from → to → reachable. */
  expected: [
    ['VM-web', 'internet', true],
    ['VM-web', 'VM-app', true],
    ['VM-web', 'VM-database', false],
    ['VM-app', 'internet', true],
    ['VM-app', 'VM-web', true],
    ['VM-app', 'VM-database', true],
    ['VM-database', 'internet', true],
    ['VM-database', 'VM-web', false],
    ['VM-database', 'VM-app', true],
  ] as Array<[string, string, boolean]>,
} as const;

/** S-EIP (4.5): EIP-1 at 10.108.12.198. S-PF (4.6): on VIP 10.108.13.216, PF-1 :24 → VM:22, PF-2 5900–5910. */
export const S_EIP = { vip: '10.108.12.198', port: 22 };
export const S_PF = { vip: '10.108.13.216', pf1: { vipPort: 24, vmPort: 22 }, pf2: { start: 5900, end: 5910 } };

/**
 * S-LB (4.7): LB-1, listener 80 → 5000 round-robin over VM-1..3. The seed gives its load balancer
 * 10.108.13.216 too — the address of section 4.6's VIP; the wizards share one data center, where
 * S-PF holds it, so S-LB takes the next one.
 */
export const S_LB = { vip: '10.108.13.217', lbPort: 80, vmPort: 5000 };

/**
 * S-SG (4.4): VM-1..3 on the basic network; SG-1 on VM-2 and VM-3 with ingress TCP 23–1024, then
 * egress TCP 23–1024. Each check: [from, to, port, expected] — before and after the egress rule.
 */
export const S_SG = {
  group: 'SG-1',
  rule: { protocol: 'tcp' as const, portStart: 23, portEnd: 1024 },
  ingressChecks: [
    ['VM-1', 'VM-2', 22, false],
    ['VM-1', 'VM-2', 23, true],
  ] as Array<[string, string, number, boolean]>,
  egressChecks: [
    ['VM-2', 'VM-1', 21, false],
    ['VM-2', 'VM-1', 23, true],
  ] as Array<[string, string, number, boolean]>,
};

/**
 * The address a VM reaches another VM at, as the seed's /etc/hosts does: the target's address on a
 * network the two share, else the target's default NIC's address.
 */
export function addressToReach(
  from: { nics: Array<{ l3Id: string; ip: string }> },
  to: { nics: Array<{ l3Id: string; ip: string; isDefault: boolean }> },
): string {
  const shared = to.nics.find((n) => from.nics.some((f) => f.l3Id === n.l3Id));
  return (shared ?? to.nics.find((n) => n.isDefault) ?? to.nics[0]!).ip;
}
