/** vRouter services (R-EIP-1..3, R-PF-1/2, R-RT-1). */
import { CreateEip, CreatePortForward, CreateRouteTable, CreateVip } from '@/server/domain/schema';
import { Badge } from '../../ui/primitives';
import type { FieldDef, FormValues, ResourceDef } from '../types';
import { str, num, optStr, optNum, pick, arr, col, nameCol, createdCol, ref, define, nameFields, naming } from './kit';

/** "New VIP on a public network (optionally a fixed IP)" or "an existing VIP", as the seed's forms. */
export const vipChoiceFields = (existingFilter?: Record<string, unknown>): FieldDef[] => [
  {
    name: 'vipMode',
    label: 'field.vipMode',
    kind: 'select',
    options: [
      { value: 'new', label: 'opt.newVip' },
      { value: 'existing', label: 'opt.existingVip' },
    ],
    initial: 'new',
  },
  {
    name: 'l3Id',
    label: 'field.publicNetwork',
    kind: 'ref',
    ref: { router: 'l3', filter: { category: 'public' } },
    showIf: (v) => v.vipMode === 'new',
  },
  {
    name: 'ip',
    label: 'field.fixedIp',
    kind: 'text',
    optional: true,
    hint: 'field.fixedIpHint',
    showIf: (v) => v.vipMode === 'new',
  },
  {
    name: 'vipId',
    label: 'field.vip',
    kind: 'ref',
    ref: { router: 'vip', filter: existingFilter },
    showIf: (v) => v.vipMode === 'existing',
  },
];
export const vipChoice = (v: FormValues) =>
  v.vipMode === 'existing' ? { vipId: optStr(v, 'vipId') } : { l3Id: optStr(v, 'l3Id'), ip: optStr(v, 'ip') };
const boundCol = col({
  key: 'vmName',
  label: 'field.boundTo',
  render: (r: { vmId: string | null; vmName: string | null; nicIp: string | null }) =>
    r.vmId ? `${r.vmName} (${r.nicIp})` : <Badge tone="slate">—</Badge>,
});
const vipIpCol = col({ key: 'vip', label: 'field.vip' });

export const services: ResourceDef[] = [
  define({
    slug: 'vips',
    router: 'vip',
    title: 'page.vips',
    adminWrites: false,
    detail: 'vip',
    columns: [
      nameCol,
      { key: 'ip', label: 'field.ip', sortable: true },
      ref('l3Id', 'field.publicNetwork', 'l3'),
      { key: 'system', label: 'field.systemVip', render: (r) => (r.system ? <Badge tone="sky">✓</Badge> : '') },
      {
        key: 'usedBy',
        label: 'field.usedBy',
        render: (r) => (r.usedBy as Array<{ name: string }>).map((u) => u.name).join(', ') || '—',
      },
      createdCol,
    ],
    create: {
      fields: [
        ...nameFields,
        { name: 'l3Id', label: 'field.publicNetwork', kind: 'ref', ref: { router: 'l3', filter: { category: 'public' } } },
        { name: 'ip', label: 'field.fixedIp', kind: 'text', optional: true, hint: 'field.fixedIpHint' },
      ],
      schema: CreateVip,
      toInput: (v) => ({ ...naming(v), l3Id: str(v, 'l3Id'), ip: optStr(v, 'ip') }),
    },
  }),
  define({
    slug: 'eips',
    router: 'eip',
    title: 'page.eips',
    adminWrites: false,
    detail: 'eip',
    columns: [nameCol, vipIpCol, boundCol, createdCol],
    create: {
      fields: [...nameFields, ...vipChoiceFields(), { name: 'nicId', label: 'field.vmNic', kind: 'nic', optional: true }],
      schema: CreateEip,
      preview: true,
      toInput: (v) => ({ ...naming(v), ...vipChoice(v), nicId: optStr(v, 'nicId') }),
    },
  }),
  define({
    slug: 'port-forwards',
    router: 'portForward',
    title: 'page.portForwards',
    adminWrites: false,
    detail: 'portForward',
    columns: [
      nameCol,
      vipIpCol,
      { key: 'protocol', label: 'field.protocol', render: (r) => String(r.protocol).toUpperCase() },
      {
        key: 'vipPortStart',
        label: 'field.vipPorts',
        sortable: true,
        render: (r) =>
          r.vipPortStart === r.vipPortEnd ? String(r.vipPortStart) : `${String(r.vipPortStart)}–${String(r.vipPortEnd)}`,
      },
      {
        key: 'vmPortStart',
        label: 'field.vmPorts',
        render: (r) =>
          r.vmPortStart === r.vmPortEnd ? String(r.vmPortStart) : `${String(r.vmPortStart)}–${String(r.vmPortEnd)}`,
      },
      { key: 'allowedCidr', label: 'field.allowedCidr', render: (r) => String(r.allowedCidr ?? '—') },
      boundCol,
    ],
    create: {
      fields: [
        ...nameFields,
        ...vipChoiceFields(),
        {
          name: 'protocol',
          label: 'field.protocol',
          kind: 'select',
          options: [
            { value: 'tcp', text: 'TCP' },
            { value: 'udp', text: 'UDP' },
          ],
          initial: 'tcp',
        },
        {
          name: 'mode',
          label: 'field.portMode',
          kind: 'select',
          options: [
            { value: 'single', label: 'opt.singlePort' },
            { value: 'range', label: 'opt.portRange' },
          ],
          initial: 'single',
        },
        { name: 'vipPortStart', label: 'field.vipPortStart', kind: 'number' },
        { name: 'vipPortEnd', label: 'field.vipPortEnd', kind: 'number', showIf: (v) => v.mode === 'range' },
        { name: 'vmPortStart', label: 'field.vmPortStart', kind: 'number', optional: true, hint: 'field.vmPortHint' },
        { name: 'vmPortEnd', label: 'field.vmPortEnd', kind: 'number', optional: true, showIf: (v) => v.mode === 'range' },
        { name: 'allowedCidr', label: 'field.allowedCidr', kind: 'text', optional: true, placeholder: '203.0.113.0/24' },
        { name: 'nicId', label: 'field.vmNic', kind: 'nic', optional: true },
      ],
      schema: CreatePortForward,
      preview: true,
      toInput: (v) => ({
        ...naming(v),
        ...vipChoice(v),
        protocol: pick(v, 'protocol', ['tcp', 'udp']),
        mode: pick(v, 'mode', ['single', 'range']),
        vipPortStart: num(v, 'vipPortStart'),
        vipPortEnd: v.mode === 'range' ? optNum(v, 'vipPortEnd') : null,
        vmPortStart: optNum(v, 'vmPortStart'),
        vmPortEnd: v.mode === 'range' ? optNum(v, 'vmPortEnd') : null,
        allowedCidr: optStr(v, 'allowedCidr'),
        nicId: optStr(v, 'nicId'),
      }),
    },
  }),
  define({
    slug: 'route-tables',
    router: 'routeTable',
    title: 'page.routeTables',
    adminWrites: false,
    detail: 'routeTable',
    columns: [
      nameCol,
      {
        key: 'entries',
        label: 'field.routeEntries',
        render: (r) =>
          (r.entries as Array<{ destination: string; nextHop: string }>)
            .map((e) => `${e.destination} → ${e.nextHop}`)
            .join(', ') || '—',
      },
      { key: 'vrouterIds', label: 'field.vrouters', render: (r) => String((r.vrouterIds as string[]).length) },
      createdCol,
    ],
    create: {
      fields: [
        ...nameFields,
        { name: 'vrouterIds', label: 'field.vrouters', kind: 'refs', ref: { router: 'vrouter' }, optional: true },
      ],
      schema: CreateRouteTable,
      toInput: (v) => ({ ...naming(v), vrouterIds: arr(v, 'vrouterIds') }),
    },
  }),
];
