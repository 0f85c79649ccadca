/**
 * Subscribers for black-box tests of the `changes` subscription: one real
 * graphql-ws connection per caller, with every event recorded as it arrives, so
 * a test can wait for a sentinel and read everything that came before it.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Change {
  readonly kind: string;
  readonly todoId: string | null;
  readonly listId: string;
  readonly todo: { readonly description: string } | null;
  readonly list: {
    readonly id: string;
    readonly name: string;
    readonly todos: { readonly edges: readonly { readonly node: { readonly description: string } }[] };
  } | null;
}

/** Asks for the list's todos too, so an event that would let a subscriber read them shows it. */
export const CHANGES = `subscription ($list: ID) {
  changes(list: $list) {
    kind todoId listId todo { description }
    list { id name todos(first: 20) { edges { node { description } } } }
  }
}`;

/** One subscription's events in arrival order, and whatever GraphQL errors or ending came with them. */
export class Recording {
  readonly #events: Change[] = [];
  /** Errors sent alongside events, a failed subscription's error, or 'completed' if the server ended it. */
  readonly problems: unknown[] = [];
  #wake: (() => void) | undefined;

  push(change: Change): void {
    this.#events.push(change);
    this.#wake?.();
  }

  problem(problem: unknown): void {
    this.problems.push(problem);
    this.#wake?.();
  }

  /** Everything received so far, forgotten once taken. */
  take(): Change[] {
    return this.#events.splice(0);
  }

  /**
   * Everything received once at least `count` events are here (or `ms` have
   * passed), forgotten once taken. Two subscriptions on one connection are
   * delivered independently, so a narrowed one may lag its twin.
   */
  async takeAtLeast(count: number, ms = 5000): Promise<Change[]> {
    const deadline = Date.now() + ms;
    while (this.#events.length < count && this.problems.length === 0 && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
    return this.take();
  }

  /**
   * Waits until an event that `is` accepts arrives, and returns (and forgets) the
   * events before it, and it. Rejects after `ms`, leaving the events in place.
   */
  async through(is: (change: Change) => boolean, ms = 5000): Promise<Change[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const index = this.#events.findIndex(is);
      if (index >= 0) return this.#events.splice(0, index + 1);
      if (this.problems.length > 0) throw new Error(`the subscription failed: ${JSON.stringify(this.problems)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no such event within ${ms} ms; received ${JSON.stringify(this.#events)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }
}

function record(client: Client, variables: Record<string, unknown>): Recording {
  const recording = new Recording();
  client.subscribe<{ changes: Change }>(
    { query: CHANGES, variables },
    {
      next: (result) => {
        if (result.errors) recording.problem(result.errors);
        if (result.data?.changes) recording.push(result.data.changes);
      },
      error: (error) => recording.problem(error),
      complete: () => recording.problem('completed'),
    },
  );
  return recording;
}

/** A caller's connection with two subscriptions: to every change (`all`), and narrowed to `list`. */
export interface Subscriber {
  readonly client: Client;
  readonly all: Recording;
  readonly narrow: Recording;
}

export function subscribe(graphqlUrl: string, token: string | undefined, list: string): Subscriber {
  const client = createClient({
    url: graphqlUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { token } : undefined,
    retryAttempts: 0,
  });
  // Narrowed first: the server takes a connection's subscribe messages in order,
  // so once `all` hears something, `narrow` is registered too. And one socket
  // carries both in order, so whatever `narrow` was sent before a sentinel that
  // `all` hears has arrived by the time `all` has it.
  const narrow = record(client, { list });
  const all = record(client, {});
  return { client, all, narrow };
}
