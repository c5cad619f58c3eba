export * from './proxyhat.capabilities';
export * from './proxyhat.driver';
export { toProxyhatError, readProxyhatErrorBody } from './proxyhat.errors';
export * as proxyhatMapper from './proxyhat.mapper';
