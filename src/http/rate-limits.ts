/**
 * Rate limits per client address and per user, for every GraphQL operation
 * (HTTP requests, SSE streams and WebSocket subscribe messages alike). With
 * Redis they are counted there, so they hold across instances; when Redis
 * fails, each instance counts in its own memory meanwhile (rate-limiter-flexible's
 * insurance limiter) rather than letting everything through or nothing.
 */
import type { IncomingMessage } from 'node:http';
import type { Redis } from 'ioredis';
import { connectRedis } from '../redis.js';
import type { Logger } from 'pino';
import type { Viewer } from '../accounts/viewer.js';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

export interface RateLimitSettings {
  /** Operations per window from one client address; 0 turns the limit off. */
  readonly perAddress: number;
  /** Operations per window by one signed-in user; 0 turns the limit off. */
  readonly perUser: number;
  readonly windowSeconds: number;
}

export class RateLimits {
  readonly #byAddress: RateLimiterAbstract | undefined;
  readonly #byUser: RateLimiterAbstract | undefined;
  readonly #redis: Redis | undefined;

  constructor(settings: RateLimitSettings, redisUrl: string | undefined, log: Logger) {
    if (redisUrl && (settings.perAddress > 0 || settings.perUser > 0)) {
      this.#redis = connectRedis(
        redisUrl,
        { role: 'rate limits', whileDown: 'rate limits counted per instance', log },
        { enableOfflineQueue: false, commandTimeout: 500 },
      );
    }
    const limiter = (points: number, keyPrefix: string): RateLimiterAbstract | undefined => {
      if (points === 0) return undefined;
      const options = { points, duration: settings.windowSeconds, keyPrefix };
      const memory = new RateLimiterMemory(options);
      if (!this.#redis) return memory;
      return new RateLimiterRedis({
        ...options,
        keyPrefix: `todo-graphql:${keyPrefix}`,
        storeClient: this.#redis,
        rejectIfRedisNotReady: true,
        insuranceLimiter: memory,
      });
    };
    this.#byAddress = limiter(settings.perAddress, 'rate:address');
    this.#byUser = limiter(settings.perUser, 'rate:user');
  }

  /** Whether any limit is on: without one, requests skip this entirely. */
  get enabled(): boolean {
    return this.#byAddress !== undefined || this.#byUser !== undefined;
  }

  /** Counts one operation from `address`; answers the seconds to wait when it is over the limit. */
  consumeAddress(address: string): Promise<number | undefined> {
    return consume(this.#byAddress, address);
  }

  /** Counts one operation by `viewer` when signed in; answers the seconds to wait when it is over the limit. */
  consumeViewer(viewer: Viewer): Promise<number | undefined> {
    return viewer.kind === 'user' ? consume(this.#byUser, String(viewer.user.id)) : Promise.resolve(undefined);
  }

  close(): Promise<void> {
    // disconnect, not quit: QUIT cannot be sent while Redis is down, and the reconnect timer would live on.
    this.#redis?.disconnect();
    return Promise.resolve();
  }
}

export const RATE_LIMITED = 'RATE_LIMITED';

export const rateLimitMessage = (retryAfter: number): string => `Too many requests: try again in ${retryAfter} s.`;

async function consume(limiter: RateLimiterAbstract | undefined, key: string): Promise<number | undefined> {
  if (!limiter) return undefined;
  try {
    await limiter.consume(key);
    return undefined;
  } catch (refusal) {
    if (refusal instanceof RateLimiterRes) return Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
    throw refusal;
  }
}

/**
 * The client's address. Behind a proxy every request comes from the proxy, so
 * with `trustProxy` it is the last X-Forwarded-For entry: the address the proxy
 * itself saw (entries before it are whatever the client wrote).
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy ? req.headers['x-forwarded-for'] : undefined;
  const last = typeof forwarded === 'string' ? forwarded.split(',').at(-1)?.trim() : undefined;
  return last || req.socket.remoteAddress || 'unknown';
}
