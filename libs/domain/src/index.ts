export * from './sub-user';
export * from './errors';
export * from './units';
export * from './capabilities';
export * from './echo';
