import request from 'supertest';
import { ApiKeyRepository } from '@app/persistence/repositories/api-key.repository';
import { ApiKeysService } from '../../apps/gateway/src/access/api-keys.service';
import { API_KEY_CACHE_LIMITS } from '../../apps/gateway/src/access/api-key-cache';
import { Clock } from '../../apps/gateway/src/common/clock';
import { RunningGateway, startTestGateway } from '../support/gateway';
import { admin, bearer, createKey } from './access-helpers';

describe('the API-key cache', () => {
  let gateway: RunningGateway;
  let lookups: jest.SpyInstance;
  let clock: jest.SpyInstance<number, []>;
  const frozenAt = Date.now();

  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  beforeEach(() => {
    // Counts the database lookups of keys (the real ones still run); nothing expires by time
    // while the clock is frozen, so only the cache's own bounds can make a key be looked up again.
    lookups = jest.spyOn(gateway.app.get(ApiKeyRepository), 'findByHash');
    clock = jest.spyOn(gateway.app.get(Clock), 'now').mockReturnValue(frozenAt);
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    await gateway?.close();
  });

  it('operations #3: a flood of made-up keys does not push a valid key out', async () => {
    const key = await createKey(gateway, { name: 'kept', scopes: ['sub-users:read'] });
    const keys = gateway.app.get(ApiKeysService);
    expect(await keys.authenticate(key.key)).toMatchObject({ keyId: key.id });

    // More made-up keys than the old single cache held in all (10,000), in parallel batches.
    const flood = API_KEY_CACHE_LIMITS.hits + API_KEY_CACHE_LIMITS.misses + 1;
    for (let start = 0; start < flood; start += 100) {
      const batch = Array.from(
        { length: Math.min(100, flood - start) },
        (_, i) => `sgw_made_up_${start + i}`,
      );
      expect(await Promise.all(batch.map((made) => keys.authenticate(made)))).toEqual(batch.map(() => null));
    }
    lookups.mockClear();

    expect(await keys.authenticate(key.key)).toMatchObject({ keyId: key.id });
    expect(lookups).not.toHaveBeenCalled();
    // Made-up keys are bounded apart: the oldest were pushed out by newer ones, the newest stay.
    await keys.authenticate(`sgw_made_up_${flood - 1}`);
    expect(lookups).not.toHaveBeenCalled();
    await keys.authenticate('sgw_made_up_0');
    expect(lookups).toHaveBeenCalledTimes(1);
  });

  it('answers a revoked key 401 on the next request, and forgets any key a second later', async () => {
    const key = await createKey(gateway, { name: 'revoked-soon', scopes: ['sub-users:read'] });
    await request(gateway.url).get('/v1/sub-users').set(bearer(key.key)).expect(200);
    lookups.mockClear();
    await request(gateway.url).get('/v1/sub-users').set(bearer(key.key)).expect(200);
    expect(lookups).not.toHaveBeenCalled();
    // One second on, the key is read again (how a revocation on another replica arrives without Redis).
    clock.mockReturnValue(frozenAt + API_KEY_CACHE_LIMITS.ttlMs);
    await request(gateway.url).get('/v1/sub-users').set(bearer(key.key)).expect(200);
    expect(lookups).toHaveBeenCalledTimes(1);
    await request(gateway.url).delete(`/v1/api-keys/${key.id}`).set(admin).expect(200);
    await request(gateway.url).get('/v1/sub-users').set(bearer(key.key)).expect(401);
  });
});
