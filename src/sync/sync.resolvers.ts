/**
 * `changesSince`: the objects that changed for the caller after a cursor, read
 * from the sync log, each resolved as the caller may see it now.
 */
import { GraphQLError } from 'graphql';
import type { Resolvers } from '../graphql/resolvers-types.generated.js';
import { findLists } from '../lists/lists.repository.js';
import { toGlobalId } from '../nodes/global-id.js';
import { findTodos } from '../todos/todos.repository.js';
import { changedSince, lastPosition, prunedThrough } from './sync-log.repository.js';

const badInput = (message: string, code = 'BAD_USER_INPUT') => new GraphQLError(message, { extensions: { code } });

/** A cursor: a position in the sync log. */
const encodeCursor = (seq: number) => Buffer.from(JSON.stringify(['sync', seq])).toString('base64url');

function decodeCursor(text: string): number | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2 || value[0] !== 'sync') return null;
    const seq: unknown = value[1];
    return typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0 ? seq : null;
  } catch {
    return null;
  }
}

export const syncResolvers: Resolvers = {
  Query: {
    changesSince: async (_root, { cursor, first }, context) => {
      const { maxPageSize } = context.bounds;
      if (first == null) throw badInput(`Give "first": a page holds at most ${maxPageSize} changes.`);
      if (first < 1 || first > maxPageSize) throw badInput(`"first" must be from 1 to ${maxPageSize}.`);
      const { owner, db, budget, syncRetentionDays } = context;
      if (cursor == null) return { changes: [], cursor: encodeCursor(await lastPosition(db)), hasMore: false };
      const from = decodeCursor(cursor);
      if (from === null) throw badInput('"cursor" is not a sync cursor from this server.');
      if (from < (await prunedThrough(db))) {
        throw badInput(
          `Changes after this cursor are older than the ${syncRetentionDays} days they are kept (SYNC_RETENTION_DAYS): read everything again, then sync from a new cursor.`,
          'CURSOR_EXPIRED',
        );
      }
      if (owner === null) return { changes: [], cursor, hasMore: false };
      const { objects, through, more } = await budget.read(() => changedSince(db, owner, from, first));
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
      return { changes, cursor: encodeCursor(through), hasMore: more };
    },
  },
};
