/**
 * The response cache in Redis, shared by every instance, so a mutation on one
 * instance invalidates what the others would answer.
 *
 * Redis must never stop the API: while it is down, or slow, queries run without
 * the cache. A mutation's invalidation that cannot reach Redis is kept, and until
 * it has been delivered this instance does not read the cache, so it never
 * answers from a result that invalidation should have hidden.
 *
 * Other instances hold such invalidations too after an outage, and reconnect at
 * their own pace. So after each (re)connection this instance reads no cache for
 * RECONNECT_GRACE_MS, by which time every instance that can reach Redis again
 * has delivered what it kept.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { connectRedis, MAX_RETRY_DELAY_MS } from '../redis.js';
import type { ResponseStore } from './response-cache.js';

const PREFIX = 'todo-graphql:cache';
/** Past this a cache call gives up and the request goes on without the cache. */
const COMMAND_TIMEOUT_MS = 1000;
/** Two retry delays and a command timeout: every instance that can reach Redis has reconnected and delivered by then. */
const RECONNECT_GRACE_MS = 2 * MAX_RETRY_DELAY_MS + COMMAND_TIMEOUT_MS;

export class RedisResponseStore implements ResponseStore {
  readonly #redis: Redis;
  /** Owners whose invalidation has not reached Redis yet. */
  readonly #undelivered = new Set<number>();
  /** When the cache may be read again after the last (re)connection. */
  #readableAt = Number.POSITIVE_INFINITY;

  constructor(
    url: string,
    private readonly ttlSeconds: number,
    private readonly log: Logger,
  ) {
    this.#redis = connectRedis(
      url,
      { role: 'response cache', whileDown: 'responses are not cached', log },
      { enableOfflineQueue: false, commandTimeout: COMMAND_TIMEOUT_MS },
    );
    this.#redis.on('ready', () => {
      this.#readableAt = Date.now() + RECONNECT_GRACE_MS;
      void this.#deliverUndelivered();
    });
  }

  async generation(owner: number): Promise<string | undefined> {
    if (this.#undelivered.size > 0 || Date.now() < this.#readableAt) return undefined;
    return (await this.#redis.get(`${PREFIX}:generation:${owner}`)) ?? '0';
  }

  async get(owner: number, generation: string, key: string): Promise<string | undefined> {
    return (await this.#redis.get(`${PREFIX}:${owner}:${generation}:${key}`)) ?? undefined;
  }

  async set(owner: number, generation: string, key: string, result: string): Promise<void> {
    await this.#redis.set(`${PREFIX}:${owner}:${generation}:${key}`, result, 'EX', this.ttlSeconds);
  }

  async invalidate(owners: ReadonlySet<number>): Promise<void> {
    try {
      await this.#send(owners);
    } catch (error) {
      for (const owner of owners) this.#undelivered.add(owner);
      this.log.warn({ err: error }, 'response cache invalidation kept until redis returns; cache reads paused');
    }
  }

  close(): Promise<void> {
    // disconnect, not quit: QUIT cannot be sent while Redis is down, and the reconnect timer would live on.
    this.#redis.disconnect();
    return Promise.resolve();
  }

  /**
   * Bumps each owner's generation. A generation key outlives every result stored
   * under it, so when it expires, nothing an older generation number holds is left.
   */
  async #send(owners: ReadonlySet<number>): Promise<void> {
    if (owners.size === 0) return;
    const pipeline = this.#redis.pipeline();
    for (const owner of owners) {
      pipeline.incr(`${PREFIX}:generation:${owner}`).expire(`${PREFIX}:generation:${owner}`, this.ttlSeconds + 60);
    }
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([error]) => error !== null);
    if (failed) throw failed[0] ?? new Error('redis refused the invalidation');
  }

  async #deliverUndelivered(): Promise<void> {
    const owners = new Set(this.#undelivered);
    try {
      await this.#send(owners);
      for (const owner of owners) this.#undelivered.delete(owner);
    } catch {
      // Still unreachable: the next 'ready' tries again.
    }
  }
}
