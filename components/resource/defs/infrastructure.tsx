/** Hardware, storage, images, offerings, L2/L3 networks and VXLAN pools (the administrator's pages). */
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
  CreateZone,
} from '@/server/domain/schema';
import { Badge } from '../../ui/primitives';
import type { FieldDef, FormValues, ResourceDef, TypedResourceDef } from '../types';
import {
  str,
  num,
  optStr,
  optNum,
  pick,
  csv,
  arr,
  col,
  nameCol,
  createdCol,
  ref,
  syncCol,
  sharedCol,
  nameFields,
  naming,
  define,
} from './kit';

export const rangeFields: FieldDef[] = [
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

export const infrastructure: ResourceDef[] = [
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
