/**
 * Resolvers for history: `Todo.history`, `TodoList.activity` and the entries.
 * Pages are loaded per request through DataLoader, so a page of todos that
 * each ask for their history costs one statement, not one per todo.
 */
import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import type { GraphQLContext } from '../graphql/context.js';
import type { Resolvers } from '../graphql/resolvers-types.generated.js';
import { parseGlobalIdOf, toGlobalId } from '../nodes/global-id.js';
import type { ChangedField } from './field-changes.js';
import { listActivity, todoHistory, type HistoryPageArgs, type HistoryRecord } from './history.repository.js';

const badPage = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

function pageArgs(context: GraphQLContext, first: number | null | undefined, after: string | null | undefined) {
  const { maxPageSize } = context.bounds;
  if (first == null) throw badPage(`Give "first": pages hold at most ${maxPageSize} entries.`);
  if (first < 0 || first > maxPageSize) throw badPage(`"first" must be from 0 to ${maxPageSize}.`);
  const beforeId = after == null ? undefined : parseGlobalIdOf('HistoryEntry', after);
  if (beforeId === null) throw badPage('"after" is not a history cursor from this server.');
  return { first, beforeId };
}

type Load = (args: HistoryPageArgs, ids: readonly number[]) => Promise<Map<number, HistoryRecord[]>>;

/**
 * One DataLoader per request, kind and page arguments: the todos of a page ask
 * with the same arguments, and are read together. Nothing is kept between
 * batches, so a subscription's context reads entries as they are when it asks.
 */
const loaders = new WeakMap<object, Map<string, DataLoader<number, HistoryRecord[]>>>();

function loadPage(context: GraphQLContext, kind: string, load: Load, id: number, args: HistoryPageArgs) {
  let byArgs = loaders.get(context);
  if (!byArgs) loaders.set(context, (byArgs = new Map<string, DataLoader<number, HistoryRecord[]>>()));
  const key = `${kind}:${args.first}:${args.beforeId ?? ''}`;
  let loader = byArgs.get(key);
  if (!loader) {
    loader = new DataLoader(
      async (ids) => {
        const pages = await context.budget.read(() => load(args, ids));
        return ids.map((one) => pages.get(one) ?? []);
      },
      { cache: false },
    );
    byArgs.set(key, loader);
  }
  return loader.load(id);
}

function connection(entries: readonly HistoryRecord[], { first }: HistoryPageArgs) {
  const edges = entries.slice(0, first).map((node) => ({ cursor: toGlobalId('HistoryEntry', node.id), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: entries.length > first,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

export const historyResolvers: Resolvers = {
  Todo: {
    history: async (todo, { first, after }, context) => {
      const args = pageArgs(context, first, after);
      const { owner, db } = context;
      if (owner === null) return connection([], args);
      const entries = await loadPage(context, 'todo', (page, ids) => todoHistory(db, owner, ids, page), todo.id, args);
      return connection(entries, args);
    },
  },
  TodoList: {
    // The list was read through the access rule, so the caller may read its activity.
    activity: async (list, { first, after }, context) => {
      const args = pageArgs(context, first, after);
      const entries = await loadPage(
        context,
        'list',
        (page, ids) => listActivity(context.db, ids, page),
        list.id,
        args,
      );
      return connection(entries, args);
    },
  },
  HistoryEntry: {
    // Unique across types like every id (global-id.ts), and the entry's cursor too.
    id: (entry) => toGlobalId('HistoryEntry', entry.id),
    actor: async (entry, _args, { loaders: batch }) => (await batch.user.load(entry.actorId)) ?? null,
    member: async (entry, _args, { loaders: batch }) =>
      entry.memberId === null ? null : ((await batch.user.load(entry.memberId)) ?? null),
    todoId: (entry) => (entry.todoId === null ? null : String(entry.todoId)),
    listId: (entry) => toGlobalId('TodoList', entry.listId),
    list: async (entry, _args, { loaders: batch }) => (await batch.list.load(entry.listId)) ?? null,
    previousListId: async (entry, _args, { loaders: batch }) =>
      entry.previousListId !== null && (await batch.list.load(entry.previousListId))
        ? toGlobalId('TodoList', entry.previousListId)
        : null,
    changes: async (entry, _args, { loaders: batch }) => {
      // A move: what the todo was in a list the caller cannot read (or one since
      // deleted), or became in one, is not theirs to see; those sides read as null.
      const moved = entry.changes.some(([field, from, to]) => field === 'list' && from !== null && to !== null);
      if (!moved) return [...entry.changes];
      const [from, to] = await Promise.all([
        entry.previousListId === null ? undefined : batch.list.load(entry.previousListId),
        batch.list.load(entry.listId),
      ]);
      if (from && to) return [...entry.changes];
      return entry.changes.flatMap(([field, oldValue, newValue]): ChangedField[] => {
        const seen = [field, from ? oldValue : null, to ? newValue : null] as const;
        return seen[1] === null && seen[2] === null ? [] : [seen];
      });
    },
  },
  FieldChange: {
    field: ([field]) => field,
    oldValue: ([, oldValue]) => oldValue,
    newValue: ([, , newValue]) => newValue,
  },
};
