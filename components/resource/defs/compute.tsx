/** VMs and vRouters (R-VM-1..3). */
import { CreateVm } from '@/server/domain/schema';
import { Badge } from '../../ui/primitives';
import type { ResourceDef } from '../types';
import { str, num, col, nameCol, createdCol, ref, syncCol, define, arr, nameFields, naming } from './kit';

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

export const compute: ResourceDef[] = [
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
];
