/**
 * The outbox: the deliveries a change causes, written in the change's own
 * transaction (from recordChanges, history/history.repository.ts), one row per
 * event and endpoint. A change that commits has them all; one that rolls back
 * has none; a crash loses none of them, since they wait in the database.
 *
 * Who receives an event is decided there, as sync decides who is told: the
 * endpoints of the users who may read the todo or list when it changed. For a
 * todo moved between lists, each side sees only what it could read: readers
 * of only the new list get no old values, readers of only the old list get no
 * new ones (as history shows it to them).
 */
import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Tables } from '../db/tables.js';
import type { ChangedField, HistoryAction, NewHistoryEntry } from '../history/field-changes.js';
import { toGlobalId } from '../nodes/global-id.js';
import { ANONYMOUS_OWNER } from '../db/tables.js';

type Executor = Kysely<Tables>;

export type WebhookEventType = `${'TODO' | 'LIST'}_${HistoryAction}`;

export const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = [
  'TODO_CREATED',
  'TODO_UPDATED',
  'TODO_DELETED',
  'LIST_CREATED',
  'LIST_UPDATED',
  'LIST_DELETED',
  'LIST_SHARED',
  'LIST_UNSHARED',
];

/** Who of the change's readers an event row is for (see the module comment). */
type Audience = 'all' | 'both' | 'arrived' | 'left';

interface EventRow {
  readonly type: WebhookEventType;
  readonly id: string;
  readonly body: string;
  readonly listId: number;
  readonly previousListId: number | null;
  readonly memberId: number | null;
  readonly audience: Audience;
}

/** Entries per statement: each is up to three rows of seven parameters, well under SQLite's limit. */
const CHUNK = 300;

export const newEventId = (): string => `msg_${randomBytes(16).toString('base64url')}`;

/** The event's `data`: the change as one audience may see it. */
function eventData(actor: number, entry: NewHistoryEntry, audience: Audience) {
  const hideOld = audience === 'arrived';
  const hideNew = audience === 'left';
  const changes = entry.changes
    .map(([field, oldValue, newValue]): ChangedField => [field, hideOld ? null : oldValue, hideNew ? null : newValue])
    .filter(([, oldValue, newValue]) => oldValue !== null || newValue !== null)
    .map(([field, oldValue, newValue]) => ({ field, oldValue, newValue }));
  return {
    todoId: entry.todoId === null ? null : String(entry.todoId),
    listId: hideNew ? null : toGlobalId('TodoList', entry.listId),
    previousListId:
      entry.previousListId === null || audience !== 'both' ? null : toGlobalId('TodoList', entry.previousListId),
    actorId: actor === ANONYMOUS_OWNER ? null : toGlobalId('User', actor),
    memberId: entry.memberId === null ? null : toGlobalId('User', entry.memberId),
    changes,
  };
}

function eventRows(actor: number, entry: NewHistoryEntry, at: string): EventRow[] {
  const type: WebhookEventType = `${entry.todoId === null ? 'LIST' : 'TODO'}_${entry.action}`;
  const audiences: Audience[] = entry.previousListId === null ? ['all'] : ['both', 'arrived', 'left'];
  return audiences.map((audience) => {
    const id = newEventId();
    const body = JSON.stringify({ id, type, createdAt: at, data: eventData(actor, entry, audience) });
    const { listId, previousListId, memberId } = entry;
    return { type, id, body, listId, previousListId, memberId, audience };
  });
}

const integer = (value: number | null): RawBuilder<unknown> => sql`cast(${value} as integer)`;
const text = (value: string): RawBuilder<unknown> => sql`cast(${value} as text)`;

/**
 * One statement for all of `rows`: the readers of the lists they concern, the
 * active endpoints of those readers that take the event's type. Without such
 * endpoints it writes nothing. Answers how many deliveries it wrote.
 */
async function insertDeliveries(db: Executor, rows: readonly EventRow[], at: string): Promise<number> {
  const values = sql.join(
    rows.map(
      (row, index) =>
        sql`(${sql.join([
          integer(index),
          text(row.type),
          text(row.id),
          text(row.body),
          integer(row.listId),
          integer(row.previousListId),
          integer(row.memberId),
          text(row.audience),
        ])})`,
    ),
  );
  const reads = (list: RawBuilder<unknown>) =>
    sql`exists (select 1 from readers where readers.list_id = ${list} and readers.user_id = audience.user_id)`;
  // `insert … with … select`, not `with … insert`: metrics tell statements apart by their first word.
  const result = await sql`
    insert into webhook_deliveries
      (endpoint_id, event_id, event_type, body, status, attempts, next_attempt_at, created_at)
    with events (k, event_type, event_id, body, list_id, previous_list_id, member_id, audience) as (values ${values}),
    readers (list_id, user_id) as (
      select id, owner_id from lists
        where id in (select list_id from events union select previous_list_id from events)
      union all
      select list_id, user_id from list_members
        where list_id in (select list_id from events union select previous_list_id from events)
    ),
    audience (k, user_id) as (
      select events.k, readers.user_id from events
        join readers on readers.list_id = events.list_id or readers.list_id = events.previous_list_id
      union
      select k, member_id from events where member_id is not null
    )
    select endpoints.id, events.event_id, events.event_type, events.body, 'PENDING', 0, ${at}, ${at}
    from events
      join audience on audience.k = events.k
      join webhook_endpoints endpoints on endpoints.owner_id = audience.user_id
    where endpoints.active = ${sql.lit(true)}
      and endpoints.events like '%,' || events.event_type || ',%'
      and case events.audience
        when 'all' then 1 = 1
        when 'both' then ${reads(sql.ref('events.list_id'))} and ${reads(sql.ref('events.previous_list_id'))}
        when 'arrived' then ${reads(sql.ref('events.list_id'))} and not ${reads(sql.ref('events.previous_list_id'))}
        else ${reads(sql.ref('events.previous_list_id'))} and not ${reads(sql.ref('events.list_id'))}
      end
  `.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** Called by every woken worker of this process once a write has put deliveries in the outbox. */
const wakers = new Set<() => void>();

/** Registers a worker to be woken by this process's writes; returns the way to stop. */
export function onOutboxWrite(wake: () => void): () => void {
  wakers.add(wake);
  return () => wakers.delete(wake);
}

/**
 * Writes the deliveries of `entries`, made by `actor`, in the transaction `db` is.
 * The readers are read as sync reads them: under the sync log's lock, after the change.
 */
export async function enqueueWebhooks(db: Executor, actor: number, entries: readonly NewHistoryEntry[]): Promise<void> {
  // A write that changed nothing (completing a completed todo) is no event.
  const changed = entries.filter((entry) => entry.changes.length > 0);
  if (changed.length === 0) return;
  const at = new Date().toISOString();
  let written = 0;
  for (let start = 0; start < changed.length; start += CHUNK) {
    const rows = changed.slice(start, start + CHUNK).flatMap((entry) => eventRows(actor, entry, at));
    written += await insertDeliveries(db, rows, at);
  }
  if (written === 0) return;
  // Before the commit, so a worker may look too soon: it finds nothing, and
  // finds them at its next poll (webhook-worker.ts).
  for (const wake of wakers) wake();
}
