/**
 * Rate limits per client address and per signed-in user, for every GraphQL
 * operation: HTTP requests, SSE streams, WebSocket connections and subscribe
 * messages alike, with @fastify/rate-limit's limiters. With Redis they are
 * counted there, so they hold across instances; when Redis fails, each
 * instance counts in its own memory meanwhile, rather than letting everything
 * through or nothing (the failover store below).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fastifyRateLimit, { type FastifyRateLimitOptions, type FastifyRateLimitStore } from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createRequire } from 'node:module';
import type { Viewer } from '../accounts/viewer.js';
import { connectRedis } from '../redis.js';

export interface RateLimitSettings {
  /** Operations per window from one client address; 0 turns the limit off. */
  readonly perAddress: number;
  /** Operations per window by one signed-in user; 0 turns the limit off. */
  readonly perUser: number;
  readonly windowSeconds: number;
}

/** Counts one operation and answers the seconds to wait when it is past a limit, or undefined. */
export interface RateLimits {
  /** Whether any limit is on: without one, requests skip this entirely. */
  readonly enabled: boolean;
  /** Counts against the address of `request` (its `state.address`). */
  byAddress(request: FastifyRequest): Promise<number | undefined>;
  /** Counts against `viewer` when signed in. */
  byUser(request: FastifyRequest, viewer: Viewer): Promise<number | undefined>;
}

declare module 'fastify' {
  interface FastifyInstance {
    readonly rateLimits: RateLimits;
  }
}

export const RATE_LIMITED = 'RATE_LIMITED';

export const rateLimitMessage = (retryAfter: number): string => `Too many requests: try again in ${retryAfter} s.`;

/** The store of a limiter, as @fastify/rate-limit calls it. */
type Store = FastifyRateLimitStore & {
  read?(key: string, callback: Parameters<FastifyRateLimitStore['incr']>[1], timeWindow: number, max: number): void;
};
type StoreClass = new (...args: unknown[]) => Store;

// The plugin's own stores, which it does not export by name.
const require = createRequire(import.meta.url);
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as StoreClass;
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as StoreClass;

/**
 * Counts in Redis, and in this instance's memory whenever Redis does not
 * answer: the same limits, held per instance for as long as Redis is away.
 */
function failoverStore(redis: Redis): new (options: FastifyRateLimitOptions) => Store {
  return class FailoverStore implements Store {
    readonly #redis = new RedisStore(false, false, redis, 'todo-graphql:rate:');
    readonly #local = new LocalStore(false, false);

    incr(...args: Parameters<Store['incr']>): void {
      const [key, callback, timeWindow, max] = args;
      this.#redis.incr(
        key,
        (error, result) => (error ? this.#local.incr(key, callback, timeWindow, max) : callback(null, result)),
        timeWindow,
        max,
      );
    }

    child(): Store {
      return this;
    }
  };
}

async function rateLimits(
  app: FastifyInstance,
  options: { settings: RateLimitSettings; redisUrl: string | undefined; log: Logger },
): Promise<void> {
  const { settings, redisUrl, log } = options;
  const enabled = settings.perAddress > 0 || settings.perUser > 0;
  const redis =
    enabled && redisUrl
      ? connectRedis(
          redisUrl,
          { role: 'rate limits', whileDown: 'rate limits counted per instance', log },
          { enableOfflineQueue: false, commandTimeout: 500 },
        )
      : undefined;
  await app.register(fastifyRateLimit, {
    global: false,
    timeWindow: settings.windowSeconds * 1000,
    ...(redis ? { store: failoverStore(redis) } : {}),
  });
  const limiter = (max: number, key: (request: FastifyRequest) => string) => {
    if (max === 0) return () => Promise.resolve(undefined);
    const check = app.createRateLimit({ max, keyGenerator: key });
    return async (request: FastifyRequest): Promise<number | undefined> => {
      const limit = await check(request);
      return !limit.isAllowed && limit.isExceeded ? Math.max(1, limit.ttlInSeconds) : undefined;
    };
  };
  const byAddress = limiter(settings.perAddress, (request) => `address:${request.state.address}`);
  const byUser = limiter(settings.perUser, (request) =>
    request.state.viewer.kind === 'user' ? `user:${request.state.viewer.user.id}` : 'anonymous',
  );
  app.decorate('rateLimits', {
    enabled,
    byAddress,
    byUser: (request, viewer) => (viewer.kind === 'user' ? byUser(request) : Promise.resolve(undefined)),
  } satisfies RateLimits);
  // disconnect, not quit: QUIT cannot be sent while Redis is down, and the reconnect timer would live on.
  app.addHook('onClose', () => redis?.disconnect());
}

export default fp(rateLimits, { name: 'rate-limits', dependencies: ['request-state'] });
