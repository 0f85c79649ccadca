/** Resolvers for subtasks and manual order: `Todo.parent`, `Todo.subtasks` and `moveTodo`. */
import { publishTodo } from '../changes/publish.js';
import type { Resolvers } from '../graphql/resolvers-types.generated.js';
import { refusal } from '../todos/todo-edits.resolvers.js';
import { parseId } from '../todos/todo-id.js';
import { authenticationRequired, notFound, type InputError } from '../todos/todo-input.js';
import { pageOfTodos } from '../todos/todo-pages.js';
import { placeTodo, type Anchor } from './placement.js';

const refused = (errors: InputError[]) => ({ status: false, errors, todo: null });

/** The one anchor of `before` and `after`, or why there is not exactly one. */
function anchorOf(before: string | null | undefined, after: string | null | undefined): Anchor | InputError {
  if ((before == null) === (after == null)) {
    return { message: 'Give exactly one of "before" and "after".', code: 'INVALID_POSITION', field: null };
  }
  const side = before != null ? 'before' : 'after';
  const text = before ?? after ?? '';
  const id = parseId(text);
  return id === null ? notFound(side, text) : { side, id };
}

export const subtaskResolvers: Resolvers = {
  Todo: {
    // A parent is in its subtask's list, so whoever read the subtask may read it.
    parent: async (todo, _args, { loaders }) =>
      todo.parentId === null ? null : ((await loaders.todo.load(todo.parentId)) ?? null),
    subtasks: (todo, { first, after }, context) =>
      pageOfTodos(
        context,
        context.owner ?? 0,
        { first, after, orderBy: { field: 'POSITION' }, filter: { parentId: todo.id } },
        todo.listId,
      ),
  },

  Mutation: {
    moveTodo: async (_root, { todo, before, after, ifVersion }, context) => {
      const { owner, db } = context;
      if (owner === null) return refused([authenticationRequired]);
      const id = parseId(todo);
      if (id === null) return refused([notFound('todo', todo)]);
      const anchor = anchorOf(before, after);
      if ('code' in anchor) return refused([anchor]);
      const result = await placeTodo(db, owner, id, anchor, ifVersion ?? undefined);
      if (!result.ok) return refused(refusal(result, 'todo', null, ifVersion ?? undefined));
      await publishTodo(context, 'UPDATED', [result.value.todo, ...result.value.respaced]);
      return { status: true, errors: [], todo: result.value.todo };
    },
  },
};
