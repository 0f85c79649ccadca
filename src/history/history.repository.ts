/**
 * Writing and reading history. Every write path records its entries through
 * `recordChanges` inside its own transaction (see field-changes.ts for what an
 * entry holds); reads come a page per todo or list, many at once.
 */
import { sql, type Kysely } from 'kysely';
import type { HistoryTable, Tables } from '../db/tables.js';
import { preparedQuery } from '../db/prepared-query.js';
import { accessibleListIds } from '../lists/list-access.js';
import type { Chore } from '../http/housekeeping.js';
import { logChanges } from '../sync/sync-log.repository.js';
import { enqueueWebhooks } from '../webhooks/outbox.js';
import { decodeChanges, encodeChanges, type HistoryAction, type NewHistoryEntry } from './field-changes.js';

type Executor = Kysely<Tables>;

/** An entry as recorded: the change, who made it and when. */
export interface HistoryRecord extends NewHistoryEntry {
  readonly id: number;
  readonly at: string;
  readonly actorId: number;
}

/**
 * Records what `actor` changed, in the transaction `db` is: in history (the
 * entries that changed a field), in the sync log for everyone it concerns
 * (every entry: a write that changed no field still moved a version), and in
 * the webhook outbox for their endpoints.
 */
export async function recordChanges(
  db: Executor,
  actor: number,
  entries: readonly (NewHistoryEntry | undefined)[],
): Promise<void> {
  const written = entries.filter((entry): entry is NewHistoryEntry => entry !== undefined);
  const at = new Date().toISOString();
  const rows = written
    .filter((entry) => entry.changes.length > 0)
    .map((entry) => ({
      list_id: entry.listId,
      previous_list_id: entry.previousListId,
      todo_id: entry.todoId,
      actor_id: actor,
      member_id: entry.memberId,
      action: entry.action,
      changes: encodeChanges(entry.changes),
      at,
    }));
  const [only] = rows;
  // One entry (nearly every write): a statement compiled once.
  if (rows.length === 1 && only) {
    const { list_id, previous_list_id, todo_id, actor_id, member_id, action, changes } = only;
    await insertOneEntry(db, [list_id, previous_list_id, todo_id, actor_id, member_id, action, changes, at]);
  } else if (rows.length > 1) await db.insertInto('history').values(rows).execute();
  await logChanges(db, written);
  await enqueueWebhooks(db, actor, written);
}

const insertOneEntry = preparedQuery((db: Executor) =>
  db.insertInto('history').values({
    list_id: 0,
    previous_list_id: 0,
    todo_id: 0,
    actor_id: 0,
    member_id: 0,
    action: '',
    changes: '',
    at: '',
  }),
);

const columns = [
  'id',
  'at',
  'actor_id',
  'action',
  'list_id',
  'previous_list_id',
  'todo_id',
  'member_id',
  'changes',
] as const;
type HistoryRow = Omit<Pick<HistoryTable, (typeof columns)[number]>, 'id'> & { id: number };

const toRecord = (row: HistoryRow): HistoryRecord => ({
  id: row.id,
  at: row.at,
  actorId: row.actor_id,
  action: row.action as HistoryAction,
  listId: row.list_id,
  previousListId: row.previous_list_id,
  todoId: row.todo_id,
  memberId: row.member_id,
  changes: decodeChanges(row.changes),
});

export interface HistoryPageArgs {
  /** Entries per subject, newest first; one more is read to tell whether more follow. */
  readonly first: number;
  /** Only entries older than this one. */
  readonly beforeId: number | undefined;
}

/** Entries with the id of the subject they are paged under: a todo, or a list they happened in or left. */
function entriesBy(db: Executor, subject: 'todo_id' | 'list_id' | 'previous_list_id', { beforeId }: HistoryPageArgs) {
  return db
    .selectFrom('history')
    .select([...columns, sql<number>`${sql.ref(subject)}`.as('subject')])
    .$if(beforeId !== undefined, (query) => query.where('id', '<', beforeId ?? 0));
}

/**
 * The newest `first + 1` of `entries` for each subject, in one statement
 * however many subjects: a window ranks each subject's own.
 */
async function pagesOf(
  db: Executor,
  entries: ReturnType<typeof entriesBy>,
  subjects: readonly number[],
  { first }: HistoryPageArgs,
): Promise<Map<number, HistoryRecord[]>> {
  const pages = new Map(subjects.map((id) => [id, [] as HistoryRecord[]]));
  if (subjects.length === 0) return pages;
  const ranked = db
    .selectFrom(entries.as('entries'))
    .selectAll()
    .select(sql<number>`row_number() over (partition by subject order by id desc)`.as('rank'));
  const rows = await db
    .selectFrom(ranked.as('ranked'))
    .selectAll()
    .where('rank', '<=', first + 1)
    .orderBy('subject')
    .orderBy('id', 'desc')
    .execute();
  for (const row of rows) pages.get(row.subject)?.push(toRecord(row));
  return pages;
}

/**
 * History of each of `todoIds`, as `reader` may see it: only the entries made
 * in a list they can read now. A todo moved into a shared list does not show
 * its members what it was while it was private.
 */
export function todoHistory(
  db: Executor,
  reader: number,
  todoIds: readonly number[],
  page: HistoryPageArgs,
): Promise<Map<number, HistoryRecord[]>> {
  const readable = accessibleListIds(db, reader, 'read');
  const entries = entriesBy(db, 'todo_id', page)
    .where('todo_id', 'in', todoIds.length > 0 ? todoIds : [0])
    .where((eb) => eb.or([eb('list_id', 'in', readable), eb('previous_list_id', 'in', readable)]));
  return pagesOf(db, entries, todoIds, page);
}

/** Activity of each of `listIds` (lists the reader was allowed to read): changes in it, and todos moved out. */
export function listActivity(
  db: Executor,
  listIds: readonly number[],
  page: HistoryPageArgs,
): Promise<Map<number, HistoryRecord[]>> {
  const ids = listIds.length > 0 ? listIds : [0];
  const inList = entriesBy(db, 'list_id', page).where('list_id', 'in', ids);
  const movedOut = entriesBy(db, 'previous_list_id', page).where('previous_list_id', 'in', ids);
  return pagesOf(db, inList.unionAll(movedOut), listIds, page);
}

/**
 * Deletes entries older than `cutoff`, a batch at a time, at most `batches`
 * batches; answers how many, and whether more may remain.
 */
export async function pruneHistory(
  db: Executor,
  cutoff: string,
  batches = Infinity,
  batchSize = 5000,
): Promise<{ deleted: number; more: boolean }> {
  let deleted = 0;
  for (let batch = 0; batch < batches; batch += 1) {
    const result = await db
      .deleteFrom('history')
      .where('id', 'in', db.selectFrom('history').select('id').where('at', '<', cutoff).limit(batchSize))
      .executeTakeFirst();
    const count = Number(result.numDeletedRows);
    deleted += count;
    if (count < batchSize) return { deleted, more: false };
  }
  return { deleted, more: true };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The chore that keeps history to `retentionDays` (see http/housekeeping.ts); none when 0 keeps it all. */
export function historyRetention(db: Executor, retentionDays: number): Chore | undefined {
  if (retentionDays === 0) return undefined;
  return {
    name: 'history entries',
    run: (batches) => pruneHistory(db, new Date(Date.now() - retentionDays * DAY_MS).toISOString(), batches),
  };
}
