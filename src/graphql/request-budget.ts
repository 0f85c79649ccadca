/**
 * What one operation may spend while it runs, checked where the work
 * multiplies: each list of todos (a page, a count, the tutorial's `todos`) is
 * read through `read`, which takes turns.
 *
 * - Turns: an operation reads at most READS_AT_ONCE lists at a time. A
 *   document asking for a thousand pages then waits for its own reads rather
 *   than queueing a thousand statements ahead of every other client's for a
 *   pooled connection.
 * - Time: past REQUEST_TIMEOUT_MS the client has been answered TIMEOUT, so
 *   the operation stops at its next read instead of running on unseen.
 * - Size: the todos it reads count towards MAX_RESPONSE_BYTES; past it the
 *   field fails with QUERY_LIMIT_EXCEEDED before the answer is built. (The
 *   cost rule has already bounded how many values the answer can hold; this
 *   bounds how large they are.)
 * - The event loop: SQLite answers synchronously, so a large operation would
 *   hold the loop, and with it health checks and every other client, until it
 *   ended. A read that finds the loop has run for SLICE_MS without a turn waits
 *   for the next one first.
 */
import { GraphQLError } from 'graphql';
import pLimit, { type LimitFunction } from 'p-limit';
import { limitError } from './document-limits.js';

/** Lists one operation reads at once. */
const READS_AT_ONCE = 4;

/** Longest the event loop runs operations' work without letting other requests in. */
const SLICE_MS = 10;

/** When the current turn of the event loop began, as far as checkpoints know; -1 when none has looked yet. */
let sliceStart = -1;
const endSlice = (): void => {
  sliceStart = -1;
};
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** How long this turn of the event loop has been running. The first look in a turn starts the clock. */
function busyFor(now: number): number {
  if (sliceStart < 0) {
    sliceStart = now;
    // Runs at the start of the next turn: before any checkpoint that waited for it.
    setImmediate(endSlice);
    return 0;
  }
  return now - sliceStart;
}

export class RequestBudget {
  #bytesLeft: number;
  /** Turns for reads; none for a budget without a deadline (a subscription's). */
  readonly #turns: LimitFunction | undefined;

  constructor(
    private readonly deadline: number,
    private readonly timeoutMs: number,
    private readonly maxBytes: number,
  ) {
    this.#bytesLeft = maxBytes;
    this.#turns = Number.isFinite(deadline) ? pLimit(READS_AT_ONCE) : undefined;
  }

  /**
   * Runs `reading` when its turn comes, unless the operation is past its time
   * by then; lets the event loop turn first when it has waited long.
   */
  read<T>(reading: () => Promise<T>): Promise<T> {
    if (!this.#turns) return reading();
    return this.#turns(async () => {
      await this.#checkpoint();
      return reading();
    });
  }

  async #checkpoint(): Promise<void> {
    const now = performance.now();
    if (now > this.deadline) {
      throw new GraphQLError(
        `The operation took longer than ${this.timeoutMs} ms (REQUEST_TIMEOUT_MS): try again later.`,
        { extensions: { code: 'TIMEOUT' } },
      );
    }
    if (busyFor(now) > SLICE_MS) await nextTurn();
  }

  /** Counts `bytes` of answer; throws once the operation's answer would pass MAX_RESPONSE_BYTES. */
  spend(bytes: number): void {
    this.#bytesLeft -= bytes;
    if (this.#bytesLeft < 0) throw responseTooLarge(this.maxBytes);
  }
}

export const responseTooLarge = (maxBytes: number): GraphQLError =>
  limitError(`The answer would be larger than ${maxBytes} bytes: ask for fewer todos or fields.`, 'MAX_RESPONSE_BYTES');

/** For subscriptions: each event is small and bounded by the cost rule, and the stream has no deadline. */
export const UNLIMITED_BUDGET = new RequestBudget(Number.POSITIVE_INFINITY, 0, Number.POSITIVE_INFINITY);
