/**
 * The benchmark workload every speed figure refers to: 100 todos and three operations
 * (list them all, read one, create one). The runner, the seeding and the raw baseline all read it from here.
 */

export const TODO_COUNT = 100;

export interface Operation {
  readonly name: 'list' | 'one' | 'create';
  readonly label: string;
  /** The JSON request body, exactly as the load generator sends it. */
  readonly body: string;
}

export const operations: readonly Operation[] = [
  {
    name: 'list',
    label: 'list of 100 todos',
    body: JSON.stringify({
      query: 'query fetchAllTodos { todos { success errors todos { id description completed dueDate } } }',
    }),
  },
  {
    name: 'one',
    label: 'one todo',
    body: JSON.stringify({
      query: 'query fetchTodo { todo(todoId: "42") { success errors todo { id completed description dueDate } } }',
    }),
  },
  {
    name: 'create',
    label: 'createTodo',
    body: JSON.stringify({
      query:
        'mutation { createTodo(description: "Go to the dentist", dueDate: "24-10-2027") { success errors todo { id completed description } } }',
    }),
  },
];

/** Todo i (1..100): "Todo #i", due 1 Jan 2027 plus i-1 days, completed when i is a multiple of 3. */
export function seedTodos(): { description: string; due_date: string; completed: boolean }[] {
  return Array.from({ length: TODO_COUNT }, (_, index) => {
    const i = index + 1;
    const due = new Date(Date.UTC(2027, 0, 1 + index));
    return { description: `Todo #${i}`, due_date: due.toISOString().slice(0, 10), completed: i % 3 === 0 };
  });
}
