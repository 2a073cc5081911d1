import fs from 'node:fs/promises';
import path from 'node:path';
import type { NetnsLab } from './netns';

const UDHCPC_SCRIPT = path.join(process.cwd(), 'lab', 'vm', 'udhcpc.sh');

export interface LabVmNic {
  /** Interface name inside the VM (eth0, eth1…). */
  name: string;
  mac: string;
  /** Host-side interface name: the port the host agent plugs into a bridge. */
  port: string;
}

/**
 * A VM is a namespace with one veth per NIC; the host end lands in its host's namespace, unplugged,
 * exactly as a hypervisor would leave a tap for the host agent to plug.
 */
export async function createVm(lab: NetnsLab, vm: string, host: string, nics: LabVmNic[]): Promise<void> {
  await lab.batch([
    `netns add ${lab.ns(vm)}`,
    ...nics.map(
      (n) => `link add ${n.name} netns ${lab.ns(vm)} address ${n.mac} type veth peer name ${n.port} netns ${lab.ns(host)}`,
    ),
  ]);
  await lab.nsBatch(vm, ['link set lo up', ...nics.map((n) => `link set ${n.name} up`)]);
}

/** Obtains an address by real DHCP (busybox udhcpc) on one NIC; returns the address it got. */
export async function dhcpLease(lab: NetnsLab, vm: string, nic = 'eth0'): Promise<string> {
  const resolv = `/etc/netns/${lab.ns(vm)}/resolv.conf`;
  await fs.mkdir(path.dirname(resolv), { recursive: true });
  await lab.exec(
    vm,
    'env',
    [`CR_RESOLV=${resolv}`, 'busybox', 'udhcpc', '-i', nic, '-n', '-q', '-t', '6', '-T', '1', '-s', UDHCPC_SCRIPT],
    { timeoutMs: 20_000 },
  );
  const out = await lab.exec(vm, 'ip', ['-4', '-br', 'addr', 'show', 'dev', nic]);
  const m = /(\d+\.\d+\.\d+\.\d+)\/\d+/.exec(out);
  if (!m) throw new Error(`${vm} got no address on ${nic}: ${out}`);
  return m[1]!;
}

/** ping from a VM; true when at least one reply came back. */
export async function ping(lab: NetnsLab, vm: string, target: string, count = 2): Promise<boolean> {
  return lab
    .exec(vm, 'ping', ['-c', String(count), '-W', '1', '-i', '0.2', target])
    .then(() => true)
    .catch(() => false);
}
