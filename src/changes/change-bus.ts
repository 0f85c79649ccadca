/**
 * Where mutations announce what they changed and subscriptions hear it. Every
 * change carries its audience, the owners who may read it at the moment it
 * happens (the list's owner and members), so a subscriber whose access was
 * revoked hears nothing more about that list.
 *
 * Every announcement is delivered here at once, Redis or not: this instance's
 * subscribers never wait on Redis, nor miss a change (or a logout) while it is
 * down. With a relay (Redis, see redis-relay.ts) it also goes to the other
 * instances, tagged with this one's id so that the copy that comes back is skipped.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { GraphQLError } from 'graphql';
import { ANONYMOUS_OWNER } from '../db/tables.js';
import type { Metrics } from '../metrics/metrics.js';
import type { ListRecord } from '../lists/lists.repository.js';
import type { TodoRecord } from '../todos/todo.js';
import { SubscriberQueue, type SubscriptionHooks } from './subscriber-queue.js';

export type ChangeKind = 'CREATED' | 'UPDATED' | 'DELETED' | 'SHARED' | 'UNSHARED';

export interface ChangeEvent {
  readonly kind: ChangeKind;
  readonly todo: TodoRecord | null;
  readonly todoId: number | null;
  /** The list the change is about, or the todo's list, as at the change; null once deleted. */
  readonly list: ListRecord | null;
  readonly listId: number;
  /** The list a todo was moved out of, whose readers hear the move too. */
  readonly previousListId: number | null;
  /** Owner ids that hear of the change (ANONYMOUS_OWNER for the anonymous space). */
  readonly audience: readonly number[];
  /**
   * Those of the audience who may see the todo and list now: not a member just
   * removed, nor the readers of a list the todo left.
   */
  readonly readers: readonly number[];
}

export interface SessionEnded {
  readonly sessionId: string;
}

/** What crosses instances; `origin` names the instance that sent it (and has delivered it already). */
export type BusMessage = { readonly origin?: string } & (
  | {
      readonly type: 'change';
      readonly change: ChangeEvent;
      /** When it was published (ms since the epoch), for the delivery lag. */
      readonly publishedAt?: number;
    }
  | ({ readonly type: 'session-ended' } & SessionEnded)
);

/** Carries messages to every instance, this one included. */
export interface Relay {
  send(message: BusMessage): void;
  /** Starts passing messages from every instance to `deliver`. */
  listen(deliver: (message: BusMessage) => void): void;
  /** Whether messages pass between instances right now. */
  readonly connected: boolean;
  close(): Promise<void>;
}

export interface ChangeBusLimits {
  /** Most subscriptions one signed-in user may hold open on this instance. */
  readonly maxSubscriptionsPerUser: number;
  /**
   * Most subscriptions one client address may hold open on this instance. The
   * anonymous space is everyone's, so it has no cap of its own: this one keeps
   * one client from taking every place and shutting the others out.
   */
  readonly maxSubscriptionsPerAddress: number;
  /** Most changes a subscription may have waiting for its client before it counts as a slow consumer. */
  readonly maxQueuedChanges: number;
}

interface Subscriber {
  readonly listId: number | undefined;
  readonly queue: SubscriberQueue<ChangeEvent>;
}

export class ChangeBus {
  /** Session announcements; changes go straight to the subscribers below. */
  readonly #emitter = new EventEmitter({ captureRejections: true });
  /** Each owner's open subscriptions: a change is offered only to its audience's. */
  readonly #subscribers = new Map<number, Set<Subscriber>>();
  #subscriberCount = 0;
  /** Open subscriptions per client address. */
  readonly #perAddress = new Map<string, number>();
  /** This instance, in the messages it relays. */
  readonly #origin = randomUUID();

  constructor(
    private readonly limits: ChangeBusLimits,
    private readonly relay?: Relay,
    private readonly metrics?: Metrics,
  ) {
    relay?.listen((message) => {
      if (message.origin !== this.#origin) this.#deliver(message);
    });
  }

  /**
   * Whether anyone may be listening: without subscribers, a mutation skips reading
   * the audience. With a relay, another instance may have them, so always.
   */
  get hasSubscribers(): boolean {
    return this.relay !== undefined || this.#subscriberCount > 0;
  }

  publish(change: ChangeEvent): void {
    this.#send({ type: 'change', change, publishedAt: Date.now() });
  }

  /** Subscriptions open on this instance. */
  get subscriptionCount(): number {
    return this.#subscriberCount;
  }

  /**
   * The changes `owner` may read, narrowed to `listId` when given, until the
   * consumer returns. `hooks.overflowed` is called, and the changes end, when
   * more than `maxQueuedChanges` wait for a client that does not read them.
   * `address` is the subscribing client's, counted against its own cap.
   */
  changesFor(
    owner: number,
    listId: number | undefined,
    address: string,
    hooks: SubscriptionHooks,
  ): AsyncIterableIterator<ChangeEvent> {
    const own = this.#subscribers.get(owner) ?? new Set<Subscriber>();
    const { maxSubscriptionsPerUser, maxSubscriptionsPerAddress } = this.limits;
    if (owner !== ANONYMOUS_OWNER && own.size >= maxSubscriptionsPerUser) {
      throw this.#refusal(`A user holds at most ${maxSubscriptionsPerUser} subscriptions at once: complete one first.`);
    }
    const fromAddress = this.#perAddress.get(address) ?? 0;
    if (fromAddress >= maxSubscriptionsPerAddress) {
      throw this.#refusal(
        `One client address holds at most ${maxSubscriptionsPerAddress} subscriptions at once: complete one first.`,
      );
    }
    const queue = new SubscriberQueue<ChangeEvent>(this.limits.maxQueuedChanges, {
      ended: () => {
        own.delete(subscriber);
        this.#subscriberCount -= 1;
        if (own.size === 0) this.#subscribers.delete(owner);
        const left = (this.#perAddress.get(address) ?? 1) - 1;
        if (left === 0) this.#perAddress.delete(address);
        else this.#perAddress.set(address, left);
        hooks.ended();
      },
      overflowed: (dropped) => {
        this.metrics?.slowConsumersDropped.inc();
        this.metrics?.eventsDropped.inc(dropped);
        hooks.overflowed(dropped);
      },
    });
    const subscriber: Subscriber = { listId, queue };
    this.#subscribers.set(owner, own.add(subscriber));
    this.#subscriberCount += 1;
    this.#perAddress.set(address, fromAddress + 1);
    return queue;
  }

  /** Announces that a session ended (logout), so its open subscriptions close, on every instance. */
  endSession(sessionId: string): void {
    this.#send({ type: 'session-ended', sessionId });
  }

  onSessionEnded(listener: (ended: SessionEnded) => void): () => void {
    this.#emitter.on('session-ended', listener);
    return () => this.#emitter.off('session-ended', listener);
  }

  /** Completes every subscription once its queued changes are read, and stops relaying: for shutdown. */
  close(): Promise<void> {
    const subscribers = [...this.#subscribers.values()].flatMap((own) => [...own]);
    for (const subscriber of subscribers) subscriber.queue.finish();
    return this.relay?.close() ?? Promise.resolve();
  }

  /** A subscription refused past a cap, counted. */
  #refusal(message: string): GraphQLError {
    const error = tooMany(message);
    this.metrics?.refused([error]);
    return error;
  }

  #send(message: BusMessage): void {
    // After the mutation's own answer: its latency must not grow with its audience.
    setImmediate(() => this.#deliver(message));
    this.relay?.send({ ...message, origin: this.#origin });
  }

  #deliver(message: BusMessage): void {
    if (message.type === 'change') this.#offer(message.change, message.publishedAt);
    else this.#emitter.emit('session-ended', { sessionId: message.sessionId });
  }

  #offer(change: ChangeEvent, publishedAt: number | undefined): void {
    let delivered = 0;
    for (const owner of new Set(change.audience)) {
      for (const { listId, queue } of this.#subscribers.get(owner) ?? []) {
        if (listId === undefined || listId === change.listId || listId === change.previousListId) {
          if (queue.push(change)) delivered += 1;
        }
      }
    }
    if (delivered === 0 || !this.metrics) return;
    this.metrics.eventsDelivered.inc(delivered);
    // Clocks of two instances may differ a little: a lag below zero is none. (It came through Redis: check it.)
    if (typeof publishedAt === 'number' && Number.isFinite(publishedAt)) {
      this.metrics.deliveryLag.observe(Math.max(0, Date.now() - publishedAt) / 1000);
    }
  }
}

const tooMany = (message: string) => new GraphQLError(message, { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } });
