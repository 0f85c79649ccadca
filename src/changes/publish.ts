/**
 * Announcing changes after a mutation succeeded: to subscribers, and to the
 * response cache, which forgets what the change's audience had cached. The
 * audience is read now, so it is who may read the list at the moment of the change.
 */
import type { GraphQLContext } from '../graphql/context.js';
import { listAudience, type ListRecord } from '../lists/lists.repository.js';
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

/** Each list's audience, read once however many todos of a bulk change it holds. */
async function audiences(context: Publisher, listIds: readonly number[]): Promise<Map<number, number[]>> {
  const byList = new Map<number, number[]>();
  for (const listId of new Set(listIds)) byList.set(listId, await listAudience(context.db, [listId]));
  return byList;
}

/**
 * Todos created or changed. `previousLists` gives the list each todo was in
 * before, when it may have moved: the readers of a todo's old list hear that it
 * left, and nobody hears about a todo outside the lists they read.
 */
export async function publishTodo(
  context: Publisher,
  kind: ChangeKind,
  todos: readonly TodoRecord[],
  previousLists: ReadonlyMap<number, number> = new Map(),
): Promise<void> {
  if (!isWatched(context)) return;
  const byList = await audiences(context, [...todos.map((todo) => todo.listId), ...previousLists.values()]);
  await announce(
    context,
    todos.map((todo) => {
      const before = previousLists.get(todo.id);
      const previousListId = before === undefined || before === todo.listId ? null : before;
      const audience = [
        ...(byList.get(todo.listId) ?? []),
        ...(previousListId === null ? [] : (byList.get(previousListId) ?? [])),
      ];
      return { kind, todo, todoId: todo.id, listId: todo.listId, previousListId, audience };
    }),
  );
}

/** Todos deleted: `deleted` pairs each todo id with the list it was in (which still exists). */
export async function publishDeletedTodos(
  context: Publisher,
  deleted: readonly { readonly id: number; readonly listId: number }[],
): Promise<void> {
  if (!isWatched(context)) return;
  const byList = await audiences(
    context,
    deleted.map(({ listId }) => listId),
  );
  await announce(
    context,
    deleted.map(({ id, listId }) => {
      const audience = byList.get(listId) ?? [];
      return { kind: 'DELETED', todo: null, todoId: id, listId, previousListId: null, audience };
    }),
  );
}

/** A list deleted: its audience must be read before the deletion, which takes the members with it. */
export function publishDeletedList(context: Publisher, listId: number, audience: readonly number[]): Promise<void> {
  return announce(context, [{ kind: 'DELETED', todo: null, todoId: null, listId, previousListId: null, audience }]);
}

/** A list created, renamed or (un)shared; `extraAudience` hears it too (a member just removed). */
export async function publishList(
  context: Publisher,
  kind: ChangeKind,
  list: ListRecord,
  extraAudience: readonly number[] = [],
): Promise<void> {
  if (!isWatched(context)) return;
  const audience = [...(await listAudience(context.db, [list.id])), ...extraAudience];
  await announce(context, [{ kind, todo: null, todoId: null, listId: list.id, previousListId: null, audience }]);
}
