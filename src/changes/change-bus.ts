/**
 * Where mutations announce what they changed and subscriptions hear it. Every
 * change carries its audience, the owners who may read it at the moment it
 * happens (the list's owner and members), so a subscriber whose access was
 * revoked hears nothing more about that list.
 *
 * In-process: one instance's subscribers hear that instance's changes.
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

export class ChangeBus {
  readonly #emitter = new EventEmitter({ captureRejections: true });

  constructor() {
    // Each subscription listens once; thousands of them are expected.
    this.#emitter.setMaxListeners(0);
  }

  /** Whether anyone listens: without subscribers, a mutation skips reading the audience. */
  get hasSubscribers(): boolean {
    return this.#emitter.listenerCount('change') > 0;
  }

  publish(event: ChangeEvent): void {
    this.#emitter.emit('change', event);
  }

  /** The changes `owner` may read, narrowed to `listId` when given, until the consumer returns. */
  async *changesFor(owner: number, listId: number | undefined): AsyncGenerator<ChangeEvent> {
    for await (const [event] of on(this.#emitter, 'change') as AsyncIterable<[ChangeEvent]>) {
      if (!event.audience.includes(owner)) continue;
      if (listId !== undefined && event.listId !== listId) continue;
      yield event;
    }
  }

  /** Announces that a session ended (logout), so its open subscriptions close. */
  endSession(sessionId: string): void {
    this.#emitter.emit('session-ended', { sessionId } satisfies SessionEnded);
  }

  onSessionEnded(listener: (ended: SessionEnded) => void): () => void {
    this.#emitter.on('session-ended', listener);
    return () => this.#emitter.off('session-ended', listener);
  }
}
