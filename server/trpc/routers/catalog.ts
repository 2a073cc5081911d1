import { images, instanceOfferings, vrouterOfferings } from '@/db/schema';
import {
  CreateImage,
  CreateInstanceOffering,
  CreateVRouterOffering,
  ImageView,
  InstanceOfferingView,
  VRouterOfferingView,
} from '../../domain/schema';
import { imageService, instanceOfferingService, vrouterOfferingService } from '../../services/catalog';
import { router } from '../init';
import { crudProcedures } from './crud';

// Images and offerings are the catalogue an administrator curates and shares with tenants.
export const imageRouter = router(
  crudProcedures({
    path: '/images',
    tag: 'catalog',
    what: 'image',
    table: images,
    create: CreateImage,
    view: ImageView,
    writes: 'admin',
    service: imageService,
  }),
);
export const instanceOfferingRouter = router(
  crudProcedures({
    path: '/instance-offerings',
    tag: 'catalog',
    what: 'instance offering',
    table: instanceOfferings,
    create: CreateInstanceOffering,
    view: InstanceOfferingView,
    writes: 'admin',
    service: instanceOfferingService,
  }),
);
export const vrouterOfferingRouter = router(
  crudProcedures({
    path: '/vrouter-offerings',
    tag: 'catalog',
    what: 'vRouter offering',
    table: vrouterOfferings,
    create: CreateVRouterOffering,
    view: VRouterOfferingView,
    writes: 'admin',
    service: vrouterOfferingService,
  }),
);
