/**
 * Resolvers for the input-type and bulk todo mutations, and for a todo's `list`
 * and `owner`. Failures a user can cause come back in the payload as `Error`s
 * naming the input field they are about.
 */
import { GraphQLError } from 'graphql';
import type { GraphQLContext } from '../graphql/context.js';
import type { Resolvers } from '../graphql/resolvers-types.generated.js';
import { publishDeletedTodos, publishTodo } from '../changes/publish.js';
import { listsById } from '../lists/lists.repository.js';
import {
  createTodoItem,
  deleteTodos,
  updateTodos,
  type EditResult,
  type UpdatedTodos,
} from './todo-edits.repository.js';
import { parseListId } from '../nodes/global-id.js';
import { parseId } from './todo-id.js';
import {
  authenticationRequired,
  checkTodoInput,
  notFound,
  versionConflict,
  type InputError,
  type TodoChanges,
} from './todo-input.js';

/** Most ids one bulk operation takes. */
export const MAX_BULK = 100;

const today = () => new Date().toISOString().slice(0, 10);

/** Parses bulk ids, or says which are malformed or that there are too many. */
export function bulkIds(ids: readonly string[]): { ids: number[]; errors: InputError[] } {
  if (ids.length > MAX_BULK) {
    return { ids: [], errors: [{ message: `At most ${MAX_BULK} todos per call.`, code: 'TOO_MANY', field: 'todos' }] };
  }
  const parsed = ids.map((id) => parseId(id));
  const bad = ids.filter((_, i) => parsed[i] === null);
  if (bad.length > 0) return { ids: [], errors: bad.map((id) => notFound('todos', id)) };
  return { ids: [...new Set(parsed.filter((id) => id !== null))], errors: [] };
}

type Refused = Exclude<EditResult<unknown>, { ok: true }>;

/**
 * Why an edit was refused: the todos (named as `field`) or the list out of
 * reach, a version moved on, or a rule about where a todo may be.
 */
export function refusal(
  result: Refused,
  field: 'todo' | 'todos',
  list?: string | null,
  ifVersion?: number,
): InputError[] {
  if ('conflict' in result) return [versionConflict('todo', ifVersion ?? 0, result.conflict.version)];
  if ('invalid' in result) return [result.invalid];
  if (result.missing === 'list') return [notFound('list', list ?? '')];
  return result.missing.map((id) => notFound(field, String(id)));
}

async function bulkUpdate(context: GraphQLContext, todos: readonly string[], changes: TodoChanges, list?: string) {
  const { owner, db } = context;
  if (owner === null) return { status: false, errors: [authenticationRequired], todos: [] };
  const { ids, errors } = bulkIds(todos);
  if (errors.length > 0) return { status: false, errors, todos: [] };
  const result = await updateTodos(db, owner, ids, changes);
  if (!result.ok) return { status: false, errors: refusal(result, 'todos', list), todos: [] };
  await publishUpdated(context, result.value);
  return { status: true, errors: [], todos: result.value.todos };
}

/** The todos an update changed, subtasks that followed their parent included. */
const publishUpdated = (context: GraphQLContext, { todos, subtasks, previousLists }: UpdatedTodos) =>
  publishTodo(context, 'UPDATED', [...todos, ...subtasks], previousLists);

export const todoEditResolvers: Resolvers = {
  Mutation: {
    addTodo: async (_root, { input }, context) => {
      const { owner, db } = context;
      if (owner === null) return { status: false, errors: [authenticationRequired], todo: null };
      const { changes, errors } = checkTodoInput(input, 'create');
      if (errors.length > 0 || changes.description === undefined) return { status: false, errors, todo: null };
      const result = await createTodoItem(db, owner, {
        ...changes,
        description: changes.description,
        due_date: changes.due_date ?? today(),
      });
      if (!result.ok) return { status: false, errors: refusal(result, 'todo', input.list), todo: null };
      await publishTodo(context, 'CREATED', [result.value]);
      return { status: true, errors: [], todo: result.value };
    },

    updateTodo: async (_root, { todo, input, ifVersion }, context) => {
      const { owner, db } = context;
      if (owner === null) return { status: false, errors: [authenticationRequired], todo: null };
      const id = parseId(todo);
      if (id === null) return { status: false, errors: [notFound('todo', todo)], todo: null };
      const { changes, errors } = checkTodoInput(input, 'update');
      if (errors.length > 0) return { status: false, errors, todo: null };
      const result = await updateTodos(db, owner, [id], changes, ifVersion ?? undefined);
      if (!result.ok)
        return { status: false, errors: refusal(result, 'todo', input.list, ifVersion ?? undefined), todo: null };
      const [updated] = result.value.todos;
      if (!updated) return { status: false, errors: [notFound('todo', todo)], todo: null };
      await publishUpdated(context, result.value);
      return { status: true, errors: [], todo: updated };
    },

    completeTodos: (_root, { todos }, context) => bulkUpdate(context, todos, { completed: true }),
    reopenTodos: (_root, { todos }, context) => bulkUpdate(context, todos, { completed: false }),
    moveTodos: (_root, { todos, list }, context) => {
      const listId = parseListId(list);
      if (listId === null) return { status: false, errors: [notFound('list', list)], todos: [] };
      return bulkUpdate(context, todos, { listId }, list);
    },

    deleteTodos: async (_root, { todos }, context) => {
      const { owner, db } = context;
      if (owner === null) return { status: false, errors: [authenticationRequired], deletedIds: [] };
      const { ids, errors } = bulkIds(todos);
      if (errors.length > 0) return { status: false, errors, deletedIds: [] };
      const result = await deleteTodos(db, owner, ids);
      if (!result.ok) return { status: false, errors: refusal(result, 'todos'), deletedIds: [] };
      const { todos: deleted, subtasks } = result.value;
      await publishDeletedTodos(context, [...deleted, ...subtasks]);
      // The ids named: a client drops a deleted todo's subtasks with it.
      return { status: true, errors: [], deletedIds: deleted.map(({ id }) => String(id)) };
    },
  },

  Todo: {
    list: async (todo, _args, { loaders, db }) => {
      // The todo was read through the same access rule, so its list was readable
      // then; another user may have unshared it since, in the middle of this
      // request, and the reader still sees the list they just read the todo from.
      const list = (await loaders.list.load(todo.listId)) ?? (await listsById(db, [todo.listId]))[0];
      if (list) return list;
      throw new GraphQLError(`Todo ${todo.id}'s list was deleted while this request ran: ask again.`, {
        extensions: { code: 'CONFLICT' },
      });
    },
    owner: async (todo, _args, { loaders }) => (await loaders.user.load(todo.ownerId)) ?? null,
  },
};
