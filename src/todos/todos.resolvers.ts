/**
 * Resolvers for the tutorial's Todo API. Failures a client can cause (unknown id,
 * bad date) are answered in the payload as `success: false` with the tutorial's
 * messages; only unexpected faults become GraphQL errors.
 */
import { publishDeletedTodos, publishTodo } from '../changes/publish.js';
import type { Resolvers } from '../graphql/resolvers-types.generated.js';
import { parseDueDate } from './due-date.js';
import { todoMessages } from './messages.js';
import { parseTodoId } from './todo-id.js';
import { descriptionProblem } from './todo-input.js';
import {
  answerBytes,
  deleteTodo,
  findTodo,
  insertTodo,
  listTodos,
  markTodoDone,
  setTodoDueDate,
} from './todos.repository.js';

const failure = (message: string) => ({ success: false, errors: [message], todo: null });

export const todoResolvers: Resolvers = {
  Query: {
    async todos(_root, _args, { db, owner, bounds, budget }) {
      if (owner === null) return { success: false, errors: [todoMessages.authenticationRequired], todos: null };
      // One more than the cap, to know whether there are more.
      const todos = await budget.read(() => listTodos(db, owner, bounds.maxUnpagedTodos + 1));
      if (todos.length > bounds.maxUnpagedTodos) {
        return { success: false, errors: [todoMessages.tooManyTodos(bounds.maxUnpagedTodos)], todos: null };
      }
      budget.spend(answerBytes(todos));
      return { success: true, errors: null, todos };
    },

    async todo(_root, { todoId }, { db, owner }) {
      if (owner === null) return failure(todoMessages.authenticationRequired);
      const id = parseTodoId(todoId);
      const todo = id === null ? undefined : await findTodo(db, owner, id);
      return todo ? { success: true, errors: null, todo } : failure(todoMessages.itemNotFound(todoId));
    },
  },

  Mutation: {
    async createTodo(_root, { description, dueDate }, context) {
      const { db, owner } = context;
      if (owner === null) return failure(todoMessages.authenticationRequired);
      const dueOn = parseDueDate(dueDate);
      if (dueOn === null) return failure(todoMessages.badDate);
      const problem = descriptionProblem(description);
      if (problem !== null) return failure(problem);
      const todo = await insertTodo(db, owner, { description, dueOn });
      await publishTodo(context, 'CREATED', [todo]);
      return { success: true, errors: null, todo };
    },

    async markDone(_root, { todoId }, context) {
      const { db, owner } = context;
      if (owner === null) return failure(todoMessages.authenticationRequired);
      const id = parseTodoId(todoId);
      const done = id === null ? undefined : await markTodoDone(db, owner, id);
      if (!done) return failure(todoMessages.wasNotFound(todoId));
      await publishTodo(context, 'UPDATED', [done.todo, ...done.subtasks]);
      return { success: true, errors: null, todo: done.todo };
    },

    async updateDueDate(_root, { todoId, newDate }, context) {
      const { db, owner } = context;
      if (owner === null) return failure(todoMessages.authenticationRequired);
      const id = parseTodoId(todoId);
      const notFound = failure(todoMessages.notFound(String(todoId ?? null)));
      if (id === null) return notFound;
      const dueOn = parseDueDate(newDate);
      if (dueOn === null) return (await findTodo(db, owner, id)) ? failure(todoMessages.badDate) : notFound;
      const todo = await setTodoDueDate(db, owner, id, dueOn);
      if (!todo) return notFound;
      await publishTodo(context, 'UPDATED', [todo]);
      return { success: true, errors: null, todo };
    },

    async deleteTodo(_root, { todoId }, context) {
      const { db, owner } = context;
      if (owner === null) {
        return { success: false, errors: [todoMessages.authenticationRequired], deletedId: null };
      }
      const id = parseTodoId(todoId);
      const deleted = id === null ? undefined : await deleteTodo(db, owner, id);
      if (!deleted || id === null) return { success: false, errors: [todoMessages.notFound(todoId)], deletedId: null };
      await publishDeletedTodos(context, [
        { id, listId: deleted.todo.listId },
        ...deleted.subtasks.map((subtask) => ({ id: subtask.id, listId: subtask.listId })),
      ]);
      return { success: true, errors: null, deletedId: String(id) };
    },
  },
};
