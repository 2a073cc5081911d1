/** What every area's schemas share: ids, names, list paging, the base columns of a resource view. */
import { z } from 'zod';

export const Id = z.uuid();
export const Name = z.string().trim().min(1, 'Enter a name.').max(128);
export const Description = z.string().trim().max(1024).default('');
export const Ipv4 = z.string().trim().min(1, 'Enter an IPv4 address.');

export const ListInput = z.object({
  search: z.string().trim().max(128).optional(),
  sort: z.string().max(64).optional(),
  dir: z.enum(['asc', 'desc']).default('asc'),
  // Coerced: REST sends these as query-string text.
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(20),
});
export type ListInput = Partial<z.output<typeof ListInput>>;

export const IdInput = z.object({ id: Id });

export const listOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), total: z.number().int() });

export const base = { id: Id, accountId: Id, name: z.string(), description: z.string(), createdAt: z.date() };
