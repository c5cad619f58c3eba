import { Provider, PROVIDERS } from './config';

export type FaultMode = 'error' | 'timeout-before' | 'timeout-after' | 'drop' | 'rate-limit';
export const FAULT_MODES: readonly FaultMode[] = [
  'error',
  'timeout-before',
  'timeout-after',
  'drop',
  'rate-limit',
];

export type WebshareOperation = 'list' | 'get' | 'create' | 'update' | 'delete' | 'refresh' | 'proxyConfig';
export type ProxyhatOperation =
  'list' | 'get' | 'create' | 'update' | 'delete' | 'bulkDelete' | 'resetUsage' | 'moveToGroup' | 'groups';
export type IproyalOperation =
  'me' | 'list' | 'get' | 'create' | 'update' | 'delete' | 'giveTraffic' | 'takeTraffic';
export type Operation = WebshareOperation | ProxyhatOperation | IproyalOperation;

export const OPERATIONS: Record<Provider, readonly Operation[]> = {
  webshare: ['list', 'get', 'create', 'update', 'delete', 'refresh', 'proxyConfig'],
  proxyhat: [
    'list',
    'get',
    'create',
    'update',
    'delete',
    'bulkDelete',
    'resetUsage',
    'moveToGroup',
    'groups',
  ],
  iproyal: ['me', 'list', 'get', 'create', 'update', 'delete', 'giveTraffic', 'takeTraffic'],
};

export interface FaultSpec {
  provider: Provider | '*';
  operation?: Operation | '*';
  mode: FaultMode;
  /** HTTP status for mode 'error' (default 503). */
  status?: number;
  /** Retry-After seconds for mode 'rate-limit' (default: the provider's usual value). */
  retryAfter?: number;
  /** Fail only the next N matching calls; omitted = until cleared. */
  times?: number;
  /** Probability (0..1) that a matching call fails (default 1). */
  rate?: number;
}

export interface ActiveFault extends FaultSpec {
  id: string;
}

export class FaultSpecError extends Error {}

/** Active fault switches; the first one that matches (and wins its `rate` roll) applies. */
export class FaultRegistry {
  private faults: ActiveFault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): string {
    const fault = { ...validateFaultSpec(spec), id: `fault-${this.nextId++}` };
    this.faults.push(fault);
    return fault.id;
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((fault) => fault.id !== id);
    return this.faults.length !== before;
  }

  clear(): void {
    this.faults = [];
  }

  list(): ActiveFault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  /** Finds the fault for this call and consumes one of its `times`. */
  take(
    provider: Provider,
    operation: Operation,
    random: () => number = Math.random,
  ): ActiveFault | undefined {
    if (this.faults.length === 0) return undefined;
    for (const fault of this.faults) {
      if (fault.provider !== '*' && fault.provider !== provider) continue;
      if (fault.operation !== undefined && fault.operation !== '*' && fault.operation !== operation) continue;
      if (fault.rate !== undefined && fault.rate < 1 && random() >= fault.rate) continue;
      if (fault.times !== undefined) {
        fault.times--;
        if (fault.times <= 0) this.remove(fault.id);
      }
      return fault;
    }
    return undefined;
  }
}

function validateFaultSpec(input: FaultSpec): FaultSpec {
  if (input === null || typeof input !== 'object') throw new FaultSpecError('fault must be an object');
  const { provider, operation, mode, status, retryAfter, times, rate } = input;
  if (provider !== '*' && !PROVIDERS.includes(provider)) {
    throw new FaultSpecError("provider must be 'webshare', 'proxyhat', 'iproyal' or '*'");
  }
  if (!FAULT_MODES.includes(mode)) throw new FaultSpecError(`mode must be one of ${FAULT_MODES.join(', ')}`);
  if (operation !== undefined && operation !== '*') {
    const known = provider === '*' ? PROVIDERS.flatMap((name) => OPERATIONS[name]) : OPERATIONS[provider];
    if (!known.includes(operation)) throw new FaultSpecError(`unknown operation '${String(operation)}'`);
  }
  if (status !== undefined && !(Number.isInteger(status) && status >= 400 && status <= 599)) {
    throw new FaultSpecError('status must be an integer between 400 and 599');
  }
  if (retryAfter !== undefined && !(Number.isInteger(retryAfter) && retryAfter >= 0)) {
    throw new FaultSpecError('retryAfter must be a non-negative integer');
  }
  if (times !== undefined && !(Number.isInteger(times) && times > 0)) {
    throw new FaultSpecError('times must be a positive integer');
  }
  if (rate !== undefined && !(typeof rate === 'number' && rate >= 0 && rate <= 1)) {
    throw new FaultSpecError('rate must be a number between 0 and 1');
  }
  return { provider, operation, mode, status, retryAfter, times, rate };
}
