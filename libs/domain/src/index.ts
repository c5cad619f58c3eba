export * from './sub-user';
export * from './errors';
export * from './units';
export * from './capabilities';
export * from './echo';
export * from './sub-user-view';
export * from './canonical-json';
