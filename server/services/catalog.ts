import { eq } from 'drizzle-orm';
import type { z } from 'zod';
import type { Db } from '@/db/client';
import { backupStorages, images, instanceOfferings, l3Networks, vrouterOfferings, zones } from '@/db/schema';
import type { Actor } from '../auth/actor';
import { checkCapacity, checkVRouterOfferingRefs, toMegabytes } from '../domain/catalog/offering';
import { enforce } from '../domain/errors';
import type { CreateImage, CreateInstanceOffering, CreateVRouterOffering, ListInput } from '../domain/schema';
import { audit, deleteOwned, getReadable, listPage } from './scope';

export const imageService = {
  list: (db: Db, actor: Actor, input: ListInput & { kind?: 'vm' | 'vrouter' }) =>
    listPage<typeof images.$inferSelect>(
      db,
      actor,
      {
        table: images,
        search: [images.name, images.url],
        sort: { name: images.name, createdAt: images.createdAt },
        shared: images.shared,
      },
      input,
      input.kind ? eq(images.kind, input.kind) : undefined,
    ),
  get: (db: Db, actor: Actor, id: string) => getReadable(db, actor, images, id, 'image', images.shared),
  async create(db: Db, actor: Actor, input: z.output<typeof CreateImage>) {
    return db.transaction(async (tx) => {
      await getReadable(tx, actor, backupStorages, input.backupStorageId, 'backup storage', undefined, 'backupStorageId');
      const [row] = await tx
        .insert(images)
        .values({ ...input, accountId: actor.accountId })
        .returning();
      await audit(tx, actor, 'create', 'image', row!.id);
      return row!;
    });
  },
  delete: (db: Db, actor: Actor, id: string) =>
    deleteOwned(db, actor, images, 'image', id, [
      { table: vrouterOfferings, column: vrouterOfferings.imageId, label: 'vRouter offering(s)' },
    ]),
};

export const instanceOfferingService = {
  list: (db: Db, actor: Actor, input: ListInput) =>
    listPage<typeof instanceOfferings.$inferSelect>(
      db,
      actor,
      {
        table: instanceOfferings,
        search: [instanceOfferings.name],
        sort: {
          name: instanceOfferings.name,
          cpu: instanceOfferings.cpu,
          memoryMb: instanceOfferings.memoryMb,
          createdAt: instanceOfferings.createdAt,
        },
        shared: instanceOfferings.shared,
      },
      input,
    ),
  get: (db: Db, actor: Actor, id: string) =>
    getReadable(db, actor, instanceOfferings, id, 'instance offering', instanceOfferings.shared),
  async create(db: Db, actor: Actor, input: z.output<typeof CreateInstanceOffering>) {
    const memoryMb = toMegabytes(input.memory, input.memoryUnit);
    enforce(checkCapacity(input.cpu, memoryMb));
    return db.transaction(async (tx) => {
      const [row] = await tx
        .insert(instanceOfferings)
        .values({
          name: input.name,
          description: input.description,
          cpu: input.cpu,
          memoryMb,
          shared: input.shared,
          accountId: actor.accountId,
        })
        .returning();
      await audit(tx, actor, 'create', 'instance offering', row!.id);
      return row!;
    });
  },
  delete: (db: Db, actor: Actor, id: string) => deleteOwned(db, actor, instanceOfferings, 'instance offering', id),
};

export const vrouterOfferingService = {
  list: (db: Db, actor: Actor, input: ListInput) =>
    listPage<typeof vrouterOfferings.$inferSelect>(
      db,
      actor,
      {
        table: vrouterOfferings,
        search: [vrouterOfferings.name],
        sort: {
          name: vrouterOfferings.name,
          cpu: vrouterOfferings.cpu,
          memoryMb: vrouterOfferings.memoryMb,
          createdAt: vrouterOfferings.createdAt,
        },
        shared: vrouterOfferings.shared,
      },
      input,
    ),
  get: (db: Db, actor: Actor, id: string) =>
    getReadable(db, actor, vrouterOfferings, id, 'vRouter offering', vrouterOfferings.shared),
  async create(db: Db, actor: Actor, input: z.output<typeof CreateVRouterOffering>) {
    const memoryMb = toMegabytes(input.memory, input.memoryUnit);
    enforce(checkCapacity(input.cpu, memoryMb));
    return db.transaction(async (tx) => {
      await getReadable(tx, actor, zones, input.zoneId, 'zone', undefined, 'zoneId');
      const image = await getReadable(tx, actor, images, input.imageId, 'image', images.shared, 'imageId');
      const managementL3 = await getReadable(
        tx,
        actor,
        l3Networks,
        input.managementL3Id,
        'L3 network',
        l3Networks.shared,
        'managementL3Id',
      );
      const publicL3 = await getReadable(tx, actor, l3Networks, input.publicL3Id, 'L3 network', l3Networks.shared, 'publicL3Id');
      enforce(checkVRouterOfferingRefs({ image, managementL3, publicL3 }));
      const [row] = await tx
        .insert(vrouterOfferings)
        .values({
          name: input.name,
          description: input.description,
          zoneId: input.zoneId,
          cpu: input.cpu,
          memoryMb,
          imageId: input.imageId,
          managementL3Id: input.managementL3Id,
          publicL3Id: input.publicL3Id,
          shared: input.shared,
          accountId: actor.accountId,
        })
        .returning();
      await audit(tx, actor, 'create', 'vRouter offering', row!.id);
      return row!;
    });
  },
  delete: (db: Db, actor: Actor, id: string) =>
    deleteOwned(db, actor, vrouterOfferings, 'vRouter offering', id, [
      { table: l3Networks, column: l3Networks.vrouterOfferingId, label: 'private L3 network(s)' },
    ]),
};
