/**
 * Changes across the worker processes of one cluster (WORKERS > 1) without
 * Redis: each worker sends its messages to the primary over the cluster's IPC
 * channel, and the primary passes them to every other worker (src/cluster.ts).
 * With REDIS_URL set, the Redis relay reaches every worker of every instance instead.
 */
import type { BusMessage, Relay } from './change-bus.js';

/** The envelope on the IPC channel, told apart from prom-client's own messages by its type. */
export interface RelayedChange {
  readonly type: 'todo-graphql:change';
  readonly message: BusMessage;
}

export const isRelayedChange = (value: unknown): value is RelayedChange =>
  typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'todo-graphql:change';

export class ClusterRelay implements Relay {
  #listener: ((value: unknown) => void) | undefined;

  get connected(): boolean {
    return process.connected;
  }

  send(message: BusMessage): void {
    // A worker whose primary is gone is about to be gone too; nothing to relay to.
    if (!process.connected) return;
    // A primary gone meanwhile is not an error to throw at the mutation that announced the change.
    process.send?.({ type: 'todo-graphql:change', message } satisfies RelayedChange, undefined, {}, () => undefined);
  }

  listen(deliver: (message: BusMessage) => void): void {
    this.#listener = (value) => {
      if (isRelayedChange(value)) deliver(value.message);
    };
    process.on('message', this.#listener);
  }

  close(): Promise<void> {
    if (this.#listener) process.off('message', this.#listener);
    return Promise.resolve();
  }
}
