/**
 * The optional response cache (off by default): query results kept per owner,
 * so a client that asks the same thing again is answered without the database.
 *
 * Invalidation is by generation. Each owner has a generation; a result is kept
 * under the generation read before the query ran. A mutation moves the
 * generation of everyone in its audience (the owner and members of each list it
 * touched, the same audience live updates use), before it answers, so no read
 * after it can find an older result, and a query that raced the mutation stored
 * its result under a generation nobody reads any more. Keys include today's UTC
 * date, because `overdue` turns at midnight without any mutation.
 */
import { createHash } from 'node:crypto';
import type { ExecutionResult } from 'graphql';

/**
 * Largest result kept, in bytes of JSON: a larger one is answered and
 * forgotten, rather than pushing out hundreds of everyday ones (or filling Redis).
 */
export const MAX_CACHED_RESULT_BYTES = 1024 * 1024;

/** Where results live: process memory, or Redis for many instances. */
export interface ResponseStore {
  /** The owner's current generation. */
  generation(owner: number): Promise<string | undefined>;
  get(owner: number, generation: string, key: string): Promise<string | undefined>;
  set(owner: number, generation: string, key: string, result: string): Promise<void>;
  /** Moves each owner to a new generation, leaving their results unreachable. */
  invalidate(owners: ReadonlySet<number>): Promise<void>;
  close(): Promise<void>;
}

/** What identifies a query's result for one owner. */
export interface CacheableQuery {
  readonly owner: number;
  readonly query: string;
  readonly operationName: string | undefined;
  readonly variables: unknown;
}

/** Where lookups are counted. */
export interface ResponseCacheCounts {
  readonly hit: { inc(): void };
  readonly miss: { inc(): void };
}

export class ResponseCache {
  constructor(
    private readonly store: ResponseStore,
    private readonly counts?: ResponseCacheCounts,
  ) {}

  /** The cached result of `query`, or the one `run` produces, kept when it has no errors. */
  async resolve(
    query: CacheableQuery,
    run: () => ExecutionResult | Promise<ExecutionResult>,
  ): Promise<{ readonly result: ExecutionResult; readonly hit: boolean }> {
    const key = keyOf(query);
    // A store that fails (Redis down) only means no caching: the query runs.
    const generation = await this.store.generation(query.owner).catch(() => undefined);
    if (generation !== undefined) {
      const cached = await this.store.get(query.owner, generation, key).catch(() => undefined);
      if (cached !== undefined) {
        this.counts?.hit.inc();
        return { result: JSON.parse(cached) as ExecutionResult, hit: true };
      }
    }
    this.counts?.miss.inc();
    const result = await run();
    if (generation !== undefined && !result.errors) {
      const text = JSON.stringify(result);
      // Characters, each at least a byte: a cheap bound before an exact count.
      if (text.length <= MAX_CACHED_RESULT_BYTES && Buffer.byteLength(text) <= MAX_CACHED_RESULT_BYTES) {
        await this.store.set(query.owner, generation, key, text).catch(() => undefined);
      }
    }
    return { result, hit: false };
  }

  invalidate(owners: Iterable<number>): Promise<void> {
    return this.store.invalidate(new Set(owners));
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

function keyOf({ query, operationName, variables }: CacheableQuery): string {
  const today = new Date().toISOString().slice(0, 10);
  return createHash('sha256')
    .update(`${today}\n${operationName ?? ''}\n${JSON.stringify(variables ?? null)}\n${query}`)
    .digest('base64url');
}
