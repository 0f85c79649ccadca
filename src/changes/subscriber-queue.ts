/**
 * One subscription's undelivered changes, as the async iterator its transport
 * reads. Transports pull only as fast as their client reads (graphql-ws awaits
 * each send; the SSE stream waits for the socket to drain), so a client that
 * stops reading makes this queue grow. Past `capacity` it is a slow consumer: the
 * queue ends and `overflowed` is called to drop the connection, rather than
 * holding memory without bound. Other subscribers never wait on this queue:
 * delivery only appends to it.
 */
/** What a subscription's owner is told of its end. */
export interface SubscriptionHooks {
  /** Called once when the subscription ends, whatever ended it. */
  readonly ended: () => void;
  /** Called when more than the queue's capacity waits unread, with the changes dropped; the subscription has ended. */
  readonly overflowed: (dropped: number) => void;
}

export class SubscriberQueue<T> implements AsyncIterableIterator<T> {
  readonly #items: T[] = [];
  /** The reader waiting for the next item, when the queue is empty. */
  #reader: ((result: IteratorResult<T, undefined>) => void) | undefined;
  #ended = false;
  /** Set at shutdown: nothing more is taken, and the queue ends once read empty. */
  #finishing = false;

  constructor(
    private readonly capacity: number,
    private readonly hooks: SubscriptionHooks,
  ) {}

  /** Hands `item` to the reader or queues it; false when it is not taken (the queue has ended, or overflows now). */
  push(item: T): boolean {
    if (this.#ended || this.#finishing) return false;
    const reader = this.#reader;
    if (reader) {
      this.#reader = undefined;
      reader({ value: item, done: false });
    } else if (this.#items.length < this.capacity) {
      this.#items.push(item);
    } else {
      // The queued changes go unread too.
      const dropped = this.#items.length + 1;
      this.#end();
      this.hooks.overflowed(dropped);
      return false;
    }
    return true;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#items.length > 0) return Promise.resolve({ value: this.#items.shift() as T, done: false });
    if (this.#finishing) this.#end();
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.#reader = resolve;
    });
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.#end();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Ends the queue once the changes already in it are read: at shutdown, so each subscription completes cleanly. */
  finish(): void {
    this.#finishing = true;
    if (this.#items.length === 0) this.#end();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#items.length = 0;
    this.hooks.ended();
    this.#reader?.({ value: undefined, done: true });
    this.#reader = undefined;
  }
}
