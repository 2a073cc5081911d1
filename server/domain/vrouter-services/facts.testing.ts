import type { NicFacts, VipFacts } from './rules';

/** Tests' facts about a VIP: a VIP of its own on the public L3 `pub`, used by nothing (override what a case needs). */
export const vipFacts = (over: Partial<VipFacts> = {}): VipFacts => ({
  name: 'VIP-1',
  system: false,
  vrouterId: null,
  l3Id: 'pub',
  usedBy: { eip: false, portForwards: 0, loadBalancers: 0 },
  ...over,
});

/** Tests' facts about a NIC: a VM's NIC on the private vRouter L3 `priv`, served by router `r1`, which reaches `pub`. */
export const nicFacts = (over: Partial<NicFacts> = {}): NicFacts => ({
  id: 'n1',
  owner: 'vm',
  l3Id: 'priv',
  l3Name: 'L3-private',
  l3Category: 'private',
  l3Type: 'vrouter',
  routerId: 'r1',
  routerPublicL3s: ['pub'],
  ...over,
});
