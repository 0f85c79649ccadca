/**
 * Announcing changes after a mutation succeeded: to subscribers, and to the
 * response cache, which forgets what the change's audience had cached. Who may
 * read a list is read now, so it is who may read it at the moment of the change;
 * the list itself is read once here, not once per subscriber.
 */
import type { GraphQLContext } from '../graphql/context.js';
import { listAudience, listsById, membershipsOf, type ListRecord } from '../lists/lists.repository.js';
import type { TodoRecord } from '../todos/todo.js';
import type { ChangeEvent, ChangeKind } from './change-bus.js';

type Publisher = Pick<GraphQLContext, 'db' | 'changes' | 'responseCache'>;

/**
 * Whether anyone needs a change's audience. Without subscribers or a response
 * cache nobody does, and mutations skip reading it.
 */
export const isWatched = (context: Publisher): boolean =>
  context.changes.hasSubscribers || context.responseCache !== undefined;

/** Publishes `changes`; returns once the response cache has forgotten their audiences' results. */
async function announce(context: Publisher, changes: readonly ChangeEvent[]): Promise<void> {
  for (const change of changes) context.changes.publish(change);
  await context.responseCache?.invalidate(changes.flatMap((change) => change.audience));
}

interface Listed {
  readonly list: ListRecord | null;
  /** The list's owner and members. */
  readonly readers: number[];
}

/** Each list and its readers, in two queries however many lists a bulk change touches. */
async function lists(context: Publisher, listIds: readonly number[]): Promise<Map<number, Listed>> {
  const ids = [...new Set(listIds)];
  const [records, members] = await Promise.all([listsById(context.db, ids), membershipsOf(context.db, ids)]);
  const byList = new Map<number, Listed>(ids.map((id) => [id, { list: null, readers: [] }]));
  for (const list of records) byList.set(list.id, { list, readers: [list.ownerId] });
  for (const { listId, userId } of members) byList.get(listId)?.readers.push(userId);
  return byList;
}

/**
 * Todos created or changed. `previousLists` gives the list each todo was in
 * before, when it may have moved: the readers of a todo's old list hear that it
 * left (without seeing it), and nobody hears about a todo outside the lists they read.
 */
export async function publishTodo(
  context: Publisher,
  kind: ChangeKind,
  todos: readonly TodoRecord[],
  previousLists: ReadonlyMap<number, number> = new Map(),
): Promise<void> {
  if (!isWatched(context)) return;
  const byList = await lists(context, [...todos.map((todo) => todo.listId), ...previousLists.values()]);
  await announce(
    context,
    todos.map((todo) => {
      const before = previousLists.get(todo.id);
      const previousListId = before === undefined || before === todo.listId ? null : before;
      const { list = null, readers = [] } = byList.get(todo.listId) ?? {};
      const left = previousListId === null ? [] : (byList.get(previousListId)?.readers ?? []);
      return {
        kind,
        todo,
        todoId: todo.id,
        list,
        listId: todo.listId,
        previousListId,
        audience: [...readers, ...left],
        readers,
      };
    }),
  );
}

/** Todos deleted: `deleted` pairs each todo id with the list it was in (which still exists). */
export async function publishDeletedTodos(
  context: Publisher,
  deleted: readonly { readonly id: number; readonly listId: number }[],
): Promise<void> {
  if (!isWatched(context)) return;
  const byList = await lists(
    context,
    deleted.map(({ listId }) => listId),
  );
  await announce(
    context,
    deleted.map(({ id, listId }) => {
      const { list = null, readers = [] } = byList.get(listId) ?? {};
      return {
        kind: 'DELETED',
        todo: null,
        todoId: id,
        list,
        listId,
        previousListId: null,
        audience: readers,
        readers,
      };
    }),
  );
}

/** A list deleted: its audience must be read before the deletion, which takes the members with it. */
export function publishDeletedList(context: Publisher, listId: number, audience: readonly number[]): Promise<void> {
  const change = { kind: 'DELETED', todo: null, todoId: null, list: null, listId, previousListId: null } as const;
  return announce(context, [{ ...change, audience: [...audience], readers: [] }]);
}

/** A list created, renamed or (un)shared; `removed` (a member just removed) hears it too, without seeing it. */
export async function publishList(
  context: Publisher,
  kind: ChangeKind,
  list: ListRecord,
  removed: readonly number[] = [],
): Promise<void> {
  if (!isWatched(context)) return;
  const readers = await listAudience(context.db, [list.id]);
  const change = { kind, todo: null, todoId: null, list, listId: list.id, previousListId: null } as const;
  await announce(context, [{ ...change, audience: [...readers, ...removed], readers }]);
}
