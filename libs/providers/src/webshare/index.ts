export * from './webshare.capabilities';
export * from './webshare.driver';
export { toWebshareError, readWebshareErrorBody } from './webshare.errors';
export * as webshareMapper from './webshare.mapper';
