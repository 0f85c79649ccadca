/**
 * Pages of todos as Relay connections, read by key: `WHERE (key, id) > (…)`
 * `ORDER BY key, id LIMIT n + 1`, never OFFSET, so any page costs what the first
 * does and rows added or removed between requests make no page skip or repeat
 * an item. The id breaks ties, so the order is total.
 */
import { GraphQLError } from 'graphql';
import { sql, type ExpressionBuilder, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { Tables } from '../db/tables.js';
import { accessibleListIds } from '../lists/list-access.js';
import { decodeCursor, encodeCursor, type Cursor, type OrderField } from './cursor.js';
import { parseListId } from '../nodes/global-id.js';
import { carryingAnyOf, checkLabelFilter } from '../labels/label-filter.js';
import { priorityRank, type Priority, type TodoRecord } from './todo.js';
import type { GraphQLContext } from '../graphql/context.js';
import { answerBytes, todoColumns, toTodoRecord, type TodoRow } from './todos.repository.js';

export interface TodoFilterInput {
  readonly list?: string | null;
  readonly completed?: boolean | null;
  readonly dueBefore?: string | null;
  readonly dueAfter?: string | null;
  readonly overdue?: boolean | null;
  readonly priority?: readonly Priority[] | null;
  readonly text?: string | null;
  readonly isSubtask?: boolean | null;
  /** Not in the schema: only the subtasks of this todo (Todo.subtasks). */
  readonly parentId?: number;
  readonly labels?: readonly string[] | null;
}

export interface PageArgs {
  readonly first?: number | null;
  readonly after?: string | null;
  readonly last?: number | null;
  readonly before?: string | null;
  readonly filter?: TodoFilterInput | null;
  readonly orderBy?: { readonly field: OrderField; readonly direction?: 'ASC' | 'DESC' | null } | null;
}

export interface TodoPage {
  readonly edges: { readonly cursor: string; readonly node: TodoRecord }[];
  readonly pageInfo: {
    readonly hasNextPage: boolean;
    readonly hasPreviousPage: boolean;
    readonly startCursor: string | null;
    readonly endCursor: string | null;
  };
  /** Counted only when a client asks for it. */
  readonly totalCount: () => Promise<number>;
}

/** Longest search text, in characters: a description and notes are at most 11,000 together. */
const MAX_SEARCH_TEXT = 1000;

const pageError = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

type Builder = ExpressionBuilder<Tables, 'todos'>;

/** The sort key of `field` on `table` (the todos table, or a page read from it). */
function sortKey(field: OrderField, table = 'todos'): Expression<string | number> {
  switch (field) {
    case 'DUE_ON':
      return sql.ref(`${table}.due_date`);
    case 'PRIORITY':
      return sql.ref(`${table}.priority`);
    case 'CREATED_AT':
      return sql.ref(`${table}.created_at`);
    case 'COMPLETED_AT':
      // Never completed sorts as the empty string: first ascending on both databases.
      return sql`coalesce(${sql.ref(`${table}.completed_at`)}, '')`;
    case 'POSITION':
      return sql.ref(`${table}.position`);
  }
}

/**
 * Above this many lists, one page is read by sorting the caller's todos instead
 * of merging one index seek per list (SQLite allows 500 terms per UNION).
 */
const MERGED_LISTS_LIMIT = 50;

function keyOf(todo: TodoRecord, field: OrderField): string | number {
  switch (field) {
    case 'DUE_ON':
      return todo.dueOn;
    case 'PRIORITY':
      return priorityRank(todo.priority);
    case 'CREATED_AT':
      return todo.createdAt;
    case 'COMPLETED_AT':
      return todo.completedAt ?? '';
    case 'POSITION':
      return todo.position;
  }
}

/** `%text%` for LIKE, with LIKE's own wildcards taken literally. */
const containing = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function filterConditions(eb: Builder, filter: TodoFilterInput): Expression<SqlBool>[] {
  const conditions: Expression<SqlBool>[] = [];
  if (typeof filter.completed === 'boolean') {
    conditions.push(eb('todos.completed', '=', filter.completed ? sql<boolean>`true` : sql<boolean>`false`));
  }
  if (filter.parentId !== undefined) conditions.push(eb('todos.parent_id', '=', filter.parentId));
  if (typeof filter.isSubtask === 'boolean') {
    conditions.push(eb('todos.parent_id', filter.isSubtask ? 'is not' : 'is', null));
  }
  if (filter.dueBefore) conditions.push(eb('todos.due_date', '<', filter.dueBefore));
  if (filter.dueAfter) conditions.push(eb('todos.due_date', '>', filter.dueAfter));
  if (typeof filter.overdue === 'boolean') {
    const today = new Date().toISOString().slice(0, 10);
    const overdue = eb.and([eb('todos.completed', '=', sql<boolean>`false`), eb('todos.due_date', '<', today)]);
    conditions.push(filter.overdue ? overdue : eb.not(overdue));
  }
  // A list of four values at most, however long the one sent.
  if (filter.priority) conditions.push(eb('todos.priority', 'in', [...new Set(filter.priority.map(priorityRank))]));
  if (filter.text) {
    const pattern = containing(filter.text);
    conditions.push(
      eb.or([
        sql<SqlBool>`lower(${sql.ref('todos.description')}) like ${pattern} escape '\\'`,
        sql<SqlBool>`lower(coalesce(${sql.ref('todos.notes')}, '')) like ${pattern} escape '\\'`,
      ]),
    );
  }
  if (filter.labels) conditions.push(carryingAnyOf(eb, filter.labels));
  return conditions;
}

/** The lists a page reads: the one the filter names if the caller may read it, else all they may. */
async function readableListIds(db: Kysely<Tables>, owner: number, only: string | null | undefined): Promise<number[]> {
  let lists = db
    .selectFrom('lists')
    .select('lists.id')
    .where('lists.id', 'in', accessibleListIds(db, owner, 'read'));
  // An id that cannot be a list matches nothing, like a list the caller cannot read.
  if (only != null) lists = lists.where('lists.id', '=', parseListId(only) ?? 0);
  return (await lists.execute()).map((row) => row.id);
}

/** What reading a page needs of its request. */
export type PageContext = Pick<GraphQLContext, 'db' | 'bounds' | 'budget'>;

/**
 * One page of the todos `owner` may read, matching `args.filter`, in
 * `args.orderBy` order. `fixedList`, a list already read through the access
 * rule (a `TodoList`'s own todos), replaces the filter's list. Throws a
 * BAD_USER_INPUT GraphQLError for bad page arguments, and the budget's errors
 * past the request's time or answer size.
 */
export async function pageOfTodos(
  { db, bounds, budget }: PageContext,
  owner: number,
  args: PageArgs,
  fixedList?: number,
): Promise<TodoPage> {
  const { maxPageSize } = bounds;
  const { first, last, after, before } = args;
  if (first != null && last != null) throw pageError('Give either "first" or "last", not both.');
  const size = first ?? last;
  if (size == null) throw pageError(`Give "first" or "last": pages hold at most ${maxPageSize} todos.`);
  if (size < 0 || size > maxPageSize) throw pageError(`"first" and "last" must be from 0 to ${maxPageSize}.`);
  if (first != null && before != null) throw pageError('"before" goes with "last", not "first".');
  if (last != null && after != null) throw pageError('"after" goes with "first", not "last".');

  const field = args.orderBy?.field ?? 'CREATED_AT';
  const descending = args.orderBy?.direction === 'DESC';
  const backward = last != null;
  const cursorText = backward ? before : after;
  let cursor: Cursor | null = null;
  if (cursorText != null) {
    cursor = decodeCursor(cursorText);
    if (!cursor) throw pageError(`"${backward ? 'before' : 'after'}" is not a cursor from this server.`);
    if (cursor.field !== field)
      throw pageError('The cursor belongs to another order: use cursors from the same orderBy.');
  }

  const filter = args.filter ?? {};
  if (filter.text != null && filter.text.length > MAX_SEARCH_TEXT) {
    throw pageError(`Search text ("filter.text") has at most ${MAX_SEARCH_TEXT} characters.`);
  }
  const labelProblem = checkLabelFilter(filter.labels);
  if (labelProblem) throw pageError(labelProblem);
  const listIds = fixedList === undefined ? await readableListIds(db, owner, filter.list) : [fixedList];

  const key = sortKey(field);
  // Walking backward reads the order reversed, then turns the page around.
  const ascending = descending === backward;
  const direction = ascending ? 'asc' : 'desc';

  const matching = (ids: readonly number[]) =>
    db
      .selectFrom('todos')
      .where('todos.list_id', 'in', ids.length > 0 ? ids : [0])
      .where((eb) => eb.and(filterConditions(eb, filter)));
  const pageOf = (ids: readonly number[]) => {
    let page = matching(ids).select(todoColumns);
    if (cursor) {
      const comparison = sql.raw(ascending ? '>' : '<');
      page = page.where(sql<SqlBool>`(${key}, ${sql.ref('todos.id')}) ${comparison} (${cursor.key}, ${cursor.id})`);
    }
    return page
      .orderBy(key, direction)
      .orderBy('todos.id', direction)
      .limit(size + 1);
  };

  const rows = await budget.read(async (): Promise<TodoRow[]> => {
    if (listIds.length <= 1 || listIds.length > MERGED_LISTS_LIMIT) return pageOf(listIds).execute();
    // One index seek per list, merged: each list gives at most a page, in order.
    const perList = listIds.map((id) => sql`select * from (${pageOf([id])}) as ${sql.id(`list_${id}`)}`);
    const order = sql.raw(direction);
    const merged = await sql<TodoRow>`select * from (${sql.join(perList, sql` union all `)}) as page
      order by ${sortKey(field, 'page')} ${order}, ${sql.ref('page.id')} ${order} limit ${size + 1}`.execute(db);
    return merged.rows;
  });

  const more = rows.length > size;
  const nodes = rows.slice(0, size).map(toTodoRecord);
  budget.spend(answerBytes(nodes));
  if (backward) nodes.reverse();
  const edges = nodes.map((node) => ({ cursor: encodeCursor({ field, key: keyOf(node, field), id: node.id }), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: !backward && more,
      hasPreviousPage: backward && more,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: async () => {
      const row = await budget.read(() =>
        matching(listIds)
          .select((eb) => eb.fn.countAll<number | string>().as('count'))
          .executeTakeFirst(),
      );
      return Number(row?.count ?? 0);
    },
  };
}
