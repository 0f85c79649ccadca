/**
 * Webhook endpoints and their delivery log, as their owner reads and changes
 * them. Every query names the owner: an endpoint is its owner's alone.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Tables, WebhookAttemptsTable, WebhookEndpointsTable } from '../db/tables.js';
import { writeTransaction } from '../db/transaction.js';
import type { WebhookEventType } from './outbox.js';

type Executor = Kysely<Tables>;

export interface WebhookEndpointRecord {
  readonly id: number;
  readonly ownerId: number;
  readonly url: string;
  readonly events: WebhookEventType[];
  readonly active: boolean;
  readonly createdAt: string;
}

export interface WebhookAttemptRecord {
  readonly attempt: number;
  readonly at: string;
  readonly durationMs: number;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly delivered: boolean;
}

export interface WebhookDeliveryRecord {
  readonly id: number;
  readonly eventId: string;
  readonly eventType: WebhookEventType;
  readonly status: 'PENDING' | 'DELIVERED' | 'FAILED';
  readonly createdAt: string;
  readonly nextAttemptAt: string | null;
  readonly attempts: WebhookAttemptRecord[];
}

/** Event types as stored: `,A,B,`, so that `like '%,A,%'` finds A alone. */
export const encodeEvents = (events: readonly WebhookEventType[]): string => `,${[...new Set(events)].join(',')},`;

const toEndpoint = (row: Selectable<WebhookEndpointsTable>): WebhookEndpointRecord => ({
  id: row.id,
  ownerId: row.owner_id,
  url: row.url,
  events: row.events.split(',').filter((event) => event !== '') as WebhookEventType[],
  active: Boolean(row.active),
  createdAt: row.created_at,
});

export async function listEndpoints(db: Executor, owner: number): Promise<WebhookEndpointRecord[]> {
  const rows = await db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('owner_id', '=', owner)
    .orderBy('id')
    .execute();
  return rows.map(toEndpoint);
}

export async function findEndpoint(
  db: Executor,
  owner: number,
  id: number,
): Promise<WebhookEndpointRecord | undefined> {
  const row = await db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('id', '=', id)
    .where('owner_id', '=', owner)
    .executeTakeFirst();
  return row && toEndpoint(row);
}

/**
 * Registers an endpoint, unless the owner has `max` already: counted and
 * inserted in one statement, so two requests at once cannot both pass the cap
 * (PostgreSQL: under the owner's user row, locked; SQLite: one writer).
 */
export async function createEndpoint(
  db: Executor,
  owner: number,
  endpoint: { url: string; events: readonly WebhookEventType[]; sealedSecret: string },
  max: number,
): Promise<WebhookEndpointRecord | undefined> {
  return writeTransaction(db, async (trx) => {
    await trx.selectFrom('users').select('id').where('id', '=', owner).forUpdate().execute();
    const { count } = await trx
      .selectFrom('webhook_endpoints')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('owner_id', '=', owner)
      .executeTakeFirstOrThrow();
    if (Number(count) >= max) return undefined;
    const row = await trx
      .insertInto('webhook_endpoints')
      .values({
        owner_id: owner,
        url: endpoint.url,
        events: encodeEvents(endpoint.events),
        active: sql<boolean>`${sql.lit(true)}`,
        secret: endpoint.sealedSecret,
        created_at: new Date().toISOString(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toEndpoint(row);
  });
}

export async function updateEndpoint(
  db: Executor,
  owner: number,
  id: number,
  changes: { url?: string; events?: readonly WebhookEventType[]; active?: boolean },
): Promise<WebhookEndpointRecord | undefined> {
  const row = await db
    .updateTable('webhook_endpoints')
    .set({
      ...(changes.url !== undefined && { url: changes.url }),
      ...(changes.events !== undefined && { events: encodeEvents(changes.events) }),
      ...(changes.active !== undefined && { active: sql<boolean>`${sql.lit(changes.active)}` }),
    })
    .where('id', '=', id)
    .where('owner_id', '=', owner)
    .returningAll()
    .executeTakeFirst();
  return row && toEndpoint(row);
}

/** Deletes an endpoint with its deliveries and attempts (ON DELETE CASCADE); false when it is not the owner's. */
export async function deleteEndpoint(db: Executor, owner: number, id: number): Promise<boolean> {
  const result = await db
    .deleteFrom('webhook_endpoints')
    .where('id', '=', id)
    .where('owner_id', '=', owner)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

const toAttempt = (row: Selectable<WebhookAttemptsTable>): WebhookAttemptRecord => ({
  attempt: row.attempt,
  at: row.at,
  durationMs: row.duration_ms,
  statusCode: row.status_code,
  error: row.error,
  delivered: Boolean(row.delivered),
});

/** A page of an endpoint's deliveries, newest first, with their attempts: `first + 1` read, to tell whether more follow. */
export async function deliveryPage(
  db: Executor,
  endpointId: number,
  first: number,
  beforeId: number | undefined,
): Promise<WebhookDeliveryRecord[]> {
  const rows = await db
    .selectFrom('webhook_deliveries')
    .select(['id', 'event_id', 'event_type', 'status', 'created_at', 'next_attempt_at'])
    .where('endpoint_id', '=', endpointId)
    .$if(beforeId !== undefined, (query) => query.where('id', '<', beforeId ?? 0))
    .orderBy('id', 'desc')
    .limit(first + 1)
    .execute();
  const ids = rows.map((row) => Number(row.id));
  const attempts =
    ids.length === 0
      ? []
      : await db.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', ids).orderBy('id').execute();
  const byDelivery = new Map<number, WebhookAttemptRecord[]>(ids.map((id) => [id, []]));
  for (const row of attempts) byDelivery.get(Number(row.delivery_id))?.push(toAttempt(row));
  return rows.map((row) => ({
    id: Number(row.id),
    eventId: row.event_id,
    eventType: row.event_type as WebhookEventType,
    status: row.status,
    createdAt: row.created_at,
    nextAttemptAt: row.status === 'PENDING' ? row.next_attempt_at : null,
    attempts: byDelivery.get(Number(row.id)) ?? [],
  }));
}
