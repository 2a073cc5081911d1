/**
 * Every refusal the product can give, with a code a client can switch on. The message is written
 * for a person; `field` names the input field at fault so a form can show it beside that field.
 */
export const ErrorCodes = {
  /** Not logged in, or the token is missing/revoked. */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** Logged in, but the role may not do this (e.g. a tenant creating a zone). */
  FORBIDDEN: 'FORBIDDEN',
  /** No such resource — also what another tenant's resource looks like. */
  NOT_FOUND: 'NOT_FOUND',
  /** Another resource already uses this name. */
  NAME_TAKEN: 'NAME_TAKEN',
  /** The resource is referenced by others and cannot be deleted or changed that way. */
  IN_USE: 'IN_USE',
  /** Input is malformed (shape, type, length). */
  INVALID_INPUT: 'INVALID_INPUT',
  /** An IPv4 address, netmask or CIDR that does not parse. */
  INVALID_ADDRESS: 'INVALID_ADDRESS',
  /** R-L3-5: start > end. */
  RANGE_START_AFTER_END: 'RANGE_START_AFTER_END',
  /** R-L3-5: start or end outside the netmask's subnet. */
  RANGE_OUTSIDE_SUBNET: 'RANGE_OUTSIDE_SUBNET',
  /** R-L3-5: gateway outside the subnet or inside start–end. */
  GATEWAY_INVALID: 'GATEWAY_INVALID',
  /** R-L3-5: overlaps another range of the same L3 or of an L3 on the same L2. */
  RANGE_OVERLAP: 'RANGE_OVERLAP',
  /** R-L3-5: touches 169.254.0.0/16. */
  RANGE_LINK_LOCAL: 'RANGE_LINK_LOCAL',
  /** R-L3-4: a DHCP server IP where none may be set (DHCP off, or the L3 already has one). */
  DHCP_IP_NOT_ALLOWED: 'DHCP_IP_NOT_ALLOWED',
  /** R-L3-4: DHCP server IP outside the range's CIDR, used, or equal to the gateway. */
  DHCP_IP_INVALID: 'DHCP_IP_INVALID',
  /** R-L2-2: VLAN ID outside 1–4094. */
  VLAN_ID_INVALID: 'VLAN_ID_INVALID',
  /** R-L2-2: two L2s on one NIC in one cluster with the same VLAN, or two NoVlan L2s. */
  L2_NIC_CONFLICT: 'L2_NIC_CONFLICT',
  /** R-L2-2: SR-IOV on an L3 requires it on the L2. */
  SRIOV_NOT_ON_L2: 'SRIOV_NOT_ON_L2',
  /** VXLAN: VNI range outside 1–16777214 or start > end. */
  VNI_RANGE_INVALID: 'VNI_RANGE_INVALID',
  /** VXLAN: two pools of one zone with overlapping VNI ranges. */
  VNI_RANGE_OVERLAP: 'VNI_RANGE_OVERLAP',
  /** VXLAN: a network's VNI outside its pool's range. */
  VNI_OUTSIDE_POOL: 'VNI_OUTSIDE_POOL',
  /** VXLAN: a VNI already used in the pool. */
  VNI_IN_USE: 'VNI_IN_USE',
  /** The L3's category/type does not fit where it is used (e.g. an offering's management L3). */
  L3_KIND_MISMATCH: 'L3_KIND_MISMATCH',
  /** An L3 (or an L2 for it) that does not fit the L2 it is created on. */
  L2_KIND_MISMATCH: 'L2_KIND_MISMATCH',
  /** IPAM: no free address left in the L3's ranges. */
  IP_RANGE_EXHAUSTED: 'IP_RANGE_EXHAUSTED',
  /** IPAM: the requested address is held already. */
  IP_IN_USE: 'IP_IN_USE',
  /** IPAM: the requested address is not inside any range of the L3. */
  IP_NOT_IN_RANGE: 'IP_NOT_IN_RANGE',
  /** Placement: no enabled host carries every network asked for. */
  NO_HOST: 'NO_HOST',
  /** The resource's state does not allow this action (e.g. stop a stopped VM). */
  INVALID_STATE: 'INVALID_STATE',
  /** The built-in lab is not running here (not root, or CLOUDROUTER_LAB=off). */
  LAB_UNAVAILABLE: 'LAB_UNAVAILABLE',
  /** Offering: CPU/memory out of bounds, image not a vRouter image. */
  OFFERING_INVALID: 'OFFERING_INVALID',
  /** R-EIP-1: a system VIP backing an EIP; a VIP already used by another service. */
  VIP_NOT_ALLOWED: 'VIP_NOT_ALLOWED',
  /** R-EIP-2 / R-PF-2: the NIC cannot be bound here (wrong network, already bound, other router). */
  BIND_NOT_ALLOWED: 'BIND_NOT_ALLOWED',
  /** R-PF-1/2: ports outside 1–65535, start > end, ranges of different lengths. */
  PORT_RANGE_INVALID: 'PORT_RANGE_INVALID',
  /** R-PF-2: port ranges of two rules on one VIP and protocol overlap. */
  PORT_RANGE_OVERLAP: 'PORT_RANGE_OVERLAP',
  /** R-RT-1: a destination that is not a CIDR, or a next hop that is not an address. */
  ROUTE_INVALID: 'ROUTE_INVALID',
  /** R-SG-1: a NIC joining a group that is not attached to the NIC's network. */
  SG_NETWORK_NOT_ATTACHED: 'SG_NETWORK_NOT_ATTACHED',
  /** R-IPSEC-2: a peer subnet overlaps a local one or a network the vRouter serves; two subnets of one list overlap. */
  SUBNET_OVERLAP: 'SUBNET_OVERLAP',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  constructor(code: ErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.field = field;
  }
}

/** Result of a pure rule: nothing when the input is acceptable, else the refusal. */
export type RuleResult = DomainError | undefined;

export function refuse(code: ErrorCode, message: string, field?: string): DomainError {
  return new DomainError(code, message, field);
}

/** Throws the first refusal among rule results. */
export function enforce(...results: RuleResult[]): void {
  for (const r of results) if (r) throw r;
}

/** How each code maps onto HTTP (and, through it, tRPC) status. */
export const httpStatusOf: Record<ErrorCode, number> = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  NAME_TAKEN: 409,
  IN_USE: 409,
  IP_IN_USE: 409,
  IP_RANGE_EXHAUSTED: 409,
  VNI_IN_USE: 409,
  L2_NIC_CONFLICT: 409,
  RANGE_OVERLAP: 409,
  VNI_RANGE_OVERLAP: 409,
  INVALID_INPUT: 400,
  INVALID_ADDRESS: 400,
  RANGE_START_AFTER_END: 400,
  RANGE_OUTSIDE_SUBNET: 400,
  GATEWAY_INVALID: 400,
  RANGE_LINK_LOCAL: 400,
  DHCP_IP_NOT_ALLOWED: 400,
  DHCP_IP_INVALID: 400,
  VLAN_ID_INVALID: 400,
  SRIOV_NOT_ON_L2: 400,
  VNI_RANGE_INVALID: 400,
  VNI_OUTSIDE_POOL: 400,
  L3_KIND_MISMATCH: 400,
  L2_KIND_MISMATCH: 400,
  IP_NOT_IN_RANGE: 400,
  OFFERING_INVALID: 400,
  NO_HOST: 409,
  INVALID_STATE: 409,
  LAB_UNAVAILABLE: 409,
  VIP_NOT_ALLOWED: 409,
  BIND_NOT_ALLOWED: 409,
  PORT_RANGE_INVALID: 400,
  PORT_RANGE_OVERLAP: 409,
  ROUTE_INVALID: 400,
  SG_NETWORK_NOT_ATTACHED: 409,
  SUBNET_OVERLAP: 409,
};
