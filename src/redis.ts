/**
 * Connections to Redis, which the API uses but never needs: the change relay,
 * the response cache and the rate limits each hold their own, and each goes on
 * without Redis while it is down. All reconnect alike, and say so in the log.
 */
import { createRequire } from 'node:module';
import type * as IoRedis from 'ioredis';
import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/**
 * ioredis, loaded at the first connection: most servers (a laptop's, a single
 * instance's) never connect, and loading it costs about 20 MiB of memory.
 */
const loadIoredis = (): typeof IoRedis => createRequire(import.meta.url)('ioredis') as typeof IoRedis;

/** The longest wait between two reconnection attempts, on every connection of every instance. */
export const MAX_RETRY_DELAY_MS = 2000;

export interface RedisConnection {
  /** Who holds the connection, on each of its log lines. */
  readonly role: string;
  /** What goes without Redis while it is down, for the warning. */
  readonly whileDown: string;
  readonly log: Logger;
}

/** Told of every command once it has been answered: its name (never its arguments), how long it took, whether it failed. */
export type RedisCommandObserver = (name: string, ms: number, failed: boolean) => void;

/**
 * Observers of every connection's commands, in this process (tracing makes
 * each a span in the trace of the request that sent it). Per process, not per
 * connection: the connections are made in several places, the observer in one.
 */
const commandObservers = new Set<RedisCommandObserver>();

/** Tells `observer` of every Redis command from now on; returns the way to stop. */
export function observeRedisCommands(observer: RedisCommandObserver): () => void {
  commandObservers.add(observer);
  return () => commandObservers.delete(observer);
}

/**
 * A connection that keeps trying (sooner at first, then every MAX_RETRY_DELAY_MS),
 * logs each failure as a warning and each (re)connection as `redis connected`.
 */
export function connectRedis(url: string, { role, whileDown, log }: RedisConnection, options: RedisOptions): Redis {
  const redis = new (loadIoredis().Redis)(url, {
    ...options,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, MAX_RETRY_DELAY_MS),
  });
  redis.on('error', (error: Error) => log.warn({ err: error, role }, `redis unavailable: ${whileDown}`));
  redis.on('ready', () => log.info({ role }, 'redis connected'));
  // Where ioredis hands every command over, as OpenTelemetry's ioredis instrumentation hooks it.
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = (command, stream) => {
    if (commandObservers.size === 0) return send(command, stream);
    const started = performance.now();
    const report = (failed: boolean) => {
      const ms = performance.now() - started;
      for (const observer of commandObservers) observer(command.name, ms, failed);
    };
    command.promise.then(
      () => report(false),
      () => report(true),
    );
    return send(command, stream);
  };
  return redis;
}
