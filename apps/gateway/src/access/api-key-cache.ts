import { LRUCache } from 'lru-cache';
import { Clock } from '../common/clock';
import { AuthContext } from './auth-context';

export interface ApiKeyCacheLimits {
  /** Valid keys kept (least recently used go first). */
  hits: number;
  /** Unknown or revoked keys kept: fewer, and apart, so made-up keys never push out real ones. */
  misses: number;
  /** A revocation elsewhere reaches this replica within this time even without Redis. */
  ttlMs: number;
}

export const API_KEY_CACHE_LIMITS: ApiKeyCacheLimits = { hits: 10_000, misses: 1_000, ttlMs: 1000 };

interface Hit {
  auth: AuthContext;
  expiresAt: number;
}

/**
 * Results of key lookups by key hash, for one second. Hits and misses live in two bounded LRU
 * caches, so a flood of made-up keys only ever evicts other made-up keys. Every invalidation
 * bumps a generation: a lookup that started before it must not store what it read.
 */
export class ApiKeyCache {
  private readonly hits: LRUCache<string, Hit>;
  private readonly misses: LRUCache<string, number>;
  private readonly hashByKeyId = new Map<string, string>();
  private generation = 0;

  constructor(
    private readonly clock: Clock,
    private readonly limits: ApiKeyCacheLimits = API_KEY_CACHE_LIMITS,
  ) {
    this.hits = new LRUCache<string, Hit>({
      max: limits.hits,
      // The key-id index follows the hits out, so it stays as bounded as they are.
      dispose: (hit, hash) => {
        if (this.hashByKeyId.get(hit.auth.keyId) === hash) this.hashByKeyId.delete(hit.auth.keyId);
      },
    });
    this.misses = new LRUCache<string, number>({ max: limits.misses });
  }

  /** The cached answer: a context, null for a known miss, undefined when not cached (or expired). */
  get(hash: string): AuthContext | null | undefined {
    const now = this.clock.now();
    const hit = this.hits.get(hash);
    if (hit) {
      if (hit.expiresAt > now) return hit.auth;
      this.hits.delete(hash);
    }
    const missExpiresAt = this.misses.get(hash);
    if (missExpiresAt !== undefined) {
      if (missExpiresAt > now) return null;
      this.misses.delete(hash);
    }
    return undefined;
  }

  /** Taken before a database lookup and handed back to `set`. */
  ticket(): number {
    return this.generation;
  }

  set(hash: string, auth: AuthContext | null, ticket: number): void {
    if (ticket !== this.generation) return;
    const expiresAt = this.clock.now() + this.limits.ttlMs;
    if (auth) {
      this.misses.delete(hash);
      this.hits.set(hash, { auth, expiresAt });
      this.hashByKeyId.set(auth.keyId, hash);
    } else {
      this.misses.set(hash, expiresAt);
    }
  }

  /** A key was revoked (here or on another replica). */
  forgetKey(keyId: string): void {
    this.generation++;
    const hash = this.hashByKeyId.get(keyId);
    if (hash) this.hits.delete(hash);
  }

  /** A key was just created: a miss recorded a moment ago must not keep it out. */
  forgetHash(hash: string): void {
    this.generation++;
    this.misses.delete(hash);
  }
}
