import { Address4 } from 'ip-address';

/** IPv4 addresses are handled as unsigned 32-bit integers held in JS numbers. */
export type IpInt = number;

const DOTTED = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpv4(text: string): boolean {
  return DOTTED.test(text) && Address4.isValid(text);
}

export function ipToInt(text: string): IpInt {
  if (!isIpv4(text)) throw new Error(`not an IPv4 address: ${text}`);
  return Number(new Address4(text).bigInt());
}

export function intToIp(n: IpInt): string {
  return Address4.fromBigInt(BigInt(n)).correctForm();
}

/** Prefix length of a dotted netmask, or undefined when the mask is not contiguous. */
export function netmaskToPrefix(mask: string): number | undefined {
  if (!isIpv4(mask)) return undefined;
  const n = ipToInt(mask);
  const inverted = ~n >>> 0;
  // A contiguous mask inverted is 2^k - 1: adding one leaves a single bit.
  if ((inverted & (inverted + 1)) !== 0) return undefined;
  return 32 - Math.log2(inverted + 1);
}

export function prefixToNetmask(prefix: number): string {
  return intToIp(prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);
}

export interface Subnet {
  network: IpInt;
  broadcast: IpInt;
  prefix: number;
}

export function subnetOf(ip: IpInt, prefix: number): Subnet {
  const size = 2 ** (32 - prefix);
  const network = Math.floor(ip / size) * size;
  return { network, broadcast: network + size - 1, prefix };
}

export function inSubnet(ip: IpInt, s: Subnet): boolean {
  return ip >= s.network && ip <= s.broadcast;
}

/** Inside the subnet and neither its network nor its broadcast address. */
export function isHostAddress(ip: IpInt, s: Subnet): boolean {
  return ip > s.network && ip < s.broadcast;
}

/** Parses "a.b.c.d/n"; undefined when malformed. The address part need not be the network. */
export function parseCidr(text: string): { ip: IpInt; prefix: number } | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text.trim());
  if (!m || !isIpv4(m[1]!)) return undefined;
  const prefix = Number(m[2]);
  if (prefix < 0 || prefix > 32) return undefined;
  return { ip: ipToInt(m[1]!), prefix };
}

export function cidrText(network: IpInt, prefix: number): string {
  return `${intToIp(network)}/${prefix}`;
}

export function rangesOverlap(a: { start: IpInt; end: IpInt }, b: { start: IpInt; end: IpInt }): boolean {
  return a.start <= b.end && b.start <= a.end;
}

export const LINK_LOCAL: Subnet = subnetOf(ipToInt('169.254.0.0'), 16);

/** The fewest CIDR blocks that cover exactly [start, end] (e.g. 10.108.12.0–10.108.13.255 → 10.108.12.0/23). */
export function rangeToCidrs(start: IpInt, end: IpInt): string[] {
  const out: string[] = [];
  let a = start;
  while (a <= end) {
    let size = 1;
    // Grow the block while it stays aligned and inside the range.
    while (size < 2 ** 32 && a % (size * 2) === 0 && a + size * 2 - 1 <= end) size *= 2;
    out.push(cidrText(a, 32 - Math.log2(size)));
    a += size;
  }
  return out;
}
