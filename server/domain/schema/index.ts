/**
 * Input and output shapes shared by the procedures (tRPC + REST) and the console's forms, one file
 * per area. Pure zod, no server-only imports: components may import these files.
 */
export * from './common';
export * from './hardware';
export * from './catalog';
export * from './network';
export * from './compute';
export * from './accounts';
export * from './services';
export * from './security';
export * from './load-balancing';
