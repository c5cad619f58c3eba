export * from './iproyal.capabilities';
export * from './iproyal.driver';
export { toIproyalError, readIproyalErrorBody } from './iproyal.errors';
export * as iproyalMapper from './iproyal.mapper';
