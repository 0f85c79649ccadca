/** The response cache in this process's memory: right for one instance, wrong for several. */
import { LruMap } from '../lru-map.js';
import type { ResponseStore } from './response-cache.js';

export class MemoryResponseStore implements ResponseStore {
  readonly #entries: LruMap<string, { readonly result: string; readonly expires: number }>;
  /** Each owner's generation: a number from one counter, so a generation is never reused. */
  readonly #generations = new Map<number, number>();
  #counter = 0;

  constructor(
    private readonly ttlSeconds: number,
    maxEntries: number,
  ) {
    this.#entries = new LruMap(maxEntries);
  }

  generation(owner: number): Promise<string> {
    return Promise.resolve(String(this.#generations.get(owner) ?? 0));
  }

  get(owner: number, generation: string, key: string): Promise<string | undefined> {
    const entry = this.#entries.get(`${owner}:${generation}:${key}`);
    return Promise.resolve(entry && entry.expires > Date.now() ? entry.result : undefined);
  }

  set(owner: number, generation: string, key: string, result: string): Promise<void> {
    this.#entries.set(`${owner}:${generation}:${key}`, { result, expires: Date.now() + this.ttlSeconds * 1000 });
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
