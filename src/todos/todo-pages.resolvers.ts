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
    allTodos: (_root, args, { db, owner, maxPageSize }) =>
      owner === null ? EMPTY : pageOfTodos(db, owner, args, maxPageSize),
  },
  TodoList: {
    // The list was read through the access rule, so the caller may read its todos.
    todos: (list, args, { db, owner, maxPageSize }) =>
      owner === null ? EMPTY : pageOfTodos(db, owner, args, maxPageSize, list.id),
  },
  TodoConnection: {
    totalCount: (connection) => connection.totalCount(),
  },
};
