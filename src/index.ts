export * from './backend';
export * from './client';
export * from './operators';
export * from './errors';
