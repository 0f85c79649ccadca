/**
 * Data access for lists. Which lists a caller may act on comes from
 * list-access.ts; a list outside that is answered as not found.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { ListsTable, Tables } from '../db/tables.js';
import { writeTransaction } from '../db/transaction.js';
import { accessibleListIds, type ListAccess, type ListRole } from './list-access.js';
import { listEntry } from '../history/field-changes.js';
import { recordChanges } from '../history/history.repository.js';
import { logListDeleted } from '../sync/sync-log.repository.js';
import { enqueueWebhooks } from '../webhooks/outbox.js';

type Executor = Kysely<Tables>;

export interface ListRecord {
  readonly id: number;
  readonly name: string;
  readonly isInbox: boolean;
  readonly ownerId: number;
  readonly createdAt: string;
  /** 1 when made, one more for each rename. */
  readonly version: number;
}

export const INBOX_NAME = 'Inbox';

const columns = [
  'lists.id',
  'lists.name',
  'lists.is_inbox',
  'lists.owner_id',
  'lists.created_at',
  'lists.version',
] as const;
const returned = ['id', 'name', 'is_inbox', 'owner_id', 'created_at', 'version'] as const;

function toRecord(row: Pick<Selectable<ListsTable>, (typeof returned)[number]>): ListRecord {
  return {
    id: row.id,
    name: row.name,
    isInbox: Boolean(row.is_inbox),
    ownerId: row.owner_id,
    createdAt: row.created_at,
    version: row.version,
  };
}

/** Every owner gets one Inbox, made with the account. */
export async function insertInbox(db: Executor, owner: number): Promise<void> {
  await db
    .insertInto('lists')
    .values({ owner_id: owner, name: INBOX_NAME, is_inbox: sql<boolean>`true`, created_at: new Date().toISOString() })
    .execute();
}

/** How many lists each user may see (own and shared), and how many members a list may have. */
export interface ListQuotas {
  readonly maxListsPerUser: number;
  readonly maxMembersPerList: number;
}

export type ListRefusal = 'NOT_FOUND' | 'TOO_MANY_LISTS' | 'TOO_MANY_MEMBERS';

/**
 * Holds `user`'s row until the transaction ends, so that two requests adding
 * lists to what the user sees (creating one, being shared one) count in turn
 * rather than both squeezing under the quota. FOR NO KEY UPDATE: foreign-key
 * checks of rows that merely reference the user (a new session) do not wait.
 */
async function lockUser(db: Executor, user: number): Promise<void> {
  await db.selectFrom('users').select('id').where('id', '=', user).forNoKeyUpdate().execute();
}

/** How many lists `user` sees: owned, and shared with them. */
async function visibleListCount(db: Executor, user: number): Promise<number> {
  const visible = db
    .selectFrom('lists')
    .select('lists.id')
    .where('lists.owner_id', '=', user)
    .unionAll(
      db.selectFrom('list_members').select('list_members.list_id as id').where('list_members.user_id', '=', user),
    );
  const row = await db
    .selectFrom(visible.as('visible'))
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

export async function insertList(
  db: Executor,
  owner: number,
  name: string,
  quotas: ListQuotas,
): Promise<ListRecord | 'TOO_MANY_LISTS'> {
  return writeTransaction(db, async (trx) => {
    await lockUser(trx, owner);
    if ((await visibleListCount(trx, owner)) >= quotas.maxListsPerUser) return 'TOO_MANY_LISTS';
    const row = await trx
      .insertInto('lists')
      .values({ owner_id: owner, name, is_inbox: sql<boolean>`false`, created_at: new Date().toISOString() })
      .returning(returned)
      .executeTakeFirstOrThrow();
    await recordChanges(trx, owner, [listEntry('CREATED', row.id, [['name', null, name]])]);
    return toRecord(row);
  });
}

/** The lists `owner` may see: their own (Inbox first), then those shared with them. */
export async function listLists(db: Executor, owner: number): Promise<ListRecord[]> {
  const rows = await db
    .selectFrom('lists')
    .select(columns)
    .where('lists.id', 'in', accessibleListIds(db, owner, 'read'))
    .orderBy(sql`case when ${sql.ref('lists.owner_id')} = ${owner} then 0 else 1 end`)
    .orderBy('lists.is_inbox', 'desc')
    .orderBy('lists.id')
    .execute();
  return rows.map(toRecord);
}

/** The lists with these ids that `owner` may act on at `access`. */
export async function findLists(
  db: Executor,
  owner: number,
  ids: readonly number[],
  access: ListAccess,
): Promise<ListRecord[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('lists')
    .select(columns)
    .where('lists.id', 'in', ids)
    .where('lists.id', 'in', accessibleListIds(db, owner, access))
    .execute();
  return rows.map(toRecord);
}

/** The lists with these ids, whoever may read them: for announcing changes to their readers. */
export async function listsById(db: Executor, ids: readonly number[]): Promise<ListRecord[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('lists').select(columns).where('lists.id', 'in', ids).execute();
  return rows.map(toRecord);
}

/**
 * Renames a list the caller owns: the list as it is now, undefined when the
 * caller owns no such list, or the version it is at when `ifVersion` is given
 * and it moved on.
 */
export async function renameList(
  db: Executor,
  owner: number,
  id: number,
  name: string,
  ifVersion?: number,
): Promise<ListRecord | { readonly conflict: number } | undefined> {
  return writeTransaction(db, async (trx) => {
    const current = await trx
      .selectFrom('lists')
      .select(['version', 'name'])
      .where('id', '=', id)
      .where('id', 'in', accessibleListIds(trx, owner, 'own'))
      .forNoKeyUpdate()
      .executeTakeFirst();
    if (!current) return undefined;
    if (ifVersion !== undefined && current.version !== ifVersion) return { conflict: current.version };
    const row = await trx
      .updateTable('lists')
      .set((eb) => ({ name, version: eb('version', '+', 1) }))
      .where('id', '=', id)
      .returning(returned)
      .executeTakeFirstOrThrow();
    // Renamed to the name it had: no history, but its version moved, which sync tells.
    await recordChanges(trx, owner, [
      listEntry('UPDATED', id, current.name === name ? [] : [['name', current.name, name]]),
    ]);
    return toRecord(row);
  });
}

/**
 * Deletes a list the caller owns (not an Inbox) and, through the foreign keys,
 * its todos and memberships. Returns who could read it until then (for the
 * announcement), read while the list is held, or undefined when nothing was deleted.
 */
export async function deleteList(db: Executor, owner: number, id: number): Promise<number[] | undefined> {
  return writeTransaction(db, async (trx) => {
    const list = await trx
      .selectFrom('lists')
      .select(['id', 'name'])
      .where('id', '=', id)
      .where('is_inbox', '=', sql<boolean>`false`)
      .where('id', 'in', accessibleListIds(trx, owner, 'own'))
      .forUpdate()
      .executeTakeFirst();
    if (!list) return undefined;
    const audience = await listAudience(trx, [id]);
    // While its readers can still be found: their endpoints hear it go.
    await enqueueWebhooks(trx, owner, [listEntry('DELETED', id, [['name', list.name, null]])]);
    await trx.deleteFrom('lists').where('id', '=', id).execute();
    await trx.deleteFrom('history').where('list_id', '=', id).execute();
    // Last: the log's lock is always taken after the rows a write locks (sync-log.repository.ts).
    await logListDeleted(trx, id, audience);
    return audience;
  });
}

/** Open and done counts per list, for the lists given (absent lists count zero). */
export async function countTodos(
  db: Executor,
  listIds: readonly number[],
): Promise<Map<number, { open: number; done: number }>> {
  const counts = new Map<number, { open: number; done: number }>();
  if (listIds.length === 0) return counts;
  const rows = await db
    .selectFrom('todos')
    .select((eb) => ['list_id', 'completed', eb.fn.countAll<number | string>().as('count')])
    .where('list_id', 'in', listIds)
    .groupBy(['list_id', 'completed'])
    .execute();
  for (const row of rows) {
    const entry = counts.get(row.list_id) ?? { open: 0, done: 0 };
    if (row.completed) entry.done += Number(row.count);
    else entry.open += Number(row.count);
    counts.set(row.list_id, entry);
  }
  return counts;
}

export interface MemberRecord {
  readonly listId: number;
  readonly userId: number;
  readonly username: string;
  readonly role: ListRole;
}

/** Members of the lists given, in the order they were added (for DataLoader: one query per batch). */
export async function findMembers(db: Executor, listIds: readonly number[]): Promise<MemberRecord[]> {
  if (listIds.length === 0) return [];
  const rows = await db
    .selectFrom('list_members')
    .innerJoin('users', 'users.id', 'list_members.user_id')
    .select(['list_members.list_id', 'list_members.user_id', 'users.username', 'list_members.role'])
    .where('list_members.list_id', 'in', listIds)
    .orderBy('list_members.created_at')
    .orderBy('list_members.user_id')
    .execute();
  return rows.map((row) => ({
    listId: row.list_id,
    userId: row.user_id,
    username: row.username,
    role: row.role === 'EDITOR' ? 'EDITOR' : 'VIEWER',
  }));
}

/**
 * Adds `userId` to a list the caller owns as `role`, or changes their role.
 * A new member must see fewer lists than the quota, and the list have fewer
 * members; the member's row and then the list's are held while that is counted.
 */
export async function shareList(
  db: Executor,
  owner: number,
  listId: number,
  userId: number,
  role: ListRole,
  quotas: ListQuotas,
): Promise<ListRefusal | undefined> {
  return writeTransaction(db, async (trx) => {
    await lockUser(trx, userId);
    const list = await trx
      .selectFrom('lists')
      .select('id')
      .where('id', '=', listId)
      .where('id', 'in', accessibleListIds(trx, owner, 'own'))
      // Not FOR UPDATE: todo writes hold the list FOR KEY SHARE and need not wait.
      .forNoKeyUpdate()
      .executeTakeFirst();
    if (!list) return 'NOT_FOUND';
    const shared = (from: ListRole | null) =>
      recordChanges(trx, owner, [listEntry('SHARED', listId, from === role ? [] : [['role', from, role]], userId)]);
    const member = await trx
      .selectFrom('list_members')
      .select('role')
      .where('list_id', '=', listId)
      .where('user_id', '=', userId)
      .forUpdate()
      .executeTakeFirst();
    if (member) {
      await trx
        .updateTable('list_members')
        .set({ role })
        .where('list_id', '=', listId)
        .where('user_id', '=', userId)
        .execute();
      await shared(member.role === 'EDITOR' ? 'EDITOR' : 'VIEWER');
      return undefined;
    }
    if ((await visibleListCount(trx, userId)) >= quotas.maxListsPerUser) return 'TOO_MANY_LISTS';
    const members = await trx
      .selectFrom('list_members')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('list_id', '=', listId)
      .executeTakeFirst();
    if (Number(members?.count ?? 0) >= quotas.maxMembersPerList) return 'TOO_MANY_MEMBERS';
    await trx
      .insertInto('list_members')
      .values({ list_id: listId, user_id: userId, role, created_at: new Date().toISOString() })
      .execute();
    await shared(null);
    return undefined;
  });
}

/** Removes `userId` from a list the caller owns; false when the caller does not own it (or it is gone). */
export async function unshareList(db: Executor, owner: number, listId: number, userId: number): Promise<boolean> {
  return writeTransaction(db, async (trx) => {
    const removed = await trx
      .deleteFrom('list_members')
      .where('list_id', '=', listId)
      .where('user_id', '=', userId)
      .where('list_id', 'in', accessibleListIds(trx, owner, 'own'))
      .returning('role')
      .executeTakeFirst();
    if (removed) {
      await recordChanges(trx, owner, [listEntry('UNSHARED', listId, [['role', removed.role, null]], userId)]);
      return true;
    }
    // Not a member: done all the same, if the list is still the caller's.
    return (await findLists(trx, owner, [listId], 'own')).length > 0;
  });
}

/** Each membership of these lists, as ids only: announcing a change reads no more than it needs. */
export async function membershipsOf(
  db: Executor,
  listIds: readonly number[],
): Promise<{ readonly listId: number; readonly userId: number }[]> {
  if (listIds.length === 0) return [];
  return db
    .selectFrom('list_members')
    .select(['list_members.list_id as listId', 'list_members.user_id as userId'])
    .where('list_members.list_id', 'in', listIds)
    .execute();
}

/** Who may read a list right now: its owner and its members. */
export async function listAudience(db: Executor, listIds: readonly number[]): Promise<number[]> {
  if (listIds.length === 0) return [];
  const rows = await db
    .selectFrom('lists')
    .select('lists.owner_id as id')
    .where('lists.id', 'in', listIds)
    .union(
      db.selectFrom('list_members').select('list_members.user_id as id').where('list_members.list_id', 'in', listIds),
    )
    .execute();
  return rows.map((row) => row.id);
}
