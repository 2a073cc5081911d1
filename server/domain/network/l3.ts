import { refuse, type RuleResult, ErrorCodes as E } from '../errors';
import { isIpv4 } from '@/lib/ipv4';

export type L3Category = 'public' | 'system' | 'private';
export type L3Type = 'flat' | 'vrouter';

/** R-L3-1..3: which fields go with which category of L3. */
export function checkL3Definition(input: {
  category: L3Category;
  type?: L3Type | null;
  dhcpEnabled: boolean;
  vrouterOfferingId?: string | null;
  dnsServers: string[];
}): RuleResult {
  if (input.category === 'system' && input.dhcpEnabled) {
    return refuse(E.INVALID_INPUT, 'A system (management) network has no DHCP service.', 'dhcpEnabled');
  }
  if (input.category === 'private') {
    if (!input.type) return refuse(E.INVALID_INPUT, 'Choose the network type: flat or vRouter.', 'type');
    if (input.type === 'vrouter' && !input.vrouterOfferingId) {
      return refuse(E.INVALID_INPUT, 'A vRouter network needs a vRouter offering.', 'vrouterOfferingId');
    }
    if (input.type === 'flat' && input.vrouterOfferingId) {
      return refuse(E.INVALID_INPUT, 'A flat network has no vRouter offering.', 'vrouterOfferingId');
    }
  } else if (input.type) {
    return refuse(E.INVALID_INPUT, 'Only private networks have a network type.', 'type');
  }
  for (const dns of input.dnsServers) {
    if (!isIpv4(dns)) return refuse(E.INVALID_ADDRESS, `DNS server "${dns}" is not an IPv4 address.`, 'dnsServers');
  }
  return undefined;
}
