/** Catalog. */
import { z } from 'zod';
import { Description, Id, Name, base } from './common';

export const CreateImage = z.object({
  name: Name,
  description: Description,
  kind: z.enum(['vm', 'vrouter']).default('vm'),
  backupStorageId: Id,
  url: z.string().trim().min(1, 'Enter the image URL.').max(2048),
  format: z.enum(['qcow2', 'raw', 'iso']).default('qcow2'),
  platform: z.enum(['Linux', 'Windows', 'Other']).default('Linux'),
  shared: z.boolean().default(false),
});
export const ImageView = z.object({
  ...base,
  kind: z.enum(['vm', 'vrouter']),
  backupStorageId: Id,
  url: z.string(),
  format: z.string(),
  platform: z.string(),
  shared: z.boolean(),
});

export const MemoryUnit = z.enum(['M', 'G', 'T']);
export const CreateInstanceOffering = z.object({
  name: Name,
  description: Description,
  cpu: z.number().int(),
  memory: z.number().positive('Enter the memory size.'),
  memoryUnit: MemoryUnit.default('G'),
  shared: z.boolean().default(false),
});
export const InstanceOfferingView = z.object({ ...base, cpu: z.number(), memoryMb: z.number(), shared: z.boolean() });

export const CreateVRouterOffering = z.object({
  name: Name,
  description: Description,
  zoneId: Id,
  cpu: z.number().int(),
  memory: z.number().positive('Enter the memory size.'),
  memoryUnit: MemoryUnit.default('G'),
  imageId: Id,
  managementL3Id: Id,
  publicL3Id: Id,
  shared: z.boolean().default(false),
});
export const VRouterOfferingView = z.object({
  ...base,
  zoneId: Id,
  cpu: z.number(),
  memoryMb: z.number(),
  imageId: Id,
  managementL3Id: Id,
  publicL3Id: Id,
  shared: z.boolean(),
});
