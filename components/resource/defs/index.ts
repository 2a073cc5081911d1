/**
 * Every list page of the console: its columns and its create form, one file per area, each
 * definition typed by its router (see `define` in ./kit.tsx).
 */
import type { ResourceDef } from '../types';
import { compute } from './compute';
import { infrastructure } from './infrastructure';
import { loadBalancing } from './load-balancing';
import { security } from './security';
import { services } from './services';

export { define } from './kit';
export { rangeFields, rangeInput } from './infrastructure';
export { SG_PROTOCOL_OPTIONS } from './security';

export const resources: ResourceDef[] = [...infrastructure, ...compute, ...services, ...loadBalancing, ...security];
export const resourceBySlug = (slug: string) => resources.find((r) => r.slug === slug);
