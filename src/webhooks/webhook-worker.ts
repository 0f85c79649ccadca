/**
 * The webhook worker: one per server process, on both databases. It takes due
 * deliveries from the outbox (delivery-queue.ts), sends them (deliver.ts) a
 * few at a time, and records each attempt. It looks every WEBHOOK_POLL_MS,
 * and at once when a write in this process has filled the outbox.
 *
 * It starts when the server is ready and stops when it closes: attempts in
 * flight are cut short and their deliveries given back, due at once, for
 * the next instance (or this one, restarted) to send.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ResponseCache } from '../cache/response-cache.js';
import type { WebhookConfig } from '../config.js';
import type { Tables } from '../db/tables.js';
import { ABORTED, deliver } from './deliver.js';
import {
  claimDeliveries,
  failExhausted,
  recordAttempt,
  releaseDelivery,
  type ClaimedDelivery,
} from './delivery-queue.js';
import { onOutboxWrite } from './outbox.js';
import type { SecretBox } from './signing.js';

export interface WebhookWorkerOptions {
  readonly db: Kysely<Tables>;
  /** Told of each attempt's owner, whose cached delivery log it makes out of date. */
  readonly responseCache: ResponseCache | undefined;
  readonly settings: WebhookConfig;
  readonly secrets: SecretBox;
  readonly log: Logger;
}

/** How long after a local write the worker looks: the write's transaction has usually committed by then. */
const WAKE_DELAY_MS = 10;
/** Longest delay between two attempts, however many have failed. */
const MAX_BACKOFF_MS = 6 * 60 * 60 * 1000;

/** Exponential backoff with "equal jitter": between half and all of base × 2^(attempt − 1). */
export function backoffMs(baseMs: number, attempt: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.min(attempt - 1, 30));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function webhookWorker(app: FastifyInstance, options: WebhookWorkerOptions, done: () => void): void {
  const { db, settings, secrets, log, responseCache } = options;
  // Long enough for an attempt and its record; a crashed worker's deliveries wait this long.
  const leaseMs = settings.timeoutMs * 2 + 5000;
  let stopped = false;
  // Cuts the attempts in flight short when the server closes: a shutdown does not wait on receivers.
  const closing = new AbortController();
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  // Set by a wake that came while the worker was busy: it looks once more before it rests.
  const wake = { again: false };
  const wokenMeanwhile = (): boolean => wake.again;

  const attempt = async (delivery: ClaimedDelivery): Promise<void> => {
    const started = performance.now();
    const at = new Date().toISOString();
    const secret = secrets.open(delivery.sealedSecret);
    const result =
      secret === undefined
        ? { statusCode: null, error: 'the signing secret cannot be read (AUTH_SECRET changed)', delivered: false }
        : !delivery.active
          ? { statusCode: null, error: 'the endpoint is paused', delivered: false }
          : await deliver(
              { url: delivery.url, secret, eventId: delivery.eventId, body: delivery.body },
              settings.timeoutMs,
              settings.allowPrivateAddresses,
              closing.signal,
            );
    if (result === ABORTED) {
      await releaseDelivery(db, delivery);
      return;
    }
    const outcome = { ...result, at, durationMs: performance.now() - started };
    await recordAttempt(
      db,
      delivery,
      outcome,
      settings.maxAttempts,
      backoffMs(settings.backoffBaseMs, delivery.attempt),
    );
    await responseCache?.invalidate([delivery.ownerId]).catch(() => undefined);
    // One line per attempt, as the request log has one per request: what an operator greps for first.
    log.info(
      {
        endpointId: delivery.endpointId,
        eventId: delivery.eventId,
        attempt: delivery.attempt,
        statusCode: result.statusCode,
        delivered: result.delivered,
        ...(result.error !== null && { error: result.error }),
      },
      'webhook attempt',
    );
  };

  /** Sends batches until none is due. */
  const drain = async (): Promise<void> => {
    do {
      wake.again = false;
      await failExhausted(db, settings.maxAttempts);
      let claimed: ClaimedDelivery[];
      do {
        claimed = await claimDeliveries(db, settings.concurrency, leaseMs, settings.maxAttempts);
        await Promise.all(claimed.map(attempt));
      } while (claimed.length === settings.concurrency && !stopped);
    } while (wokenMeanwhile() && !stopped);
  };

  const run = () => {
    if (stopped) return;
    if (running) {
      wake.again = true;
      return;
    }
    clearTimeout(timer);
    running = drain()
      .catch((error: unknown) => log.warn({ err: error }, 'webhook worker: looking for deliveries failed'))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(run, settings.pollMs);
      });
  };

  let unsubscribe = (): void => undefined;
  app.addHook('onReady', (ready) => {
    unsubscribe = onOutboxWrite(() => {
      setTimeout(run, WAKE_DELAY_MS).unref();
    });
    // The first look a poll after the start, not during it: the start stays the server's own.
    timer = setTimeout(run, settings.pollMs);
    ready();
  });
  app.addHook('onClose', async () => {
    stopped = true;
    closing.abort();
    unsubscribe();
    clearTimeout(timer);
    await running;
  });
  done();
}

export default fp(webhookWorker, { name: 'webhook-worker' });
