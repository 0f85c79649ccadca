/** Resolvers for pages of todos: `Query.allTodos`, `TodoList.todos` and a connection's `totalCount`. */
import type { Resolvers } from '../graphql/resolvers-types.generated.js';
import { pageOfTodos, type TodoPage } from './todo-pages.js';

const EMPTY: TodoPage = {
  edges: [],
  pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
  totalCount: () => Promise.resolve(0),
};

export const todoPageResolvers: Resolvers = {
  Query: {
    allTodos: (_root, args, context) => (context.owner === null ? EMPTY : pageOfTodos(context, context.owner, args)),
  },
  TodoList: {
    // The list was read through the access rule, so the caller may read its todos.
    todos: (list, args, context) =>
      context.owner === null ? EMPTY : pageOfTodos(context, context.owner, args, list.id),
  },
  TodoConnection: {
    // Read through the request's budget, like the page itself.
    totalCount: (connection) => connection.totalCount(),
  },
};
