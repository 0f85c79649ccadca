/** Subtasks and manual order through the API, as subtasks.test.ts and manual-order.test.ts use them. */
import assert from 'node:assert/strict';
import type { Caller } from './accounts.js';

export interface Todo {
  id: string;
  description: string;
  completed: boolean;
  version: number;
  position: string;
  parent: { id: string } | null;
  list: { id: string };
}
export interface Payload {
  status: boolean;
  errors: { code: string; field: string | null; message: string }[];
  todo: Todo | null;
}

export const TODO = 'id description completed version position parent { id } list { id }';
export const ADD = `mutation ($input: TodoInput!) { addTodo(input: $input) { status errors { code field message } todo { ${TODO} } } }`;
export const UPDATE = `mutation ($todo: ID!, $input: TodoInput!) {
  updateTodo(todo: $todo, input: $input) { status errors { code field message } todo { ${TODO} } }
}`;
export const MOVE = `mutation ($todo: ID!, $before: ID, $after: ID, $ifVersion: Int) {
  moveTodo(todo: $todo, before: $before, after: $after, ifVersion: $ifVersion) {
    status errors { code field message } todo { ${TODO} }
  }
}`;
export const TOP_LEVEL = `query ($list: ID!) {
  list(id: $list) {
    todos(first: 100, filter: { isSubtask: false }, orderBy: { field: POSITION }) { edges { node { description } } }
  }
}`;
export const SUBTASKS = `query ($id: ID!) {
  todo(todoId: $id) { todo { subtasks(first: 100) { edges { node { ${TODO} } } pageInfo { hasNextPage } } } }
}`;

export async function add(as: Caller, input: Record<string, unknown>): Promise<Todo> {
  const { addTodo } = await as<{ addTodo: Payload }>(ADD, { input });
  assert.ok(addTodo.todo, JSON.stringify(addTodo.errors));
  return addTodo.todo;
}

export async function newList(as: Caller, name: string): Promise<string> {
  const { createList } = await as<{ createList: { list: { id: string } } }>(
    'mutation ($name: String) { createList(input: { name: $name }) { list { id } } }',
    { name },
  );
  return createList.list.id;
}

export const order = async (as: Caller, list: string): Promise<string[]> =>
  (
    await as<{ list: { todos: { edges: { node: { description: string } }[] } } }>(TOP_LEVEL, { list })
  ).list.todos.edges.map(({ node }) => node.description);

export const subtasksOf = async (as: Caller, id: string): Promise<Todo[]> =>
  (
    await as<{ todo: { todo: { subtasks: { edges: { node: Todo }[] } } | null } }>(SUBTASKS, { id })
  ).todo.todo?.subtasks.edges.map(({ node }) => node) ?? [];

export const codes = (payload: { errors: { code: string; field: string | null }[] }) =>
  payload.errors.map(({ code, field }) => `${code}:${field}`);
