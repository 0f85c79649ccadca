/**
 * The normalized cache (urql's Graphcache) and how each write reaches it.
 *
 * Objects are keyed by id, so a changed todo or list returned by a mutation or
 * carried by a live `changes` event updates every screen that shows it. What
 * an object alone cannot say (which page a todo now belongs on, a list's
 * counts, the lists a user has) is invalidated instead, and the screens that
 * show it read it again: one rule for the user's own writes and everyone
 * else's, which keeps filtered and sorted pages exactly as the server sees them.
 */
import { cacheExchange, type Cache } from '@urql/exchange-graphcache';

/** The keys of every list the cache knows, from `lists` and from `list(id)`. */
function knownLists(cache: Cache): string[] {
  const keys = new Set<string>();
  for (const field of cache.inspectFields('Query')) {
    if (field.fieldName !== 'lists' && field.fieldName !== 'list') continue;
    const value = cache.resolve('Query', field.fieldName, field.arguments ?? undefined);
    for (const key of Array.isArray(value) ? value : [value]) if (typeof key === 'string') keys.add(key);
  }
  return [...keys];
}

/** Every page of todos and every list's counts are read again where shown. */
function refreshTodos(cache: Cache): void {
  for (const list of knownLists(cache)) {
    for (const field of cache.inspectFields(list)) {
      if (field.fieldName === 'todos' || field.fieldName === 'openCount' || field.fieldName === 'doneCount')
        cache.invalidate(list, field.fieldName, field.arguments ?? undefined);
    }
  }
}

function refreshLists(cache: Cache): void {
  cache.invalidate('Query', 'lists');
}

interface Payload {
  readonly status?: boolean;
}

/** Runs `update` for a payload that says the change was made. */
function onSuccess(update: (cache: Cache, result: Payload & Record<string, unknown>) => void) {
  return (result: Record<string, unknown>, _args: unknown, cache: Cache, info: { fieldName: string }) => {
    const payload = result[info.fieldName] as (Payload & Record<string, unknown>) | null;
    if (payload?.status) update(cache, payload);
  };
}

interface ChangeEvent {
  readonly kind: 'CREATED' | 'UPDATED' | 'DELETED' | 'SHARED' | 'UNSHARED';
  readonly todoId: string | null;
  readonly listId: string;
  readonly deletedType: string | null;
  readonly deletedId: string | null;
  readonly todo: unknown;
  readonly list: unknown;
}

function applyChange(cache: Cache, change: ChangeEvent): void {
  if (change.kind === 'DELETED' && change.deletedType && change.deletedId)
    cache.invalidate({ __typename: change.deletedType, id: change.deletedId });
  if (change.todoId === null) {
    // A list: created, renamed, deleted, shared or unshared.
    refreshLists(cache);
    if (change.list === null) cache.invalidate({ __typename: 'TodoList', id: change.listId });
    else cache.invalidate({ __typename: 'TodoList', id: change.listId }, 'members');
    return;
  }
  refreshTodos(cache);
}

/** A cache of its own for each client: a new session starts from nothing. */
export const createCache = () =>
  cacheExchange({
    // Types without an id live inside the object that holds them.
    keys: {
      Change: () => null,
      Error: () => null,
      ListMember: () => null,
      LoginPayload: () => null,
      PageInfo: () => null,
      TodoConnection: () => null,
      TodoEdge: () => null,
      TodoListPayload: () => null,
      DeleteTodoListPayload: () => null,
      TodoPayload: () => null,
      BulkTodosPayload: () => null,
      DeleteTodosPayload: () => null,
      HistoryConnection: () => null,
      HistoryEdge: () => null,
      FieldChange: () => null,
      LabelPayload: () => null,
      DeleteLabelPayload: () => null,
      Recurrence: () => null,
    },
    updates: {
      Mutation: {
        addTodo: onSuccess(refreshTodos),
        updateTodo: onSuccess(refreshTodos),
        completeTodos: onSuccess(refreshTodos),
        reopenTodos: onSuccess(refreshTodos),
        moveTodos: onSuccess(refreshTodos),
        moveTodo: onSuccess(refreshTodos),
        deleteTodos: onSuccess((cache, payload) => {
          for (const id of payload.deletedIds as string[]) cache.invalidate({ __typename: 'Todo', id });
          refreshTodos(cache);
        }),
        labelTodos: onSuccess(refreshTodos),
        unlabelTodos: onSuccess(refreshTodos),
        createLabel: onSuccess((cache) => cache.invalidate('Query', 'labels')),
        deleteLabel: onSuccess((cache, payload) => {
          cache.invalidate({ __typename: 'Label', id: payload.deletedId as string });
          cache.invalidate('Query', 'labels');
          refreshTodos(cache);
        }),
        createList: onSuccess(refreshLists),
        deleteList: onSuccess((cache, payload) => {
          cache.invalidate({ __typename: 'TodoList', id: payload.deletedId as string });
          refreshLists(cache);
        }),
      },
      Subscription: {
        changes: (result, _args, cache) => applyChange(cache, result.changes as ChangeEvent),
      },
    },
  });
