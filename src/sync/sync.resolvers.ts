/**
 * `changesSince`: the objects that changed for the caller after a cursor, read
 * from the sync log, each resolved as the caller may see it now.
 */
import { GraphQLError } from 'graphql';
import type { Resolvers } from '../graphql/resolvers-types.generated.js';
import { findLists } from '../lists/lists.repository.js';
import { toGlobalId } from '../nodes/global-id.js';
import { findTodos } from '../todos/todos.repository.js';
import { changedSince, lastPosition } from './sync-log.repository.js';

const badInput = (message: string, code = 'BAD_USER_INPUT') => new GraphQLError(message, { extensions: { code } });

/** A cursor: the log position, and when it was handed out (a cursor older than the log's retention is refused). */
const encodeCursor = (seq: number, issuedAt = Date.now()) =>
  Buffer.from(JSON.stringify(['sync', seq, issuedAt])).toString('base64url');

function decodeCursor(text: string): { seq: number; issuedAt: number } | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 3 || value[0] !== 'sync') return null;
    const [, seq, issuedAt] = value as unknown[];
    if (!Number.isSafeInteger(seq) || (seq as number) < 0) return null;
    if (!Number.isSafeInteger(issuedAt)) return null;
    return { seq: seq as number, issuedAt: issuedAt as number };
  } catch {
    return null;
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;

export const syncResolvers: Resolvers = {
  Query: {
    changesSince: async (_root, { cursor, first }, context) => {
      const { maxPageSize } = context.bounds;
      if (first == null) throw badInput(`Give "first": a page holds at most ${maxPageSize} changes.`);
      if (first < 1 || first > maxPageSize) throw badInput(`"first" must be from 1 to ${maxPageSize}.`);
      const { owner, db, budget, syncRetentionDays: retentionDays } = context;
      if (cursor == null) return { changes: [], cursor: encodeCursor(await lastPosition(db)), hasMore: false };
      const from = decodeCursor(cursor);
      if (!from) throw badInput('"cursor" is not a sync cursor from this server.');
      if (Date.now() - from.issuedAt > retentionDays * DAY_MS) {
        throw badInput(
          `This cursor is older than the ${retentionDays} days changes are kept (SYNC_RETENTION_DAYS): read everything again, then sync from a new cursor.`,
          'CURSOR_EXPIRED',
        );
      }
      if (owner === null) return { changes: [], cursor, hasMore: false };
      const { objects, more } = await budget.read(() => changedSince(db, owner, from.seq, first));
      const ids = (type: string) => objects.flatMap((object) => (object.type === type ? [object.id] : []));
      const [todos, lists] = await budget.read(() =>
        Promise.all([findTodos(db, owner, ids('Todo')), findLists(db, owner, ids('TodoList'), 'read')]),
      );
      const todoById = new Map(todos.map((todo) => [todo.id, todo]));
      const listById = new Map(lists.map((list) => [list.id, list]));
      const changes = objects.map(({ type, id }) => {
        const todo = type === 'Todo' ? todoById.get(id) : undefined;
        const list = type === 'TodoList' ? listById.get(id) : undefined;
        const gone = !todo && !list;
        return {
          todo: todo ?? null,
          list: list ?? null,
          removedType: gone ? type : null,
          removedId: gone ? (type === 'Todo' ? String(id) : toGlobalId('TodoList', id)) : null,
        };
      });
      // An empty page keeps the cursor, but renews when it was handed out.
      const last = objects.at(-1)?.seq ?? from.seq;
      return { changes, cursor: encodeCursor(last), hasMore: more };
    },
  },
};
