import { backupStorages, clusters, hosts, primaryStorages, zones } from '@/db/schema';
import { ClusterView, CreateCluster, CreateHost, CreateStorage, CreateZone, HostView, StorageView, ZoneView } from '../../domain/schema';
import { backupStorageService, clusterService, hostService, primaryStorageService, zoneService } from '../../services/hardware';
import { router } from '../init';
import { crudProcedures } from './crud';

export const zoneRouter = router(
  crudProcedures({ path: '/zones', tag: 'hardware', what: 'zone', table: zones, create: CreateZone, view: ZoneView, writes: 'admin', service: zoneService }),
);
export const clusterRouter = router(
  crudProcedures({ path: '/clusters', tag: 'hardware', what: 'cluster', table: clusters, create: CreateCluster, view: ClusterView, writes: 'admin', service: clusterService }),
);
export const hostRouter = router(
  crudProcedures({ path: '/hosts', tag: 'hardware', what: 'host', table: hosts, create: CreateHost, view: HostView, writes: 'admin', service: hostService }),
);
export const backupStorageRouter = router(
  crudProcedures({
    path: '/backup-storages',
    tag: 'hardware',
    what: 'backup storage',
    table: backupStorages,
    create: CreateStorage,
    view: StorageView,
    writes: 'admin',
    service: backupStorageService,
  }),
);
export const primaryStorageRouter = router(
  crudProcedures({
    path: '/primary-storages',
    tag: 'hardware',
    what: 'primary storage',
    table: primaryStorages,
    create: CreateStorage,
    view: StorageView,
    writes: 'admin',
    service: primaryStorageService,
  }),
);
