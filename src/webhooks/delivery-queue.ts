/**
 * Taking deliveries from the outbox and recording how each attempt went.
 *
 * A worker claims due deliveries with a lease (`locked_until`); until it runs
 * out no other worker takes them. On PostgreSQL the claim skips rows another
 * instance is claiming at that moment (FOR UPDATE SKIP LOCKED), so instances
 * share the outbox without waiting on each other or taking the same row; SQLite
 * has one writer at a time anyway. A worker that dies mid-delivery leaves its
 * lease to run out, and the delivery is sent again: at least once, with the
 * same `webhook-id`, which receivers deduplicate by.
 */
import { sql, type Kysely } from 'kysely';
import { sqliteUnder } from '../db/sqlite-statements.js';
import type { Tables } from '../db/tables.js';
import { databaseOf, writeTransaction } from '../db/transaction.js';
import type { Chore } from '../http/housekeeping.js';

type Executor = Kysely<Tables>;

export interface ClaimedDelivery {
  readonly id: number;
  readonly endpointId: number;
  /** The endpoint's owner, whose cached answers an attempt makes out of date. */
  readonly ownerId: number;
  readonly eventId: string;
  readonly eventType: string;
  readonly body: string;
  /** This attempt's number, from 1. */
  readonly attempt: number;
  readonly url: string;
  readonly sealedSecret: string;
  readonly active: boolean;
}

/**
 * Claims up to `limit` due deliveries for `leaseMs`, counting the attempt now:
 * an attempt cut short by a crash still counts towards the maximum.
 */
export async function claimDeliveries(
  db: Executor,
  limit: number,
  leaseMs: number,
  maxAttempts: number,
): Promise<ClaimedDelivery[]> {
  const now = new Date();
  const nowText = now.toISOString();
  const lockedUntil = new Date(now.getTime() + leaseMs).toISOString();
  const postgres = sqliteUnder(databaseOf(db)) === undefined;
  const due = db
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('status', '=', 'PENDING')
    .where('next_attempt_at', '<=', nowText)
    .where('attempts', '<', maxAttempts)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', nowText)]))
    .orderBy('next_attempt_at')
    .limit(limit)
    .$if(postgres, (query) => query.forUpdate().skipLocked());
  const claimed = await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({ locked_until: lockedUntil, attempts: eb('attempts', '+', 1) }))
    .where('id', 'in', due)
    .returning(['id', 'endpoint_id', 'event_id', 'event_type', 'body', 'attempts'])
    .execute();
  if (claimed.length === 0) return [];
  const endpoints = await db
    .selectFrom('webhook_endpoints')
    .select(['id', 'owner_id', 'url', 'secret', 'active'])
    .where(
      'id',
      'in',
      claimed.map((row) => row.endpoint_id),
    )
    .execute();
  const byId = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint]));
  return claimed.flatMap((row) => {
    const endpoint = byId.get(row.endpoint_id);
    if (!endpoint) return [];
    return [
      {
        id: Number(row.id),
        endpointId: row.endpoint_id,
        ownerId: endpoint.owner_id,
        eventId: row.event_id,
        eventType: row.event_type,
        body: row.body,
        attempt: row.attempts,
        url: endpoint.url,
        sealedSecret: endpoint.secret,
        active: Boolean(endpoint.active),
      },
    ];
  });
}

export interface AttemptOutcome {
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly delivered: boolean;
  readonly at: string;
  readonly durationMs: number;
}

/**
 * Records an attempt and what follows from it, in one transaction: delivered;
 * failed for good after `maxAttempts`; or due again after `retryInMs`.
 */
export async function recordAttempt(
  db: Executor,
  delivery: ClaimedDelivery,
  outcome: AttemptOutcome,
  maxAttempts: number,
  retryInMs: number,
): Promise<void> {
  await writeTransaction(db, async (trx) => {
    await trx
      .insertInto('webhook_attempts')
      .values({
        delivery_id: delivery.id,
        endpoint_id: delivery.endpointId,
        event_id: delivery.eventId,
        event_type: delivery.eventType,
        attempt: delivery.attempt,
        status_code: outcome.statusCode,
        error: outcome.error,
        delivered: sql<boolean>`${sql.lit(outcome.delivered)}`,
        at: outcome.at,
        duration_ms: Math.round(outcome.durationMs),
      })
      .execute();
    const status = outcome.delivered ? 'DELIVERED' : delivery.attempt >= maxAttempts ? 'FAILED' : 'PENDING';
    await trx
      .updateTable('webhook_deliveries')
      .set({
        status,
        locked_until: null,
        next_attempt_at: new Date(Date.now() + (status === 'PENDING' ? retryInMs : 0)).toISOString(),
      })
      .where('id', '=', delivery.id)
      .where('status', '=', 'PENDING')
      .execute();
  });
}

/** Gives back a delivery whose attempt the server cut short as it shut down: due again at once, the attempt uncounted. */
export async function releaseDelivery(db: Executor, delivery: ClaimedDelivery): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({ locked_until: null, attempts: eb('attempts', '-', 1) }))
    .where('id', '=', delivery.id)
    .where('status', '=', 'PENDING')
    .execute();
}

/**
 * Marks FAILED the deliveries whose last allowed attempt was cut short (a
 * crash) and whose lease has run out: none of them is left pending for ever.
 */
export async function failExhausted(db: Executor, maxAttempts: number): Promise<void> {
  const now = new Date().toISOString();
  await db
    .updateTable('webhook_deliveries')
    .set({ status: 'FAILED', locked_until: null })
    .where('status', '=', 'PENDING')
    .where('attempts', '>=', maxAttempts)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
    .execute();
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The chore that deletes finished deliveries (and their attempts) older than `retentionDays`. */
export function webhookLogRetention(db: Executor, retentionDays: number): Chore {
  return {
    name: 'webhook deliveries',
    run: async (batches) => {
      const cutoff = new Date(Date.now() - retentionDays * DAY_MS).toISOString();
      let deleted = 0;
      for (let batch = 0; batch < batches; batch += 1) {
        // Their attempts go with them (ON DELETE CASCADE).
        const old = db
          .selectFrom('webhook_deliveries')
          .select('id')
          .where('status', '!=', 'PENDING')
          .where('created_at', '<', cutoff)
          .limit(1000);
        const result = await db.deleteFrom('webhook_deliveries').where('id', 'in', old).executeTakeFirst();
        const count = Number(result.numDeletedRows);
        deleted += count;
        if (count < 1000) return { deleted, more: false };
      }
      return { deleted, more: true };
    },
  };
}
