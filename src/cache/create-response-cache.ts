/** The response cache the configuration asks for: none, Redis when there is one, or memory. */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Metrics } from '../metrics/metrics.js';
import { MemoryResponseStore } from './memory-store.js';
import { RedisResponseStore } from './redis-store.js';
import { ResponseCache } from './response-cache.js';

export function createResponseCache(
  config: Config,
  logger: Logger,
  metrics: Metrics | undefined,
): ResponseCache | undefined {
  const ttl = config.responseCacheTtlSeconds;
  if (ttl === 0) return undefined;
  return new ResponseCache(
    config.redisUrl
      ? new RedisResponseStore(config.redisUrl, ttl, logger)
      : new MemoryResponseStore(ttl, config.responseCacheMaxBytes, () => metrics?.responseCacheEvictions.inc()),
    metrics && {
      hit: metrics.responseCache.bind({ result: 'hit' }),
      miss: metrics.responseCache.bind({ result: 'miss' }),
    },
  );
}
