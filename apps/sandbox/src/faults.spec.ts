import { FaultRegistry, FaultSpecError } from './faults';

describe('FaultRegistry', () => {
  it('applies the first matching fault and counts down `times`', () => {
    const faults = new FaultRegistry();
    faults.add({ provider: 'proxyhat', operation: 'delete', mode: 'drop', times: 2 });
    faults.add({ provider: '*', mode: 'error' });
    expect(faults.take('proxyhat', 'delete')?.mode).toBe('drop');
    expect(faults.take('webshare', 'list')?.mode).toBe('error');
    expect(faults.take('proxyhat', 'delete')?.mode).toBe('drop');
    expect(faults.take('proxyhat', 'delete')?.mode).toBe('error');
    expect(faults.list()).toHaveLength(1);
  });

  it('lets a call through when the rate roll fails', () => {
    const faults = new FaultRegistry();
    faults.add({ provider: 'webshare', mode: 'error', rate: 0.25 });
    expect(faults.take('webshare', 'get', () => 0.1)).toBeDefined();
    expect(faults.take('webshare', 'get', () => 0.5)).toBeUndefined();
  });

  it('validates specs', () => {
    const faults = new FaultRegistry();
    expect(() => faults.add({ provider: 'webshare', mode: 'error', times: 0 })).toThrow(FaultSpecError);
    expect(() => faults.add({ provider: 'webshare', mode: 'error', rate: 2 })).toThrow(FaultSpecError);
    expect(() => faults.add({ provider: 'proxyhat', operation: 'refresh', mode: 'drop' })).toThrow(
      FaultSpecError,
    );
  });
});
