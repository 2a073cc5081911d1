/** Security groups (R-SG-1..3). */
import { z } from 'zod';
import { Description, Id, Name, base } from './common';

const LooseInt = z.preprocess((v) => (v === '' ? null : v), z.coerce.number().int('A whole number.').nullable().optional());
/** R-SG-1: the seed's rule form (类型, 协议, 开始/结束端口, CIDR, 源安全组); shapes are checked by checkSgRule. */
export const SgRuleInput = z.object({
  direction: z.enum(['ingress', 'egress']),
  protocol: z.enum(['all', 'tcp', 'udp', 'icmp']),
  portStart: LooseInt,
  portEnd: LooseInt,
  icmpType: LooseInt,
  icmpCode: LooseInt,
  cidr: z.string().trim().optional().nullable(),
  remoteGroupId: Id.optional().nullable(),
  description: Description,
});
export const CreateSecurityGroup = z.object({
  name: Name,
  description: Description,
  /** The networks it serves (seed: 网络); only their NICs may join. */
  l3Ids: z.array(Id).max(64).default([]),
  rules: z.array(SgRuleInput).max(200).default([]),
  /** VM NICs to add at once (seed: 网卡). */
  nicIds: z.array(Id).max(500).default([]),
});
export const SgRuleView = z.object({
  id: Id,
  direction: z.enum(['ingress', 'egress']),
  protocol: z.enum(['all', 'tcp', 'udp', 'icmp']),
  portStart: z.number().nullable(),
  portEnd: z.number().nullable(),
  icmpType: z.number().nullable(),
  icmpCode: z.number().nullable(),
  cidr: z.string().nullable(),
  remoteGroupId: Id.nullable(),
  remoteGroupName: z.string().nullable(),
  isDefault: z.boolean(),
  description: z.string(),
});
export const SgMemberView = z.object({ nicId: Id, vmId: Id, vmName: z.string(), ip: z.string(), l3Id: Id });
export const SecurityGroupView = z.object({
  ...base,
  rules: z.array(SgRuleView),
  l3Ids: z.array(Id),
  members: z.array(SgMemberView),
});
export const AddSgRule = SgRuleInput.extend({ id: Id });
export const SgRuleRef = z.object({ id: Id, ruleId: Id });
export const SgL3Input = z.object({ id: Id, l3Id: Id });
export const SgNicsInput = z.object({ id: Id, nicIds: z.array(Id).min(1, 'Choose at least one NIC.').max(500) });
export const SgNicInput = z.object({ id: Id, nicId: Id });
/** A VM NIC's groups and what their union allows (R-SG-2). */
export const EffectiveRulesView = z.object({
  nicId: Id,
  ip: z.string(),
  groups: z.array(z.object({ id: Id, name: z.string() })),
  rules: z.array(SgRuleView.extend({ groupId: Id, groupName: z.string() })),
  /** Ingress is filtered (whitelist) when the NIC is in any group. */
  filtered: z.boolean(),
  /** Egress is open when one of its groups has no user-defined egress rule. */
  egressOpen: z.boolean(),
});
export const WhyBlockedInput = z.object({
  fromNicId: Id,
  toNicId: Id,
  protocol: z.enum(['tcp', 'udp', 'icmp']),
  port: z.coerce.number().int().min(1, 'A port from 1 to 65535.').max(65535, 'A port from 1 to 65535.').optional().nullable(),
});
const DecisionView = z.object({
  allowed: z.boolean(),
  by: z.enum(['rule', 'no-group', 'egress-open', 'no-rule']),
  groupId: Id.nullable(),
  ruleId: Id.nullable(),
  text: z.string(),
});
export const WhyBlockedView = z.object({
  allowed: z.boolean(),
  from: z.object({ nicId: Id, vmId: Id, vmName: z.string(), ip: z.string() }),
  to: z.object({ nicId: Id, vmId: Id, vmName: z.string(), ip: z.string() }),
  egress: DecisionView,
  ingress: DecisionView,
});
