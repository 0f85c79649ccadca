/**
 * Where mutations announce what they changed and subscriptions hear it. Every
 * change carries its audience, the owners who may read it at the moment it
 * happens (the list's owner and members), so a subscriber whose access was
 * revoked hears nothing more about that list.
 *
 * Local delivery goes through one in-process emitter. With a relay (Redis, see
 * redis-relay.ts) every announcement goes through it instead and comes back to
 * every instance, this one included, so all instances deliver the same changes.
 */
import { EventEmitter, on } from 'node:events';
import type { ListRecord } from '../lists/lists.repository.js';
import type { TodoRecord } from '../todos/todo.js';

export type ChangeKind = 'CREATED' | 'UPDATED' | 'DELETED' | 'SHARED' | 'UNSHARED';

export interface ChangeEvent {
  readonly kind: ChangeKind;
  readonly todo: TodoRecord | null;
  readonly todoId: number | null;
  readonly list: ListRecord | null;
  readonly listId: number;
  /** Owner ids that may read the change (ANONYMOUS_OWNER for the anonymous space). */
  readonly audience: readonly number[];
}

export interface SessionEnded {
  readonly sessionId: string;
}

/** What crosses instances. */
export type BusMessage =
  { readonly type: 'change'; readonly change: ChangeEvent } | ({ readonly type: 'session-ended' } & SessionEnded);

/** Carries messages to every instance, this one included. */
export interface Relay {
  send(message: BusMessage): void;
  /** Starts passing messages from every instance to `deliver`. */
  listen(deliver: (message: BusMessage) => void): void;
  close(): Promise<void>;
}

export class ChangeBus {
  readonly #emitter = new EventEmitter({ captureRejections: true });

  constructor(private readonly relay?: Relay) {
    // Each subscription listens once; thousands of them are expected.
    this.#emitter.setMaxListeners(0);
    relay?.listen((message) => {
      this.#deliver(message);
    });
  }

  /**
   * Whether anyone may be listening: without subscribers, a mutation skips reading
   * the audience. With a relay, another instance may have them, so always.
   */
  get hasSubscribers(): boolean {
    return this.relay !== undefined || this.#emitter.listenerCount('change') > 0;
  }

  publish(change: ChangeEvent): void {
    this.#send({ type: 'change', change });
  }

  /** The changes `owner` may read, narrowed to `listId` when given, until the consumer returns. */
  async *changesFor(owner: number, listId: number | undefined): AsyncGenerator<ChangeEvent> {
    for await (const [event] of on(this.#emitter, 'change') as AsyncIterable<[ChangeEvent]>) {
      if (!event.audience.includes(owner)) continue;
      if (listId !== undefined && event.listId !== listId) continue;
      yield event;
    }
  }

  /** Announces that a session ended (logout), so its open subscriptions close, on every instance. */
  endSession(sessionId: string): void {
    this.#send({ type: 'session-ended', sessionId });
  }

  onSessionEnded(listener: (ended: SessionEnded) => void): () => void {
    this.#emitter.on('session-ended', listener);
    return () => this.#emitter.off('session-ended', listener);
  }

  close(): Promise<void> {
    return this.relay?.close() ?? Promise.resolve();
  }

  #send(message: BusMessage): void {
    if (this.relay) this.relay.send(message);
    else this.#deliver(message);
  }

  #deliver(message: BusMessage): void {
    if (message.type === 'change') this.#emitter.emit('change', message.change);
    else this.#emitter.emit('session-ended', { sessionId: message.sessionId });
  }
}
