/** Talking to the labels API as a client would, for the labels suites. */
import assert from 'node:assert/strict';
import type { Caller } from './accounts.js';

export interface Label {
  id: string;
  name: string;
  color: string;
  owner: { username: string } | null;
}
export interface PayloadError {
  code: string;
  field: string | null;
}
export interface LabelPayload {
  status: boolean;
  errors: PayloadError[];
  label: Label | null;
}
export interface LabelledTodo {
  id: string;
  version: number;
  labels: Label[];
}
export interface BulkPayload {
  status: boolean;
  errors: PayloadError[];
  todos: LabelledTodo[];
}

export const LABEL = 'id name color owner { username }';
export const CREATE = `mutation ($input: LabelInput!) { createLabel(input: $input) { status errors { code field } label { ${LABEL} } } }`;
export const UPDATE = `mutation ($label: ID!, $input: LabelInput!) {
  updateLabel(label: $label, input: $input) { status errors { code field } label { ${LABEL} } }
}`;
export const DELETE = `mutation ($label: ID!) { deleteLabel(label: $label) { status errors { code field } deletedId } }`;
export const TODO = `id version labels { ${LABEL} }`;
export const ATTACH = `mutation ($todos: [ID!]!, $labels: [ID!]!) {
  labelTodos(todos: $todos, labels: $labels) { status errors { code field } todos { ${TODO} } }
}`;
export const DETACH = `mutation ($todos: [ID!]!, $labels: [ID!]!) {
  unlabelTodos(todos: $todos, labels: $labels) { status errors { code field } todos { ${TODO} } }
}`;
export const HISTORY = `query ($id: ID!) { todo(todoId: $id) { todo { history(first: 50) {
  edges { node { action actor { username } changes { field oldValue newValue } } } } } } }`;
export const SYNC = `query ($cursor: String, $first: Int) {
  changesSince(cursor: $cursor, first: $first) { changes { todo { id version labels { name color } } removedId } cursor hasMore }
}`;

export async function createLabel(as: Caller, name: string, color?: string): Promise<Label> {
  const { createLabel: payload } = await as<{ createLabel: LabelPayload }>(CREATE, { input: { name, color } });
  assert.ok(payload.label, JSON.stringify(payload.errors));
  return payload.label;
}

export const attach = async (as: Caller, todos: string[], labels: string[]) =>
  (await as<{ labelTodos: BulkPayload }>(ATTACH, { todos, labels })).labelTodos;
export const detach = async (as: Caller, todos: string[], labels: string[]) =>
  (await as<{ unlabelTodos: BulkPayload }>(DETACH, { todos, labels })).unlabelTodos;

export async function addTodo(as: Caller, description: string, list?: string): Promise<string> {
  const data = await as<{ addTodo: { todo: { id: string } } }>(
    'mutation ($input: TodoInput!) { addTodo(input: $input) { todo { id } } }',
    { input: { description, list } },
  );
  return data.addTodo.todo.id;
}

export async function createList(as: Caller, name: string): Promise<string> {
  const data = await as<{ createList: { list: { id: string } } }>(
    'mutation ($name: String) { createList(input: { name: $name }) { list { id } } }',
    { name },
  );
  return data.createList.list.id;
}

export const readTodo = async (as: Caller, id: string) =>
  (
    await as<{ todo: { todo: LabelledTodo | null } }>(`query ($id: ID!) { todo(todoId: $id) { todo { ${TODO} } } }`, {
      id,
    })
  ).todo.todo;

export const labelChanges = async (as: Caller, id: string) =>
  (
    await as<{
      todo: {
        todo: {
          history: {
            edges: { node: { changes: { field: string; oldValue: string | null; newValue: string | null }[] } }[];
          };
        };
      };
    }>(HISTORY, { id })
  ).todo.todo.history.edges.flatMap(({ node }) => node.changes.filter((change) => change.field === 'labels'));

export interface Connection {
  totalCount: number;
  edges: { node: { id: string } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string };
}

export const names = (todo: LabelledTodo | null) => todo?.labels.map((label) => label.name);
export const codes = (errors: PayloadError[] | null) => (errors ?? []).map(({ code, field }) => `${code}:${field}`);
