/**
 * Resolvers for the tutorial's Todo API. Failures a client can cause (unknown id,
 * bad date) are answered in the payload as `success: false` with the tutorial's
 * messages; only unexpected faults become GraphQL errors.
 */
import type { Resolvers } from '../graphql/resolvers-types.generated.js';
import { parseDueDate } from './due-date.js';
import { todoMessages } from './messages.js';
import { parseTodoId } from './todo-id.js';
import { deleteTodo, findTodo, insertTodo, listTodos, markTodoDone, setTodoDueDate } from './todos.repository.js';

const failure = (message: string) => ({ success: false, errors: [message], todo: null });

export const todoResolvers: Resolvers = {
  Query: {
    async todos(_root, _args, { db, owner }) {
      if (owner === null) return { success: false, errors: [todoMessages.authenticationRequired], todos: null };
      return { success: true, errors: null, todos: await listTodos(db, owner) };
    },

    async todo(_root, { todoId }, { db, owner }) {
      if (owner === null) return failure(todoMessages.authenticationRequired);
      const id = parseTodoId(todoId);
      const todo = id === null ? undefined : await findTodo(db, owner, id);
      return todo ? { success: true, errors: null, todo } : failure(todoMessages.itemNotFound(todoId));
    },
  },

  Mutation: {
    async createTodo(_root, { description, dueDate }, { db, owner }) {
      if (owner === null) return failure(todoMessages.authenticationRequired);
      const dueOn = parseDueDate(dueDate);
      if (dueOn === null) return failure(todoMessages.badDate);
      return { success: true, errors: null, todo: await insertTodo(db, owner, { description, dueOn }) };
    },

    async markDone(_root, { todoId }, { db, owner }) {
      if (owner === null) return failure(todoMessages.authenticationRequired);
      const id = parseTodoId(todoId);
      const todo = id === null ? undefined : await markTodoDone(db, owner, id);
      return todo ? { success: true, errors: null, todo } : failure(todoMessages.wasNotFound(todoId));
    },

    async updateDueDate(_root, { todoId, newDate }, { db, owner }) {
      if (owner === null) return failure(todoMessages.authenticationRequired);
      const id = parseTodoId(todoId);
      const notFound = failure(todoMessages.notFound(String(todoId ?? null)));
      if (id === null) return notFound;
      const dueOn = parseDueDate(newDate);
      if (dueOn === null) return (await findTodo(db, owner, id)) ? failure(todoMessages.badDate) : notFound;
      const todo = await setTodoDueDate(db, owner, id, dueOn);
      return todo ? { success: true, errors: null, todo } : notFound;
    },

    async deleteTodo(_root, { todoId }, { db, owner }) {
      if (owner === null) return { success: false, errors: [todoMessages.authenticationRequired] };
      const id = parseTodoId(todoId);
      const deleted = id !== null && (await deleteTodo(db, owner, id));
      return deleted ? { success: true, errors: null } : { success: false, errors: [todoMessages.notFound(todoId)] };
    },
  },
};
