/**
 * What the HTTP fuzz test (fuzz.test.ts) starts from: the tutorial's and the
 * API's real operations, and values for their variables, from plausible (the
 * right type, odd content: unicode, huge, empty, another order's cursor) to
 * anything JSON can hold.
 */
import fc, { type Arbitrary } from 'fast-check';
import { tutorial } from '../helpers/tutorial.js';

export const cursor = (parts: unknown) => Buffer.from(JSON.stringify(parts)).toString('base64url');
const TODO = '{ id description completed dueDate }';
const PAYLOAD = 'status errors { code field message }';

/** Real operations: the tutorial's, pasted unchanged, and the rest of the API's. */
export const OPERATIONS: readonly string[] = [
  ...Object.values(tutorial),
  `mutation { createTodo(description: "Buy milk", dueDate: "29-02-2028") { success errors todo ${TODO} } }`,
  `{ todo(todoId: "2") { success errors todo ${TODO} } }`,
  `mutation { updateDueDate(todoId: "3", newDate: "01-01-2030") { success errors todo ${TODO} } }`,
  `mutation { addTodo(input: { description: "Eggs", dueOn: "2027-03-01", priority: HIGH, notes: "free range" }) { ${PAYLOAD} todo { id dueOn dueDate priority notes createdAt list { name } owner { username } } } }`,
  `mutation { updateTodo(todo: "1", input: { notes: null, completed: true }) { ${PAYLOAD} todo { id completedAt updatedAt } } }`,
  `mutation { createList(input: { name: "Groceries" }) { ${PAYLOAD} list { id name isInbox access } } }`,
  `mutation { completeTodos(todos: ["1", "2", "3"]) { ${PAYLOAD} todos { id completed } } }`,
  `mutation { moveTodos(todos: ["1"], list: "2") { ${PAYLOAD} todos { id list { id } } } }`,
  `mutation { deleteTodos(todos: ["4"]) { ${PAYLOAD} deletedIds } }`,
  `mutation { shareList(list: "2", username: "fuzz-friend", role: EDITOR) { ${PAYLOAD} list { members { user { username } role } } } }`,
  `{ lists { id name isInbox access openCount doneCount owner { username } todos(first: 5) { edges { node { description } } } } }`,
  `{ list(id: "1") { id name members { role } todos(last: 2, orderBy: { field: PRIORITY, direction: DESC }) { totalCount } } }`,
  `query { allTodos(first: 20, filter: { completed: false, dueBefore: "2027-06-01", text: "eggs", priority: [HIGH, URGENT] }, orderBy: { field: DUE_ON, direction: ASC }) { totalCount edges { cursor node { id description dueOn list { name } } } pageInfo { hasNextPage endCursor } } }`,
  `query { allTodos(first: 2, after: "${cursor(['CREATED_AT', '2026-01-01T00:00:00.000Z', 1])}") { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
  'mutation { register(input: { username: "fuzzer", password: "correct-horse-battery" }) { status error { code field message } user { id username } token } }',
  'mutation { login(username: "fuzzer", password: "wrong-horse-battery") { status error { code field message } token } }',
  '{ isAuthenticated me { id username } }',
  'query Page($n: Int = 3) { allTodos(first: $n) { edges { node { ...T } } } } fragment T on Todo { id description list { id } }',
  'mutation { logout { status } }',
];

/** Operations that take variables, to be sent with random ones. */
export const WITH_VARIABLES: readonly string[] = [
  'query ($id: ID!) { todo(todoId: $id) { success errors todo { id description dueDate } } }',
  'mutation ($id: String!) { markDone(todoId: $id) { success errors todo { id completed } } }',
  'mutation ($id: String, $date: String!) { updateDueDate(todoId: $id, newDate: $date) { success errors } }',
  'mutation ($id: ID!) { deleteTodo(todoId: $id) { success errors } }',
  'mutation ($description: String!, $dueDate: String!) { createTodo(description: $description, dueDate: $dueDate) { success errors todo { id } } }',
  `mutation ($input: TodoInput!) { addTodo(input: $input) { ${PAYLOAD} todo { id dueOn priority notes } } }`,
  `mutation ($todo: ID!, $input: TodoInput!) { updateTodo(todo: $todo, input: $input) { ${PAYLOAD} todo { id } } }`,
  'query ($first: Int, $after: String, $last: Int, $before: String, $filter: TodoFilter, $orderBy: TodoOrder) { allTodos(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) { totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }',
  'query ($first: Int) { lists { id todos(first: $first) { edges { node { id } } } } }',
  'mutation ($input: RegisterInput!) { register(input: $input) { status error { code field } } }',
  'mutation ($username: String!, $password: String!) { login(username: $username, password: $password) { status error { code } } }',
  `mutation ($todos: [ID!]!) { completeTodos(todos: $todos) { ${PAYLOAD} todos { id } } }`,
  `mutation ($todos: [ID!]!, $list: ID!) { moveTodos(todos: $todos, list: $list) { ${PAYLOAD} } }`,
  `mutation ($input: TodoListInput!) { createList(input: $input) { ${PAYLOAD} list { id } } }`,
  `mutation ($list: ID!, $username: String!, $role: ListRole!) { shareList(list: $list, username: $username, role: $role) { ${PAYLOAD} } }`,
  'query ($id: ID!) { list(id: $id) { id name members { role } } }',
];

/** Longer than any field allows; now and then longer than the body limit (64 KiB in the test). */
const longText = (unit: string) =>
  fc
    .oneof({ weight: 4, arbitrary: fc.integer({ min: 1_000, max: 12_000 }) }, fc.integer({ min: 60_000, max: 70_000 }))
    .map((n) => unit.repeat(n));
const nastyString: Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      ...['', ' ', '0', '-1', '007', '1e9', '2147483648', '99999999999999999999', '31-02-2027', '2027-02-31'],
      ...['24-10-2020', '2027-03-01', '__proto__', "'; drop table todos; --", '%s%n', '\u0000', '\uFEFF', 'URGENT'],
      ...[cursor(['DUE_ON', 1e308, 2 ** 53]), cursor(['PRIORITY', 'x', -1]), cursor({}), '🔑'.repeat(300)],
    ),
  },
  { arbitrary: longText('x'), weight: 1 },
);
const ODD_NUMBERS = [2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324, -0, 0.5];
const oddNumber = fc.constantFrom(...ODD_NUMBERS);

/** Fields of the API's input objects (TodoInput, TodoFilter, TodoOrder, RegisterInput, …). */
const INPUT_FIELDS =
  'description notes dueOn priority completed list name username password dueBefore text field direction';

const ids = fc.oneof(
  { weight: 3, arbitrary: fc.nat({ max: 60 }).map(String) },
  fc.constantFrom('0', '-1', '007', '1e3', '2147483647', '2147483648', ''),
  nastyString,
);
const dayOf = (date: Date) => date.toISOString().slice(0, 10);
const dates = fc.date({ min: new Date('0001-01-01'), max: new Date('9999-12-31'), noInvalidDate: true });
const isoDates = fc.oneof(
  { weight: 3, arbitrary: dates.map(dayOf) },
  fc.constantFrom('2027-02-29', '2027-13-01'),
  nastyString,
);
const tutorialDates = fc.oneof(
  { weight: 3, arbitrary: dates.map((date) => dayOf(date).split('-').reverse().join('-')) },
  fc.constantFrom('29-02-2027', '31-04-2027', '1-1-2027', '01-01-0000'),
  nastyString,
);
const pageSizes = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: -2, max: 120 }) },
  fc.constantFrom(2 ** 31 - 1, -(2 ** 31)),
);
const ORDER_FIELDS = ['DUE_ON', 'PRIORITY', 'CREATED_AT', 'COMPLETED_AT', 'NOPE'];
const cursors = fc.oneof(
  fc
    .tuple(fc.constantFrom(...ORDER_FIELDS), fc.oneof(fc.string(), fc.double()), fc.oneof(fc.integer(), fc.double()))
    .map(cursor),
  fc.jsonValue({ maxDepth: 2 }).map(cursor),
  nastyString,
);
const priorities = fc.constantFrom('LOW', 'NORMAL', 'HIGH', 'URGENT', 'low', '');
const anyOf = <T>(value: Arbitrary<T>) => fc.oneof({ weight: 8, arbitrary: value }, fc.constant(null), variableValue);
const todoInput = fc.record(
  {
    description: nastyString,
    notes: nastyString,
    dueOn: isoDates,
    priority: priorities,
    completed: fc.boolean(),
    list: ids,
  },
  { requiredKeys: [] },
);

/** Values of the right type, or nearly, for each variable of WITH_VARIABLES. */
const PLAUSIBLE: Readonly<Record<string, Arbitrary<unknown>>> = {
  id: ids,
  todo: ids,
  list: ids,
  todos: fc.array(ids, { maxLength: 120 }),
  date: tutorialDates,
  dueDate: tutorialDates,
  description: nastyString,
  username: nastyString,
  password: nastyString,
  role: fc.constantFrom('VIEWER', 'EDITOR', 'OWNER'),
  first: pageSizes,
  last: pageSizes,
  after: cursors,
  before: cursors,
  input: fc.oneof(
    todoInput,
    fc.record({ name: nastyString, username: nastyString, password: nastyString }, { requiredKeys: [] }),
  ),
  filter: fc.record(
    {
      list: ids,
      completed: fc.boolean(),
      dueBefore: isoDates,
      dueAfter: isoDates,
      overdue: fc.boolean(),
      priority: fc.array(priorities, { maxLength: 5 }),
      text: nastyString,
    },
    { requiredKeys: [] },
  ),
  orderBy: fc.record(
    { field: fc.constantFrom(...ORDER_FIELDS), direction: fc.constantFrom('ASC', 'DESC', 'UP') },
    { requiredKeys: [] },
  ),
};

/** A JSON value for a variable: anything at all. */
export const variableValue: Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 3 }),
    oddNumber,
    fc.integer({ min: -5, max: 150 }),
    nastyString,
    fc.nat({ max: 50 }).map(String),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom('LOW', 'NORMAL', 'HIGH', 'URGENT', 'VIEWER', 'EDITOR', 'DUE_ON', 'COMPLETED_AT', 'ASC', 'DESC'),
    fc.array(fc.oneof({ weight: 9, arbitrary: fc.nat({ max: 50 }).map(String) }, tie('value')), { maxLength: 120 }),
    fc.record(Object.fromEntries(INPUT_FIELDS.split(' ').map((name) => [name, tie('value')])), { requiredKeys: [] }),
    fc
      .oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 50 }) }, fc.integer({ min: 500, max: 3_000 }))
      .map((depth) => nestJson(depth)),
  ),
})).value;

function nestJson(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i += 1) value = i % 2 ? [value] : { description: value };
  return value;
}

export const variablesFor = (query: string): Arbitrary<Record<string, unknown>> => {
  const names = [...query.matchAll(/\$(\w+):/g)].map((match) => match[1] ?? '');
  // Each variable is given nine times in ten (JSON leaves undefined out).
  const entries = Object.fromEntries(
    names.map((name) => [name, fc.option(anyOf(PLAUSIBLE[name] ?? variableValue), { nil: undefined, freq: 10 })]),
  );
  return fc
    .tuple(fc.record(entries), fc.dictionary(fc.string({ maxLength: 8 }), variableValue, { maxKeys: 3 }))
    .map(([known, extra]) => ({ ...extra, ...known }));
};
