/**
 * Changes across instances through Redis pub/sub, so a subscriber on any
 * instance hears a mutation made on any other.
 *
 * Redis is for live updates across instances only: when it is down, queries and
 * mutations go on, and so do live updates within each instance. An announcement
 * made meanwhile does not reach the other instances (it is logged, never waited
 * for); they hear again when Redis returns: ioredis reconnects and subscribes
 * again. A logout lost that way is caught by SessionWatch's periodic check.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { connectRedis } from '../redis.js';
import type { BusMessage, Relay } from './change-bus.js';

const CHANNEL = 'todo-graphql:changes';

export class RedisRelay implements Relay {
  readonly #publisher: Redis;
  readonly #subscriber: Redis;

  constructor(
    url: string,
    private readonly log: Logger,
  ) {
    const whileDown = 'live updates across instances paused';
    const options = { maxRetriesPerRequest: null, lazyConnect: false };
    // Fail fast while disconnected instead of queueing: a mutation never waits on Redis.
    this.#publisher = connectRedis(
      url,
      { role: 'publisher', whileDown, log },
      { ...options, enableOfflineQueue: false },
    );
    this.#subscriber = connectRedis(url, { role: 'subscriber', whileDown, log }, options);
  }

  get connected(): boolean {
    return this.#publisher.status === 'ready' && this.#subscriber.status === 'ready';
  }

  send(message: BusMessage): void {
    this.#publisher.publish(CHANNEL, JSON.stringify(message)).catch((error: unknown) => {
      this.log.warn({ err: error }, 'a change could not be relayed through redis');
    });
  }

  listen(deliver: (message: BusMessage) => void): void {
    this.#subscriber.on('message', (channel: string, text: string) => {
      if (channel !== CHANNEL) return;
      try {
        deliver(JSON.parse(text) as BusMessage);
      } catch (error) {
        this.log.warn({ err: error }, 'an unreadable message on the changes channel was ignored');
      }
    });
    this.#subscriber.subscribe(CHANNEL).catch((error: unknown) => {
      // ioredis subscribes again on every reconnect; this only reports the first failure.
      this.log.warn({ err: error }, 'cannot subscribe to redis yet');
    });
  }

  close(): Promise<void> {
    this.#publisher.disconnect();
    this.#subscriber.disconnect();
    return Promise.resolve();
  }
}
