export { sandboxOptionsFromEnv, SANDBOX_VARIABLES } from './config';
export type { SandboxOptions, ConfigPatch, Provider, ProviderRateLimit, RuntimeConfig } from './config';
export { startSandbox } from './server';
export type { RunningSandbox } from './server';
export type {
  SandboxControl,
  SeedSpec,
  ResetOptions,
  ConfigView,
  SandboxAccount,
  IproyalBalanceView,
} from './control';
export type { TrafficSpec, TrafficResult, PeriodResetSpec, PeriodResetResult, SubUserState } from './usage';
export type {
  FaultSpec,
  FaultMode,
  Operation,
  WebshareOperation,
  ProxyhatOperation,
  IproyalOperation,
  ActiveFault,
} from './faults';
export type { WebshareSubuser, WebshareAggregateStats, WebshareProxyCredentials } from './webshare/types';
export type { WebshareStateEntry } from './webshare/store';
export type { ProxyhatSubUser, ProxyhatGroup, ProxyhatGroupView } from './proxyhat/types';
export type { IproyalSubuser, IproyalStateEntry, IproyalLimits, IproyalMe } from './iproyal/types';
export { parseTrafficLimit } from './traffic-units';
