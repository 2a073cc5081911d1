import { refuse, type RuleResult, ErrorCodes as E } from '../errors';
import { parseCidr } from '@/lib/ipv4';

export type L2Type = 'novlan' | 'vlan' | 'vxlan';

export const VLAN_MIN = 1;
export const VLAN_MAX = 4094;
export const VNI_MIN = 1;
export const VNI_MAX = 16777214;

/** R-L2-1/R-L2-2: the shape of an L2 on a physical NIC. */
export function checkL2Definition(input: { type: 'novlan' | 'vlan'; physicalNic: string; vlanId?: number | null }): RuleResult {
  if (!/^[A-Za-z0-9_.:-]{1,15}$/.test(input.physicalNic)) {
    return refuse(E.INVALID_INPUT, 'The physical NIC is a Linux interface name such as em01 (1–15 characters).', 'physicalNic');
  }
  if (input.type === 'vlan') {
    const v = input.vlanId;
    if (v === undefined || v === null || !Number.isInteger(v) || v < VLAN_MIN || v > VLAN_MAX) {
      return refuse(E.VLAN_ID_INVALID, `A VLAN ID is a whole number from ${VLAN_MIN} to ${VLAN_MAX}.`, 'vlanId');
    }
  } else if (input.vlanId !== undefined && input.vlanId !== null) {
    return refuse(E.VLAN_ID_INVALID, 'An L2NoVlanNetwork has no VLAN ID.', 'vlanId');
  }
  return undefined;
}

export interface AttachedL2 {
  name: string;
  type: L2Type;
  physicalNic: string | null;
  vlanId: number | null;
}

/**
 * R-L2-2 at attach time: within one cluster, one NIC carries at most one NoVlan L2 and never two
 * L2s with the same VLAN ID.
 */
export function checkNicConflict(
  candidate: { type: 'novlan' | 'vlan'; physicalNic: string; vlanId: number | null },
  clusterName: string,
  alreadyAttached: AttachedL2[],
): RuleResult {
  for (const other of alreadyAttached) {
    if (other.physicalNic !== candidate.physicalNic || other.type !== candidate.type) continue;
    if (candidate.type === 'novlan') {
      return refuse(
        E.L2_NIC_CONFLICT,
        `Cluster "${clusterName}" already has the NoVlan L2 "${other.name}" on ${candidate.physicalNic}.`,
        'clusterIds',
      );
    }
    if (other.vlanId === candidate.vlanId) {
      return refuse(
        E.L2_NIC_CONFLICT,
        `Cluster "${clusterName}" already has "${other.name}" with VLAN ${candidate.vlanId} on ${candidate.physicalNic}.`,
        'vlanId',
      );
    }
  }
  return undefined;
}

/** R-L2-2: SR-IOV on an L3 needs SR-IOV on its L2. */
export function checkSriov(l3Sriov: boolean, l2: { sriov: boolean; name: string }): RuleResult {
  if (l3Sriov && !l2.sriov) {
    return refuse(E.SRIOV_NOT_ON_L2, `SR-IOV needs the L2 "${l2.name}" to have SR-IOV enabled.`, 'sriov');
  }
  return undefined;
}

/** VXLAN pool: a VNI range inside 1–16777214 that overlaps no other pool of the zone. */
export function checkVniRange(
  range: { vniStart: number; vniEnd: number },
  otherPools: Array<{ name: string; vniStart: number; vniEnd: number }>,
): RuleResult {
  const { vniStart, vniEnd } = range;
  if (!Number.isInteger(vniStart) || vniStart < VNI_MIN || vniStart > VNI_MAX) {
    return refuse(E.VNI_RANGE_INVALID, `The start VNI is a whole number from ${VNI_MIN} to ${VNI_MAX}.`, 'vniStart');
  }
  if (!Number.isInteger(vniEnd) || vniEnd < VNI_MIN || vniEnd > VNI_MAX) {
    return refuse(E.VNI_RANGE_INVALID, `The end VNI is a whole number from ${VNI_MIN} to ${VNI_MAX}.`, 'vniEnd');
  }
  if (vniStart > vniEnd) return refuse(E.VNI_RANGE_INVALID, 'The start VNI must not be after the end VNI.', 'vniEnd');
  const hit = otherPools.find((p) => vniStart <= p.vniEnd && p.vniStart <= vniEnd);
  if (hit) {
    return refuse(
      E.VNI_RANGE_OVERLAP,
      `VNIs ${vniStart}–${vniEnd} overlap pool "${hit.name}" (${hit.vniStart}–${hit.vniEnd}).`,
      'vniStart',
    );
  }
  return undefined;
}

/** VXLAN network: its VNI lies in the pool's range and is not used in the pool yet. */
export function checkVni(vni: number, pool: { name: string; vniStart: number; vniEnd: number }, usedInPool: boolean): RuleResult {
  if (!Number.isInteger(vni) || vni < pool.vniStart || vni > pool.vniEnd) {
    return refuse(E.VNI_OUTSIDE_POOL, `The VNI must lie in pool "${pool.name}"'s range ${pool.vniStart}–${pool.vniEnd}.`, 'vni');
  }
  if (usedInPool) return refuse(E.VNI_IN_USE, `VNI ${vni} is already used in pool "${pool.name}".`, 'vni');
  return undefined;
}

/** VXLAN pool attach: the VTEP CIDR tells each host which of its addresses is its VTEP. */
export function checkVtepCidr(cidr: string): RuleResult {
  if (!parseCidr(cidr)) return refuse(E.INVALID_ADDRESS, `"${cidr}" is not a CIDR such as 172.20.0.0/16.`, 'vtepCidr');
  return undefined;
}
