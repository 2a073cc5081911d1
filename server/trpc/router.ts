import { createCallerFactory, router } from './init';
import { accountRouter, apiTokenRouter, authRouter } from './routers/auth';
import { imageRouter, instanceOfferingRouter, vrouterOfferingRouter } from './routers/catalog';
import { backupStorageRouter, clusterRouter, hostRouter, primaryStorageRouter, zoneRouter } from './routers/hardware';
import { l2Router, l3Router, vxlanPoolRouter } from './routers/network';
import { systemRouter, vmRouter, vrouterRouter } from './routers/compute';
import { securityGroupRouter } from './routers/security';
import { lbCertificateRouter, listenerRouter, loadBalancerRouter } from './routers/load-balancing';
import { eipRouter, portForwardRouter, routeTableRouter, vipRouter } from './routers/services';

export const appRouter = router({
  auth: authRouter,
  account: accountRouter,
  apiToken: apiTokenRouter,
  zone: zoneRouter,
  cluster: clusterRouter,
  host: hostRouter,
  backupStorage: backupStorageRouter,
  primaryStorage: primaryStorageRouter,
  image: imageRouter,
  instanceOffering: instanceOfferingRouter,
  vrouterOffering: vrouterOfferingRouter,
  l2: l2Router,
  vxlanPool: vxlanPoolRouter,
  l3: l3Router,
  vm: vmRouter,
  vrouter: vrouterRouter,
  vip: vipRouter,
  eip: eipRouter,
  portForward: portForwardRouter,
  routeTable: routeTableRouter,
  securityGroup: securityGroupRouter,
  loadBalancer: loadBalancerRouter,
  listener: listenerRouter,
  lbCertificate: lbCertificateRouter,
  system: systemRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
