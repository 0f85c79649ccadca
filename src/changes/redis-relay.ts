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
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { BusMessage, Relay } from './change-bus.js';

const CHANNEL = 'todo-graphql:changes';

export class RedisRelay implements Relay {
  readonly #publisher: Redis;
  readonly #subscriber: Redis;

  constructor(
    url: string,
    private readonly log: Logger,
  ) {
    const options = {
      // Keep trying, at most every 2 s: the instance lives on without Redis.
      retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
      maxRetriesPerRequest: null,
      lazyConnect: false,
    };
    // Fail fast while disconnected instead of queueing: a mutation never waits on Redis.
    this.#publisher = new Redis(url, { ...options, enableOfflineQueue: false });
    this.#subscriber = new Redis(url, options);
    for (const [role, client] of [
      ['publisher', this.#publisher],
      ['subscriber', this.#subscriber],
    ] as const) {
      client.on('error', (error: Error) => {
        this.log.warn({ err: error, role }, 'redis unavailable: live updates paused');
      });
      client.on('ready', () => {
        this.log.info({ role }, 'redis connected');
      });
    }
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
