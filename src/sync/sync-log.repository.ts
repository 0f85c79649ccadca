/**
 * The sync log: which objects changed for which users, in the order the
 * changes committed. Writers append in the transaction of the change; readers
 * (`changesSince`) read a user's rows after a position.
 *
 * Commit order: on PostgreSQL two transactions can take numbers from a
 * sequence in one order and commit in the other, and a reader between the two
 * commits would move its cursor past a row that is not there yet, and miss it
 * for good. So every writer first locks one row (`settings.sync_log_writer`),
 * held until it commits: numbers are taken, and rows made visible, one
 * transaction at a time. SQLite runs one write transaction at a time anyway.
 */
import { sql, type Kysely } from 'kysely';
import { preparedQuery } from '../db/prepared-query.js';
import { sqliteUnder } from '../db/sqlite-statements.js';
import type { Tables } from '../db/tables.js';
import { databaseOf } from '../db/transaction.js';
import type { NewHistoryEntry } from '../history/field-changes.js';
import type { Chore } from '../http/housekeeping.js';

type Executor = Kysely<Tables>;
export type SyncType = 'Todo' | 'TodoList';

/** Owner and members of one or two lists: a statement compiled once (two ids, the same one twice for one list). */
const readersOfTwo = preparedQuery((db: Executor) =>
  db
    .selectFrom('lists')
    .select(['lists.id as listId', 'lists.owner_id as userId'])
    .where('lists.id', 'in', [0, 0])
    .unionAll(
      db
        .selectFrom('list_members')
        .select(['list_members.list_id as listId', 'list_members.user_id as userId'])
        .where('list_members.list_id', 'in', [0, 0]),
    ),
);

/** Owner and members of each list, as they are inside the transaction. */
async function readersOf(db: Executor, listIds: readonly number[]): Promise<Map<number, number[]>> {
  const readers = new Map<number, number[]>(listIds.map((id) => [id, []]));
  const [first, second = first] = listIds;
  if (first === undefined) return readers;
  const rows =
    listIds.length <= 2
      ? (await readersOfTwo(db, [first, second, first, second])).rows
      : await db
          .selectFrom('lists')
          .select(['lists.id as listId', 'lists.owner_id as userId'])
          .where('lists.id', 'in', listIds)
          .unionAll(
            db
              .selectFrom('list_members')
              .select(['list_members.list_id as listId', 'list_members.user_id as userId'])
              .where('list_members.list_id', 'in', listIds),
          )
          .execute();
  for (const { listId, userId } of rows) readers.get(listId)?.push(userId);
  return readers;
}

/** Takes the log's writer lock (see above) until the transaction ends; SQLite's one writer at a time needs none. */
async function lockLog(db: Executor): Promise<void> {
  if (sqliteUnder(databaseOf(db))) return;
  await db.selectFrom('settings').select('key').where('key', '=', 'sync_log_writer').forUpdate().execute();
}

const insertOneRow = preparedQuery((db: Executor) =>
  db.insertInto('sync_log').values({ user_id: 0, type: 'Todo', object_id: 0, at: '' }),
);

interface Row {
  readonly user_id: number;
  readonly type: SyncType;
  readonly object_id: number;
  readonly at: string;
}

/**
 * Logs the changes history records, for everyone who sees them now, and for
 * the readers of a list a todo left and a member just removed, who see it go.
 *
 * A member added or removed also gets a row for every todo in the list: a
 * new member must learn of todos made before they joined; a removed one, of
 * each todo they lose. Without the latter, a member removed and added again
 * between two syncs would see the list come back (one row, read as it is now)
 * and keep the todos deleted while they were away.
 */
export async function logChanges(db: Executor, entries: readonly NewHistoryEntry[]): Promise<void> {
  if (entries.length === 0) return;
  // Readers are read under the lock: a share that committed before this
  // transaction took the lock is seen here, and one that commits after it
  // logs this transaction's todos for its new member itself.
  await lockLog(db);
  const lists = [...new Set(entries.flatMap((entry) => [entry.listId, entry.previousListId ?? entry.listId]))];
  const readers = await readersOf(db, lists);
  const at = new Date().toISOString();
  const rows: Row[] = [];
  const memberships: { member: number; listId: number }[] = [];
  for (const entry of entries) {
    const audience = new Set([
      ...(readers.get(entry.listId) ?? []),
      ...(entry.previousListId === null ? [] : (readers.get(entry.previousListId) ?? [])),
      ...(entry.memberId === null ? [] : [entry.memberId]),
    ]);
    const [type, id]: [SyncType, number] = entry.todoId === null ? ['TodoList', entry.listId] : ['Todo', entry.todoId];
    for (const user of audience) rows.push({ user_id: user, type, object_id: id, at });
    const joined = entry.action === 'SHARED' && entry.changes.some(([, from]) => from === null);
    if ((joined || entry.action === 'UNSHARED') && entry.memberId !== null) {
      memberships.push({ member: entry.memberId, listId: entry.listId });
    }
  }
  const [only] = rows;
  // One reader (a list nobody else sees): a statement compiled once.
  if (rows.length === 1 && only) await insertOneRow(db, [only.user_id, only.type, only.object_id, only.at]);
  else if (rows.length > 1) await db.insertInto('sync_log').values(rows).execute();
  for (const { member, listId } of memberships) {
    await db
      .insertInto('sync_log')
      .columns(['user_id', 'type', 'object_id', 'at'])
      .expression(
        db
          .selectFrom('todos')
          .select([sql.lit(member).as('user_id'), sql.lit('Todo').as('type'), 'todos.id', sql.lit(at).as('at')])
          .where('todos.list_id', '=', listId),
      )
      .execute();
  }
}

/** A list about to be deleted: `audience` (its readers until now) see it go. */
export async function logListDeleted(db: Executor, listId: number, audience: readonly number[]): Promise<void> {
  if (audience.length === 0) return;
  const at = new Date().toISOString();
  await lockLog(db);
  await db
    .insertInto('sync_log')
    .values(audience.map((user) => ({ user_id: user, type: 'TodoList' as const, object_id: listId, at })))
    .execute();
}

/** The newest position in the log (or deleted from it): a new cursor that nothing logged later falls before. */
export async function lastPosition(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('sync_log')
    .select((eb) => eb.fn.max<number | string | null>('seq').as('seq'))
    .executeTakeFirst();
  return Math.max(Number(row?.seq ?? 0), await prunedThrough(db));
}

/** Log rows one page reads at most, per object it may hold: a page's cost does not grow with the backlog. */
const ROWS_PER_OBJECT = 4;

/**
 * The objects that changed for `user` after position `after`, each once, in
 * the order they first changed; at most `first`. `through` is the position the
 * page covers (every row up to it is about one of `objects`, which are read as
 * they are now), and `more` whether rows follow it. An object that changes
 * again later comes again in a later page.
 */
export async function changedSince(
  db: Executor,
  user: number,
  after: number,
  first: number,
): Promise<{ objects: { type: SyncType; id: number }[]; through: number; more: boolean }> {
  const limit = first * ROWS_PER_OBJECT;
  const rows = await db
    .selectFrom('sync_log')
    .select(['type', 'object_id', 'seq'])
    .where('user_id', '=', user)
    .where('seq', '>', after)
    .orderBy('seq')
    .limit(limit)
    .execute();
  const objects = new Map<string, { type: SyncType; id: number }>();
  let through = after;
  for (const row of rows) {
    const key = `${row.type}:${row.object_id}`;
    if (!objects.has(key)) {
      if (objects.size === first) return { objects: [...objects.values()], through, more: true };
      objects.set(key, { type: row.type, id: row.object_id });
    }
    through = Number(row.seq);
  }
  return { objects: [...objects.values()], through, more: rows.length === limit };
}

const DAY_MS = 24 * 60 * 60 * 1000;
const PRUNED_THROUGH = 'sync_log_pruned_through';

/**
 * The last position retention deleted. A cursor before it may have missed
 * rows, so it is refused; a cursor at or after it has missed none.
 */
export async function prunedThrough(db: Executor): Promise<number> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', PRUNED_THROUGH).executeTakeFirst();
  return Number(row?.value ?? 0);
}

/**
 * The chore that deletes log rows older than `retentionDays` (see
 * http/housekeeping.ts): by position, up to the last row old enough, which is
 * recorded first as the watermark cursors are checked against.
 */
export function syncLogRetention(db: Executor, retentionDays: number): Chore {
  return {
    name: 'sync log rows',
    run: async () => {
      const cutoff = new Date(Date.now() - retentionDays * DAY_MS).toISOString();
      const last = await db
        .selectFrom('sync_log')
        .select((eb) => eb.fn.max<number | string | null>('seq').as('seq'))
        .where('at', '<', cutoff)
        .executeTakeFirst();
      const through = Number(last?.seq ?? 0);
      if (through <= (await prunedThrough(db))) return { deleted: 0, more: false };
      // The watermark first: a reader never sees rows gone before their cursor is refused.
      await db
        .updateTable('settings')
        .set({ value: String(through) })
        .where('key', '=', PRUNED_THROUGH)
        .execute();
      const result = await db.deleteFrom('sync_log').where('seq', '<=', through).executeTakeFirst();
      return { deleted: Number(result.numDeletedRows), more: false };
    },
  };
}
