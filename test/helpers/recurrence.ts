/** What the recurring-todo tests share: the todo's fields, the mutations, and adding and reading one. */
import assert from 'node:assert/strict';
import type { Caller } from './accounts.js';

export interface Recurrence {
  rule: string;
  timeZone: string;
  summary: string;
  remaining: number | null;
  nextOccurrences: string[];
}
export interface Todo {
  id: string;
  dueOn: string;
  completed: boolean;
  version: number;
  recurrence: Recurrence | null;
  completions: { occurrence: string; completedBy: { username: string } | null }[];
}
export interface Payload {
  status: boolean;
  errors: { code: string; field: string | null; message: string }[];
  todo: Todo | null;
}

export const TODO = `id dueOn completed version
  recurrence { rule timeZone summary remaining nextOccurrences(first: 3) }
  completions { occurrence completedBy { username } }`;
export const ADD = `mutation ($input: TodoInput!) { addTodo(input: $input) { status errors { code field message } todo { ${TODO} } } }`;
export const UPDATE = `mutation ($todo: ID!, $input: TodoInput!, $ifVersion: Int) {
  updateTodo(todo: $todo, input: $input, ifVersion: $ifVersion) { status errors { code field message } todo { ${TODO} } }
}`;
export const COMPLETE = `mutation ($todos: [ID!]!) { completeTodos(todos: $todos) { status errors { code } todos { ${TODO} } } }`;

export async function addRecurring(
  as: Caller,
  dueOn: string,
  rule: string,
  timeZone?: string,
  list?: string,
): Promise<Todo> {
  const { addTodo } = await as<{ addTodo: Payload }>(ADD, {
    input: { description: `Repeat ${rule}`, dueOn, list, recurrence: { rule, timeZone } },
  });
  assert.deepEqual(addTodo.errors, []);
  assert.ok(addTodo.todo);
  return addTodo.todo;
}

export const read = async (as: Caller, id: string): Promise<Todo> =>
  (await as<{ node: Todo }>(`query ($id: ID!) { node(id: $id) { ... on Todo { ${TODO} } } }`, { id })).node;

/** Completes `id` by each of the three ways a todo is completed, in turn, and answers the due dates it moved through. */
export async function completeThreeWays(as: Caller, id: string): Promise<string[]> {
  const dates: string[] = [];
  const byUpdate = await as<{ updateTodo: Payload }>(UPDATE, { todo: id, input: { completed: true } });
  dates.push(byUpdate.updateTodo.todo?.dueOn ?? 'failed');
  const byBulk = await as<{ completeTodos: { todos: Todo[] } }>(COMPLETE, { todos: [id] });
  dates.push(byBulk.completeTodos.todos[0]?.dueOn ?? 'failed');
  const byTutorial = await as<{ markDone: { todo: { completed: boolean } } }>(
    `mutation { markDone(todoId: "${id}") { todo { completed } } }`,
  );
  assert.equal(byTutorial.markDone.todo.completed, false, 'markDone leaves a recurring todo open');
  dates.push((await read(as, id)).dueOn);
  return dates;
}
