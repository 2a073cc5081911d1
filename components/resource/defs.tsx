import {
  CreateCluster,
  CreateHost,
  CreateImage,
  CreateInstanceOffering,
  CreateL2,
  CreateL3,
  CreateStorage,
  CreateVRouterOffering,
  CreateVxlanPool,
  CreateVm,
  CreateZone,
  CreateVip,
  CreateEip,
  CreatePortForward,
  CreateRouteTable,
  CreateSecurityGroup,
} from '@/server/domain/schema';
import { Badge } from '../ui/primitives';
import { RefName } from './RefName';
import type { ReactNode } from 'react';
import type { ColumnDef, CreateInput, FieldDef, FormValues, ResourceDef, RouterKey, TypedResourceDef } from './types';

const str = (v: FormValues, k: string) => String(v[k] ?? '').trim();
const num = (v: FormValues, k: string) => (str(v, k) === '' ? NaN : Number(str(v, k)));
const optStr = (v: FormValues, k: string) => str(v, k) || null;
const optNum = (v: FormValues, k: string) => (str(v, k) === '' ? null : Number(str(v, k)));
/** A select's value: one of its options (the first, the select's initial value, when unset). */
const pick = <const T extends string>(v: FormValues, k: string, options: readonly [T, ...T[]]): T =>
  options.find((o) => o === str(v, k)) ?? options[0];
const csv = (v: FormValues, k: string) => (Array.isArray(v[k]) ? (v[k] as string[]) : []);
const arr = csv;

/** R-SG-1's protocols, as the seed's form lists them. */
export const SG_PROTOCOL_OPTIONS: NonNullable<FieldDef['options']> = [
  { value: 'all', text: 'ALL' },
  { value: 'tcp', text: 'TCP' },
  { value: 'udp', text: 'UDP' },
  { value: 'icmp', text: 'ICMP' },
];

/**
 * A column several routers' lists share. It names the fields it reads (`R`), so it fits exactly the
 * routers whose rows have them: TypeScript checks it against each list it is put in.
 */
const col = <Key extends string, R = { [P in Key]?: unknown }>(c: {
  key: Key;
  label: ColumnDef['label'];
  sortable?: boolean;
  render?: (row: R) => ReactNode;
}) => c;

const nameCol = col({ key: 'name', label: 'field.name', sortable: true });
const createdCol = col({
  key: 'createdAt',
  label: 'field.createdAt',
  sortable: true,
  render: (r: { createdAt: string | Date }) => new Date(r.createdAt).toLocaleString(),
});
const ref = <Key extends string>(key: Key, label: ColumnDef['label'], router: Parameters<typeof RefName>[0]['router']) =>
  col({
    key,
    label,
    render: (r: { [P in Key]?: string | null }) => (r[key] ? <RefName router={router} id={String(r[key])} /> : '—'),
  });
/** An agent's sync status: applied generation, in sync or not, last error. */
const syncCol = col({
  key: 'sync',
  label: 'field.sync',
  render: (r: {
    sync: { inSync: boolean; appliedGeneration: number; desiredGeneration: number; lastError: string | null } | null;
  }) => {
    const s = r.sync;
    if (!s) return '—';
    return s.inSync ? (
      <Badge tone="green">✓ {s.appliedGeneration}</Badge>
    ) : (
      <span title={s.lastError ?? undefined}>
        <Badge tone="amber">
          {s.lastError ? '✗' : '…'} {s.appliedGeneration}/{s.desiredGeneration}
        </Badge>
      </span>
    );
  },
});
const sharedCol = col({
  key: 'shared',
  label: 'field.shared',
  render: (r: { shared: boolean }) => (r.shared ? <Badge tone="sky">✓</Badge> : ''),
});

const nameFields: FieldDef[] = [
  { name: 'name', label: 'field.name', kind: 'text' },
  { name: 'description', label: 'field.description', kind: 'text', optional: true },
];
const naming = (v: FormValues) => ({ name: str(v, 'name'), description: str(v, 'description') });

const rangeFields: FieldDef[] = [
  {
    name: 'method',
    label: 'field.rangeMethod',
    kind: 'select',
    options: [
      { value: 'bounds', label: 'opt.bounds' },
      { value: 'cidr', label: 'opt.cidr' },
    ],
    initial: 'bounds',
  },
  { name: 'startIp', label: 'field.startIp', kind: 'text', showIf: (v) => v.method === 'bounds' },
  { name: 'endIp', label: 'field.endIp', kind: 'text', showIf: (v) => v.method === 'bounds' },
  { name: 'netmask', label: 'field.netmask', kind: 'text', showIf: (v) => v.method === 'bounds' },
  { name: 'gateway', label: 'field.gateway', kind: 'text', showIf: (v) => v.method === 'bounds' },
  { name: 'cidr', label: 'field.cidr', kind: 'text', placeholder: '192.168.10.0/24', showIf: (v) => v.method === 'cidr' },
];

export function rangeInput(v: FormValues) {
  return v.method === 'cidr'
    ? { method: 'cidr' as const, cidr: str(v, 'cidr') }
    : {
        method: 'bounds' as const,
        startIp: str(v, 'startIp'),
        endIp: str(v, 'endIp'),
        netmask: str(v, 'netmask'),
        gateway: str(v, 'gateway'),
      };
}
export { rangeFields };

function l3Def(slug: string, title: ResourceDef['title'], category: 'public' | 'system' | 'private'): TypedResourceDef<'l3'> {
  const fields: FieldDef[] = [...nameFields, { name: 'l2Id', label: 'field.l2', kind: 'ref', ref: { router: 'l2' } }];
  if (category !== 'system') fields.push({ name: 'disableDhcp', label: 'field.disableDhcp', kind: 'checkbox', initial: false });
  if (category === 'private') {
    fields.push(
      {
        name: 'type',
        label: 'field.networkType',
        kind: 'select',
        options: [
          { value: 'vrouter', label: 'opt.vrouter' },
          { value: 'flat', label: 'opt.flat' },
        ],
        initial: 'vrouter',
      },
      {
        name: 'vrouterOfferingId',
        label: 'field.vrouterOffering',
        kind: 'ref',
        ref: { router: 'vrouterOffering' },
        showIf: (v) => v.type === 'vrouter',
      },
    );
  }
  fields.push(...rangeFields.map((f) => (f.name === 'method' && category === 'private' ? { ...f, initial: 'cidr' } : f)));
  if (category !== 'system')
    fields.push({
      name: 'dhcpServerIp',
      label: 'field.dhcpServerIp',
      kind: 'text',
      optional: true,
      showIf: (v) => !v.disableDhcp,
    });
  fields.push({ name: 'dnsServers', label: 'field.dnsServers', kind: 'csv', optional: true, hint: 'field.dnsHint' });
  return define({
    slug,
    router: 'l3',
    title,
    filter: { category },
    adminWrites: category !== 'private',
    detail: 'l3',
    columns: [
      nameCol,
      ref('l2Id', 'field.l2', 'l2'),
      ...(category === 'private' ? [col({ key: 'type', label: 'field.networkType' })] : []),
      col({ key: 'dhcpServerIp', label: 'field.dhcpServerIp' }),
      col({ key: 'dnsServers', label: 'field.dnsServers', render: (r: { dnsServers: string[] }) => r.dnsServers.join(', ') }),
      ...(category === 'public' ? [sharedCol] : []),
      createdCol,
    ],
    create: {
      fields,
      schema: CreateL3,
      toInput: (v) => ({
        ...naming(v),
        l2Id: str(v, 'l2Id'),
        category,
        type: category === 'private' ? pick(v, 'type', ['vrouter', 'flat']) : null,
        dhcpEnabled: category === 'system' ? false : !v.disableDhcp,
        dhcpServerIp: category === 'system' || v.disableDhcp ? null : optStr(v, 'dhcpServerIp'),
        vrouterOfferingId: category === 'private' && v.type === 'vrouter' ? optStr(v, 'vrouterOfferingId') : null,
        dnsServers: csv(v, 'dnsServers'),
        range: rangeInput(v),
      }),
    },
  });
}

const memoryFields: FieldDef[] = [
  { name: 'cpu', label: 'field.cpu', kind: 'number', initial: '1' },
  { name: 'memory', label: 'field.memory', kind: 'number', initial: '1' },
  {
    name: 'memoryUnit',
    label: 'field.memoryUnit',
    kind: 'select',
    options: [
      { value: 'M', text: 'M' },
      { value: 'G', text: 'G' },
      { value: 'T', text: 'T' },
    ],
    initial: 'G',
  },
];
const memoryCols = [
  col({ key: 'cpu', label: 'field.cpu', sortable: true }),
  col({
    key: 'memoryMb',
    label: 'field.memory',
    sortable: true,
    render: (r: { memoryMb: number }) => (r.memoryMb >= 1024 ? `${r.memoryMb / 1024} G` : `${r.memoryMb} M`),
  }),
];

/** Backup and primary storages share their page; each is checked against its own router. */
const storage = (kind: 'backup' | 'primary') => ({
  slug: `${kind}-storages`,
  title: kind === 'backup' ? ('page.backupStorages' as const) : ('page.primaryStorages' as const),
  adminWrites: true,
  columns: [
    nameCol,
    ref('zoneId', 'field.zone', 'zone'),
    col({ key: 'type', label: 'field.type' }),
    col({ key: 'url', label: 'field.url' }),
    createdCol,
  ],
  create: {
    fields: [
      ...nameFields,
      { name: 'zoneId', label: 'field.zone', kind: 'ref', ref: { router: 'zone' } },
      { name: 'url', label: 'field.url', kind: 'text' },
    ] satisfies FieldDef[],
    schema: CreateStorage,
    toInput: (v: FormValues) => ({ ...naming(v), zoneId: str(v, 'zoneId'), url: str(v, 'url') }),
  },
});

/** Keys of `I` that `T` does not have, each forbidden (a form may not send a field its procedure does not take). */
type NoExtraKeys<I, T> = { [P in Exclude<keyof I, keyof T>]: never };

/**
 * Each page's definition, checked against its router: columns against its list rows, the form's
 * input against its create schema — a missing field, and one the schema does not have, fail `tsc`.
 */
export const define = <K extends RouterKey, I extends CreateInput<K>>(
  def: TypedResourceDef<K> & { create?: { toInput(v: FormValues): I & NoExtraKeys<I, CreateInput<K>> } },
): TypedResourceDef<K> => def;

const typedResources: ResourceDef[] = [
  define({
    slug: 'zones',
    router: 'zone',
    title: 'page.zones',
    adminWrites: true,
    columns: [nameCol, { key: 'description', label: 'field.description' }, createdCol],
    create: { fields: nameFields, schema: CreateZone, toInput: naming },
  }),
  define({
    slug: 'clusters',
    router: 'cluster',
    title: 'page.clusters',
    adminWrites: true,
    columns: [nameCol, ref('zoneId', 'field.zone', 'zone'), { key: 'hypervisor', label: 'field.hypervisor' }, createdCol],
    create: {
      fields: [...nameFields, { name: 'zoneId', label: 'field.zone', kind: 'ref', ref: { router: 'zone' } }],
      schema: CreateCluster,
      toInput: (v) => ({ ...naming(v), zoneId: str(v, 'zoneId') }),
    },
  }),
  define({
    slug: 'hosts',
    router: 'host',
    title: 'page.hosts',
    adminWrites: true,
    columns: [
      nameCol,
      { key: 'managementIp', label: 'field.managementIp', sortable: true },
      ref('clusterId', 'field.cluster', 'cluster'),
      { key: 'nics', label: 'field.nics', render: (r) => (r.nics as string[]).join(', ') },
      { key: 'vtepIp', label: 'field.vtepIp' },
      { key: 'state', label: 'field.state', render: (r) => <Badge tone="green">{String(r.state)}</Badge> },
      syncCol,
    ],
    create: {
      fields: [
        ...nameFields,
        { name: 'clusterId', label: 'field.cluster', kind: 'ref', ref: { router: 'cluster' } },
        { name: 'managementIp', label: 'field.managementIp', kind: 'text' },
        { name: 'nics', label: 'field.nics', kind: 'csv', hint: 'field.nicsHint', initial: ['em01', 'em02'] },
        { name: 'vtepIp', label: 'field.vtepIp', kind: 'text', optional: true },
      ],
      schema: CreateHost,
      toInput: (v) => ({
        ...naming(v),
        clusterId: str(v, 'clusterId'),
        managementIp: str(v, 'managementIp'),
        nics: csv(v, 'nics'),
        vtepIp: optStr(v, 'vtepIp'),
      }),
    },
  }),
  define({ ...storage('backup'), router: 'backupStorage' }),
  define({ ...storage('primary'), router: 'primaryStorage' }),
  ...(['vm', 'vrouter'] as const).map((kind) =>
    define({
      slug: kind === 'vm' ? 'images' : 'vrouter-images',
      router: 'image',
      title: kind === 'vm' ? 'page.images' : 'page.vrouterImages',
      filter: { kind },
      adminWrites: true,
      columns: [
        nameCol,
        ref('backupStorageId', 'field.backupStorage', 'backupStorage'),
        { key: 'url', label: 'field.url' },
        { key: 'format', label: 'field.format' },
        sharedCol,
        createdCol,
      ],
      create: {
        fields: [
          ...nameFields,
          { name: 'backupStorageId', label: 'field.backupStorage', kind: 'ref', ref: { router: 'backupStorage' } },
          {
            name: 'url',
            label: 'field.url',
            kind: 'text',
            placeholder: kind === 'vrouter' ? 'http://…/zstack-vrouter-3.10.0.qcow2' : undefined,
          },
          { name: 'shared', label: 'common.share', kind: 'checkbox', initial: false },
        ],
        schema: CreateImage,
        toInput: (v) => ({
          ...naming(v),
          kind,
          backupStorageId: str(v, 'backupStorageId'),
          url: str(v, 'url'),
          shared: Boolean(v.shared),
        }),
      },
    }),
  ),
  define({
    slug: 'instance-offerings',
    router: 'instanceOffering',
    title: 'page.instanceOfferings',
    adminWrites: true,
    columns: [nameCol, ...memoryCols, sharedCol, createdCol],
    create: {
      fields: [...nameFields, ...memoryFields, { name: 'shared', label: 'common.share', kind: 'checkbox', initial: false }],
      schema: CreateInstanceOffering,
      toInput: (v) => ({
        ...naming(v),
        cpu: num(v, 'cpu'),
        memory: num(v, 'memory'),
        memoryUnit: pick(v, 'memoryUnit', ['G', 'M', 'T']),
        shared: Boolean(v.shared),
      }),
    },
  }),
  define({
    slug: 'vrouter-offerings',
    router: 'vrouterOffering',
    title: 'page.vrouterOfferings',
    adminWrites: true,
    columns: [
      nameCol,
      ...memoryCols,
      ref('imageId', 'field.image', 'image'),
      ref('managementL3Id', 'field.managementL3', 'l3'),
      ref('publicL3Id', 'field.publicL3', 'l3'),
      createdCol,
    ],
    create: {
      fields: [
        ...nameFields,
        { name: 'zoneId', label: 'field.zone', kind: 'ref', ref: { router: 'zone' } },
        ...memoryFields,
        { name: 'imageId', label: 'field.image', kind: 'ref', ref: { router: 'image', filter: { kind: 'vrouter' } } },
        {
          name: 'managementL3Id',
          label: 'field.managementL3',
          kind: 'ref',
          ref: { router: 'l3', filter: { category: 'system' } },
        },
        { name: 'publicL3Id', label: 'field.publicL3', kind: 'ref', ref: { router: 'l3' } },
        { name: 'shared', label: 'common.share', kind: 'checkbox', initial: false },
      ],
      schema: CreateVRouterOffering,
      toInput: (v) => ({
        ...naming(v),
        zoneId: str(v, 'zoneId'),
        cpu: num(v, 'cpu'),
        memory: num(v, 'memory'),
        memoryUnit: pick(v, 'memoryUnit', ['G', 'M', 'T']),
        imageId: str(v, 'imageId'),
        managementL3Id: str(v, 'managementL3Id'),
        publicL3Id: str(v, 'publicL3Id'),
        shared: Boolean(v.shared),
      }),
    },
  }),
  define({
    slug: 'l2-networks',
    router: 'l2',
    title: 'page.l2Networks',
    adminWrites: true,
    detail: 'l2',
    columns: [
      nameCol,
      { key: 'type', label: 'field.type', sortable: true, render: (r) => <Badge>{String(r.type)}</Badge> },
      { key: 'physicalNic', label: 'field.physicalNic' },
      { key: 'vlanId', label: 'field.vlanId', sortable: true, render: (r) => (r.vlanId ?? r.vni ?? '—') as string },
      ref('zoneId', 'field.zone', 'zone'),
      sharedCol,
      createdCol,
    ],
    create: {
      fields: [
        ...nameFields,
        { name: 'zoneId', label: 'field.zone', kind: 'ref', ref: { router: 'zone' } },
        {
          name: 'type',
          label: 'field.type',
          kind: 'select',
          options: [
            { value: 'novlan', label: 'opt.novlan' },
            { value: 'vlan', label: 'opt.vlan' },
          ],
          initial: 'novlan',
        },
        { name: 'vlanId', label: 'field.vlanId', kind: 'number', showIf: (v) => v.type === 'vlan' },
        { name: 'physicalNic', label: 'field.physicalNic', kind: 'text', initial: 'em01' },
        { name: 'sriov', label: 'field.sriov', kind: 'checkbox', initial: false },
        { name: 'clusterIds', label: 'field.clusters', kind: 'refs', ref: { router: 'cluster' }, optional: true },
      ],
      schema: CreateL2,
      toInput: (v) => ({
        ...naming(v),
        zoneId: str(v, 'zoneId'),
        type: pick(v, 'type', ['novlan', 'vlan']),
        vlanId: v.type === 'vlan' ? optNum(v, 'vlanId') : null,
        physicalNic: str(v, 'physicalNic'),
        sriov: Boolean(v.sriov),
        clusterIds: arr(v, 'clusterIds'),
      }),
    },
  }),
  define({
    slug: 'vxlan-pools',
    router: 'vxlanPool',
    title: 'page.vxlanPools',
    adminWrites: true,
    detail: 'vxlanPool',
    columns: [
      nameCol,
      { key: 'vniStart', label: 'field.vniStart', sortable: true },
      { key: 'vniEnd', label: 'field.vniEnd' },
      ref('zoneId', 'field.zone', 'zone'),
      sharedCol,
      createdCol,
    ],
    create: {
      fields: [
        ...nameFields,
        { name: 'zoneId', label: 'field.zone', kind: 'ref', ref: { router: 'zone' } },
        { name: 'vniStart', label: 'field.vniStart', kind: 'number' },
        { name: 'vniEnd', label: 'field.vniEnd', kind: 'number' },
        { name: 'shared', label: 'common.share', kind: 'checkbox', initial: false },
      ],
      schema: CreateVxlanPool,
      toInput: (v) => ({
        ...naming(v),
        zoneId: str(v, 'zoneId'),
        vniStart: num(v, 'vniStart'),
        vniEnd: num(v, 'vniEnd'),
        shared: Boolean(v.shared),
      }),
    },
  }),
  l3Def('public-networks', 'page.publicNetworks', 'public'),
  l3Def('system-networks', 'page.systemNetworks', 'system'),
  l3Def('private-networks', 'page.privateNetworks', 'private'),
];

const nicsCol = col({
  key: 'nics',
  label: 'field.ips',
  render: (r: { nics: Array<{ ip: string }> }) => r.nics.map((n) => n.ip).join(', '),
});
const stateCol = col({
  key: 'state',
  label: 'field.state',
  sortable: true,
  render: (r: { state: string }) => <Badge tone={r.state === 'running' ? 'green' : 'slate'}>{r.state}</Badge>,
});

typedResources.push(
  define({
    slug: 'vms',
    router: 'vm',
    title: 'page.vms',
    adminWrites: false,
    detail: 'vm',
    columns: [nameCol, stateCol, nicsCol, ref('hostId', 'field.host', 'host'), createdCol],
    create: {
      fields: [
        ...nameFields,
        { name: 'instanceOfferingId', label: 'field.instanceOffering', kind: 'ref', ref: { router: 'instanceOffering' } },
        { name: 'imageId', label: 'field.image', kind: 'ref', ref: { router: 'image', filter: { kind: 'vm' } } },
        { name: 'defaultL3Id', label: 'field.defaultNetwork', kind: 'ref', ref: { router: 'l3' } },
        { name: 'otherL3Ids', label: 'field.otherNetworks', kind: 'refs', ref: { router: 'l3' }, optional: true },
        { name: 'count', label: 'field.count', kind: 'number', initial: '1' },
      ],
      schema: CreateVm,
      toInput: (v) => {
        const first = str(v, 'defaultL3Id');
        return {
          ...naming(v),
          instanceOfferingId: str(v, 'instanceOfferingId'),
          imageId: str(v, 'imageId'),
          // R-VM-1: the first network gives the default route.
          l3Ids: [first, ...arr(v, 'otherL3Ids').filter((x) => x !== first)].filter(Boolean),
          count: num(v, 'count'),
        };
      },
    },
  }),
  define({
    slug: 'vrouters',
    router: 'vrouter',
    title: 'page.vrouters',
    adminWrites: true,
    readOnly: true,
    detail: 'vrouter',
    columns: [nameCol, stateCol, nicsCol, ref('hostId', 'field.host', 'host'), syncCol],
  }),
);

// ── vRouter services (R-EIP-1..3, R-PF-1/2, R-RT-1) ──────────────────────────
/** "New VIP on a public network (optionally a fixed IP)" or "an existing VIP", as the seed's forms. */
const vipChoiceFields = (existingFilter?: Record<string, unknown>): FieldDef[] => [
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
const vipChoice = (v: FormValues) =>
  v.vipMode === 'existing' ? { vipId: optStr(v, 'vipId') } : { l3Id: optStr(v, 'l3Id'), ip: optStr(v, 'ip') };
const boundCol = col({
  key: 'vmName',
  label: 'field.boundTo',
  render: (r: { vmId: string | null; vmName: string | null; nicIp: string | null }) =>
    r.vmId ? `${r.vmName} (${r.nicIp})` : <Badge tone="slate">—</Badge>,
});
const vipIpCol = col({ key: 'vip', label: 'field.vip' });

typedResources.push(
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
  define({
    slug: 'security-groups',
    router: 'securityGroup',
    title: 'page.securityGroups',
    adminWrites: false,
    detail: 'securityGroup',
    columns: [
      nameCol,
      { key: 'rules', label: 'field.rules', render: (r) => String((r.rules as unknown[]).length) },
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
);

/** Every typed definition is a ResourceDef (checked here, per router) for the generic pages. */
export const resources: ResourceDef[] = typedResources;
export const resourceBySlug = (slug: string) => resources.find((r) => r.slug === slug);
