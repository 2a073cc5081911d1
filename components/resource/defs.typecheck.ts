/**
 * Compile-time proof (`npm run typecheck`) that resource definitions are typed by their router:
 * each `@ts-expect-error` below must stay an error, or `tsc` fails on the unused directive.
 */
import { CreateVip } from '@/server/domain/schema';
import { define } from './defs';

const vipPage = {
  slug: 'vips-typecheck',
  title: 'page.vips',
  adminWrites: false,
  columns: [{ key: 'ip', label: 'field.vip' }],
} as const;

export const fixtures = [
  // The form sends what the procedure takes: fine.
  define({
    ...vipPage,
    router: 'vip',
    columns: [{ key: 'ip', label: 'field.vip' }],
    create: { fields: [], schema: CreateVip, toInput: () => ({ name: 'v', l3Id: 'l3', ip: null }) },
  }),
  define({
    ...vipPage,
    router: 'vip',
    columns: [{ key: 'ip', label: 'field.vip' }],
    // A required field of the create schema is missing (as after renaming it in the schema only).
    // @ts-expect-error l3Id is required by vip.create
    create: { fields: [], schema: CreateVip, toInput: () => ({ name: 'v', ip: null }) },
  }),
  define({
    ...vipPage,
    router: 'vip',
    columns: [{ key: 'ip', label: 'field.vip' }],
    // A field the create schema does not have (an optional field renamed in the schema only).
    // @ts-expect-error fixedIp is not a field of vip.create
    create: { fields: [], schema: CreateVip, toInput: () => ({ name: 'v', l3Id: 'l3', fixedIp: null }) },
  }),
  define({
    ...vipPage,
    router: 'vip',
    // @ts-expect-error vmName is not a field of vip.list's rows
    columns: [{ key: 'vmName', label: 'field.vip' }],
  }),
];
