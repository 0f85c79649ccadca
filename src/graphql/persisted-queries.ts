/**
 * Automatic persisted queries (Apollo's APQ): a client sends a document's
 * SHA-256 hash alone; the first time the server answers PersistedQueryNotFound,
 * the client sends the text with the hash, and the server keeps it, so that
 * from then on the hash alone runs it, over POST and over GET (which a CDN can
 * cache). Documents are kept only once they are known valid, so a client
 * cannot fill the store with junk, and the store is bounded: the least
 * recently used go first.
 *
 * Each instance keeps the documents in memory. With Redis they are also kept
 * there, shared by every instance, for PERSISTED_QUERIES_TTL_SECONDS; while
 * Redis is down each instance goes on with what it holds, and a miss costs the
 * client one retry with the text.
 */
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { connectRedis } from '../redis.js';

const PREFIX = 'todo-graphql:apq:';
/** Past this a lookup gives up, and the client is asked for the text. */
const COMMAND_TIMEOUT_MS = 500;

export interface PersistedQueryStore {
  /** The document registered under `hash`, if any. */
  get(hash: string): string | undefined | Promise<string | undefined>;
  /** Registers `text` under `hash` (its SHA-256, already checked). */
  set(hash: string, text: string): void;
  close(): Promise<void>;
}

export interface PersistedQuerySettings {
  readonly maxEntries: number;
  readonly ttlSeconds: number;
}

/** The store for `settings`: in memory, and also in Redis when `redisUrl` is set; undefined when APQ is off. */
export function createPersistedQueryStore(
  settings: PersistedQuerySettings,
  redisUrl: string | undefined,
  log: Logger,
): PersistedQueryStore | undefined {
  if (settings.maxEntries === 0) return undefined;
  const memory = new LRUCache<string, string>({ max: settings.maxEntries });
  if (redisUrl === undefined) {
    return {
      get: (hash) => memory.get(hash),
      set: (hash, text) => void memory.set(hash, text),
      close: () => Promise.resolve(),
    };
  }
  const redis: Redis = connectRedis(
    redisUrl,
    { role: 'persisted queries', whileDown: 'persisted queries are kept per instance', log },
    { enableOfflineQueue: false, commandTimeout: COMMAND_TIMEOUT_MS },
  );
  return {
    get(hash) {
      const known = memory.get(hash);
      if (known !== undefined) return known;
      return redis.get(PREFIX + hash).then(
        (text) => {
          if (text === null) return undefined;
          memory.set(hash, text);
          return text;
        },
        () => undefined,
      );
    },
    set(hash, text) {
      memory.set(hash, text);
      redis.set(PREFIX + hash, text, 'EX', settings.ttlSeconds).catch(() => undefined);
    },
    close() {
      // disconnect, not quit: QUIT cannot be sent while Redis is down, and the reconnect timer would live on.
      redis.disconnect();
      return Promise.resolve();
    },
  };
}
