export { sandboxOptionsFromEnv } from './config';
export type { SandboxOptions, ConfigPatch, Provider, ProviderRateLimit, RuntimeConfig } from './config';
export { startSandbox } from './server';
export type { RunningSandbox } from './server';
export type { SandboxControl, SeedSpec, ResetOptions, ConfigView } from './control';
export type {
  FaultSpec,
  FaultMode,
  Operation,
  WebshareOperation,
  ProxyhatOperation,
  ActiveFault,
} from './faults';
export type { WebshareSubuser, WebshareAggregateStats, WebshareProxyCredentials } from './webshare/types';
export type { WebshareStateEntry } from './webshare/store';
export type { ProxyhatSubUser, ProxyhatGroup } from './proxyhat/types';
export { parseTrafficLimit } from './traffic-units';
