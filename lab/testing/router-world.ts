import path from 'node:path';
import type { NetnsLab } from '../netns';

/**
 * The vRouter agent tests' small world (seed tables 1 and 3; internet on documentation ranges):
 *   VM 192.168.10.20/24 ── eth2 192.168.10.1/24 [vRouter ns "vr"] eth1 ── 10.0.0.1/8 [gw] 203.0.113.2/30
 *   ── 203.0.113.1/30 [internet]: web 198.51.100.10 (example.com, port 80), DNS 198.51.100.53
 * The router namespace gets its links only; the agent under test configures it.
 */
export async function buildRouterWorld(lab: NetnsLab, dir: string): Promise<void> {
  const [inet, gw, vr, vm] = ['inet', 'gw', 'vr', 'vm'].map((s) => lab.ns(s));
  await lab.batch([
    `netns add ${inet}`,
    `netns add ${gw}`,
    `netns add ${vr}`,
    `netns add ${vm}`,
    `link add up0 netns ${inet} type veth peer name up0 netns ${gw}`,
    `link add pub0 netns ${gw} type veth peer name eth1 netns ${vr}`,
    `link add eth2 netns ${vr} type veth peer name eth0 netns ${vm}`,
  ]);
  await lab.nsBatch('inet', [
    'link set lo up',
    'link set up0 up',
    'addr add 203.0.113.1/30 dev up0',
    'addr add 198.51.100.10/32 dev lo',
    'addr add 198.51.100.53/32 dev lo',
    'route add 10.0.0.0/8 via 203.0.113.2',
  ]);
  await lab.nsBatch('gw', [
    'link set lo up',
    'link set up0 up',
    'link set pub0 up',
    'addr add 203.0.113.2/30 dev up0',
    'addr add 10.0.0.1/8 dev pub0',
    'route add default via 203.0.113.1',
  ]);
  await lab.exec('gw', 'sh', ['-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
  await lab.nsBatch('vr', ['link set lo up']);
  await lab.nsBatch('vm', [
    'link set lo up',
    'link set eth0 up',
    'addr add 192.168.10.20/24 dev eth0',
    'route add default via 192.168.10.1',
  ]);
  await lab.setResolver('vm', '192.168.10.1');
  lab.spawn('inet', process.execPath, ['lab/internet/web.mjs', '198.51.100.10', '80']);
  await lab.exec('inet', 'dnsmasq', [
    '--conf-file=/dev/null',
    '--no-resolv',
    '--no-hosts',
    '--bind-interfaces',
    '--listen-address=198.51.100.53',
    '--address=/example.com/198.51.100.10',
    `--pid-file=${path.join(dir, 'inet-dns.pid')}`,
  ]);
}
