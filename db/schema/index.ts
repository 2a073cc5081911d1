export * from './accounts';
export * from './hardware';
export * from './catalog';
export * from './network';
export * from './ipam';
export * from './compute';
export * from './services';
export * from './security';
