/**
 * Subscribers for black-box tests of the `changes` subscription: one real
 * graphql-ws connection per caller, with every event recorded as it arrives, so
 * a test can wait for a sentinel and read everything that came before it.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { Inbox } from './inbox.js';

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
export type Recording = Inbox<Change>;

function record(client: Client, variables: Record<string, unknown>): Recording {
  const recording = new Inbox<Change>();
  client.subscribe<{ changes: Change }>(
    { query: CHANGES, variables },
    {
      next: (result) => {
        if (result.errors) recording.fail(result.errors);
        if (result.data?.changes) recording.push(result.data.changes);
      },
      error: (error) => recording.fail(error),
      complete: () => recording.fail('completed'),
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
