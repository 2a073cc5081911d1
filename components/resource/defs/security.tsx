/** Security groups (R-SG-1..3). */
import { CreateSecurityGroup } from '@/server/domain/schema';
import type { FieldDef, ResourceDef } from '../types';
import { optNum, pick, arr, nameCol, createdCol, define, nameFields, naming } from './kit';

/** R-SG-1's protocols, as the seed's form lists them. */
export const SG_PROTOCOL_OPTIONS: NonNullable<FieldDef['options']> = [
  { value: 'all', text: 'ALL' },
  { value: 'tcp', text: 'TCP' },
  { value: 'udp', text: 'UDP' },
  { value: 'icmp', text: 'ICMP' },
];

export const security: ResourceDef[] = [
  define({
    slug: 'security-groups',
    router: 'securityGroup',
    title: 'page.securityGroups',
    adminWrites: false,
    detail: 'securityGroup',
    columns: [
      nameCol,
      { key: 'rules', label: 'field.rules', render: (r) => String(r.rules.length) },
      {
        key: 'members',
        label: 'field.members',
        render: (r) => (r.members as Array<{ vmName: string }>).map((m) => m.vmName).join(', ') || '—',
      },
      { key: 'l3Ids', label: 'field.l3Networks', render: (r) => String((r.l3Ids as string[]).length) },
      createdCol,
    ],
    create: {
      // Seed 4.4's dialog: 名称, 简介, 网络, a first rule (optional; more on the group's page), 网卡.
      fields: [
        ...nameFields,
        { name: 'l3Ids', label: 'field.l3Networks', kind: 'refs', ref: { router: 'l3' }, optional: true },
        {
          name: 'ruleDirection',
          label: 'sg.firstRule',
          kind: 'select',
          initial: '',
          options: [
            { value: '', label: 'sg.noRule' },
            { value: 'ingress', label: 'field.ingress' },
            { value: 'egress', label: 'field.egress' },
          ],
        },
        {
          name: 'ruleProtocol',
          label: 'field.protocol',
          kind: 'select',
          initial: 'tcp',
          showIf: (v) => v.ruleDirection !== '',
          options: SG_PROTOCOL_OPTIONS,
        },
        {
          name: 'rulePortStart',
          label: 'field.startPort',
          kind: 'number',
          placeholder: '23',
          showIf: (v) => v.ruleDirection !== '' && (v.ruleProtocol === 'tcp' || v.ruleProtocol === 'udp'),
        },
        {
          name: 'rulePortEnd',
          label: 'field.endPort',
          kind: 'number',
          placeholder: '1024',
          optional: true,
          showIf: (v) => v.ruleDirection !== '' && (v.ruleProtocol === 'tcp' || v.ruleProtocol === 'udp'),
        },
        { name: 'nicIds', label: 'field.members', kind: 'nics', optional: true, hint: 'sg.nicsHint' },
      ],
      schema: CreateSecurityGroup,
      toInput: (v) => {
        const ported = v.ruleProtocol === 'tcp' || v.ruleProtocol === 'udp';
        const rules = v.ruleDirection
          ? [
              {
                direction: pick(v, 'ruleDirection', ['ingress', 'egress']),
                protocol: pick(v, 'ruleProtocol', ['all', 'tcp', 'udp', 'icmp']),
                portStart: ported ? optNum(v, 'rulePortStart') : null,
                portEnd: ported ? optNum(v, 'rulePortEnd') : null,
              },
            ]
          : [];
        return { ...naming(v), l3Ids: arr(v, 'l3Ids'), rules, nicIds: arr(v, 'nicIds') };
      },
    },
  }),
];
