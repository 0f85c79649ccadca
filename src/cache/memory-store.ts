/** The response cache in this process's memory: right for one instance, wrong for several. */
import { LRUCache } from 'lru-cache';
import { MAX_CACHED_RESULT_BYTES, type ResponseStore } from './response-cache.js';

export class MemoryResponseStore implements ResponseStore {
  /**
   * Results by owner, generation and key, bounded by their size (a result is
   * JSON text, two bytes a character in memory), least recently used out first.
   */
  readonly #entries: LRUCache<string, string>;
  /** Each owner's generation: a number from one counter, so a generation is never reused. */
  readonly #generations = new Map<number, number>();
  #counter = 0;

  /** `evicted` is told of each result let go to make room (not of those expired or replaced). */
  constructor(ttlSeconds: number, maxBytes: number, evicted?: () => void) {
    this.#entries = new LRUCache({
      maxSize: maxBytes,
      maxEntrySize: 2 * MAX_CACHED_RESULT_BYTES,
      sizeCalculation: (result) => 2 * result.length,
      ttl: ttlSeconds * 1000,
      ...(evicted && {
        dispose: (_result: string, _key: string, reason: LRUCache.DisposeReason) => {
          if (reason === 'evict') evicted();
        },
      }),
    });
  }

  generation(owner: number): Promise<string> {
    return Promise.resolve(String(this.#generations.get(owner) ?? 0));
  }

  get(owner: number, generation: string, key: string): Promise<string | undefined> {
    return Promise.resolve(this.#entries.get(`${owner}:${generation}:${key}`));
  }

  set(owner: number, generation: string, key: string, result: string): Promise<void> {
    this.#entries.set(`${owner}:${generation}:${key}`, result);
    return Promise.resolve();
  }

  invalidate(owners: ReadonlySet<number>): Promise<void> {
    for (const owner of owners) this.#generations.set(owner, (this.#counter += 1));
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
