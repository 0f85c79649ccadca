/**
 * Announcing changes after a mutation succeeded. The audience is read now, so
 * it is who may read the list at the moment of the change.
 */
import type { GraphQLContext } from '../graphql/context.js';
import { listAudience, type ListRecord } from '../lists/lists.repository.js';
import type { TodoRecord } from '../todos/todo.js';
import type { ChangeKind } from './change-bus.js';

type Publisher = Pick<GraphQLContext, 'db' | 'changes'>;

/** Each list's audience, read once however many todos of a bulk change it holds. */
async function audiences(context: Publisher, listIds: readonly number[]): Promise<Map<number, number[]>> {
  const byList = new Map<number, number[]>();
  for (const listId of new Set(listIds)) byList.set(listId, await listAudience(context.db, [listId]));
  return byList;
}

/** Todos created or changed; `previousListIds` are lists they left (a move), whose readers hear it too. */
export async function publishTodo(
  context: Publisher,
  kind: ChangeKind,
  todos: readonly TodoRecord[],
  previousListIds: readonly number[] = [],
): Promise<void> {
  if (!context.changes.hasSubscribers) return;
  const byList = await audiences(context, [...todos.map((todo) => todo.listId), ...previousListIds]);
  const left = previousListIds.flatMap((listId) => byList.get(listId) ?? []);
  for (const todo of todos) {
    const audience = [...(byList.get(todo.listId) ?? []), ...left];
    context.changes.publish({ kind, todo, todoId: todo.id, list: null, listId: todo.listId, audience });
  }
}

/** Todos deleted: `deleted` pairs each todo id with the list it was in (which still exists). */
export async function publishDeletedTodos(
  context: Publisher,
  deleted: readonly { readonly id: number; readonly listId: number }[],
): Promise<void> {
  if (!context.changes.hasSubscribers) return;
  const byList = await audiences(
    context,
    deleted.map(({ listId }) => listId),
  );
  for (const { id, listId } of deleted) {
    const audience = byList.get(listId) ?? [];
    context.changes.publish({ kind: 'DELETED', todo: null, todoId: id, list: null, listId, audience });
  }
}

/** A list deleted: its audience must be read before the deletion, which takes the members with it. */
export function publishDeletedList(context: Publisher, listId: number, audience: readonly number[]): void {
  context.changes.publish({ kind: 'DELETED', todo: null, todoId: null, list: null, listId, audience });
}

/** A list created, renamed or (un)shared; `extraAudience` hears it too (a member just removed). */
export async function publishList(
  context: Publisher,
  kind: ChangeKind,
  list: ListRecord,
  extraAudience: readonly number[] = [],
): Promise<void> {
  if (!context.changes.hasSubscribers) return;
  const audience = [...(await listAudience(context.db, [list.id])), ...extraAudience];
  context.changes.publish({ kind, todo: null, todoId: null, list, listId: list.id, audience });
}
