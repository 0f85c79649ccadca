/**
 * `npm run soak`: the built server (dist/server.js, run as users run it) under a steady mixed load
 * for a long time, to catch what a short benchmark cannot: memory that grows, and errors that only
 * come after much churn. Fails (exit 1) on any error, or when the server's RSS grows 10% or more.
 * Results go to bench/results/soak.json (a smoke run's to soak-smoke.json, not kept in git).
 *
 *   npm run soak                      10 minutes on SQLite (a fresh file in a temporary directory)
 *   npm run soak -- --smoke           about 20 seconds: proves the harness works
 *   npm run soak -- --minutes 60 --rate 400 --postgres    (or SOAK_MINUTES, SOAK_DATABASE_URL)
 *
 * The load is paced, not flat-out: a fixed rate (400 requests/s by default, under half of one core
 * for this mix) shared by 8 clients, each with one request in flight on its own keep-alive
 * connection, sending on a fixed schedule. At saturation the server's memory would hold a queue
 * (buffered requests, garbage the collector has not caught up with) whose size moves with the
 * machine's noise; at a fixed rate every minute brings the same work, so memory that grows is
 * memory kept, and latencies are those of a loaded server, not of a queue.
 *
 * 4 anonymous clients run the tutorial's operations as the tutorial writes them (ids inline, so the
 * document cache keeps turning over); 4 registered users run the richer API (lists, sharing, pages
 * with filters and orders). Every client deletes as well as creates, between fixed bounds, so the
 * database keeps its size and growth measures leaks, not data.
 *
 * Growth compares RSS in the first fifth of the run after a warm-up of a fifth (V8 takes about two
 * minutes at this rate to settle its heap size) with RSS in the last fifth. The server runs with
 * --trace-gc: the heap left after each full collection, reported beside RSS, tells a leak (it
 * climbs) from a heap that V8 merely lets fill up before collecting (it does not).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { stopServer } from './servers.js';
import { nearestRank } from './stats.js';

const root = path.resolve(import.meta.dirname, '..');
const options = { smoke: { type: 'boolean' }, postgres: { type: 'boolean' }, minutes: { type: 'string' } } as const;
const { values: args } = parseArgs({ options: { ...options, rate: { type: 'string' } } });
const durationMs = Number(args.minutes ?? process.env.SOAK_MINUTES ?? (args.smoke ? 1 / 3 : 10)) * 60_000;
const rate = Number(args.rate ?? 400);
const adminUrl = process.env.SOAK_DATABASE_URL ?? (args.postgres ? 'postgres://postgres@127.0.0.1:5432/postgres' : '');
if (!(durationMs > 0 && rate > 0)) throw new Error('--minutes and --rate must be positive numbers');
const [ANONYMOUS_CLIENTS, USER_CLIENTS] = [4, 4];
/** Warm-up, then the stretches compared: the first fifth after warm-up and the last fifth of the run. */
const [WARMUP, STRETCH] = [0.2, 0.2];
const warmupMs = WARMUP * durationMs;
const sampleEveryMs = Math.min(5000, Math.max(1000, durationMs / 120));
const MAX_GROWTH_PERCENT = 10;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quantile = (values: readonly number[], q: number) =>
  values.length === 0
    ? NaN
    : nearestRank(
        [...values].sort((a, b) => a - b),
        q,
      );
const oneOf = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
const round = (value: number, digits = 1) => Number(value.toFixed(digits));
const rssMiB = (pid: number, field: 'VmRSS' | 'VmHWM') =>
  round(Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024);

/** A fresh database: a file in a temporary directory, or a new PostgreSQL database dropped afterwards. */
async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (adminUrl === '') {
    const dir = mkdtempSync(path.join(tmpdir(), 'todo-soak-'));
    return { url: path.join(dir, 'soak.db'), drop: () => rm(dir, { recursive: true, force: true }) };
  }
  const name = `todo_soak_${randomBytes(4).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(statement).finally(() => client.end());
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.href, drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

let url = '';
let [started, stopAt] = [performance.now(), 0];
const tally = { requests: 0, errors: 0, behind: 0, latencies: [] as number[], firstErrors: [] as string[] };
const perOperation: Record<string, number> = {};

function failed(what: string): null {
  tally.errors++;
  if (tally.firstErrors.length < 5) tally.firstErrors.push(what.slice(0, 300));
  return null;
}

/** Walks a path of keys into parsed JSON. */
function at(value: unknown, ...keys: string[]): unknown {
  for (const key of keys) value = typeof value === 'object' && value !== null ? Reflect.get(value, key) : undefined;
  return value;
}
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * Sends one operation; answers its root field's value, or null (counted as an error) for a
 * non-200 answer, GraphQL errors, a null root field, or `success`/`status` false.
 */
async function send(name: string, query: string, variables?: object, token?: string): Promise<unknown> {
  perOperation[name] = (perOperation[name] ?? 0) + 1;
  tally.requests++;
  const sentAt = performance.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.text();
    if (sentAt - started >= warmupMs) tally.latencies.push(performance.now() - sentAt);
    const result = JSON.parse(body) as unknown;
    const field = Object.values(at(result, 'data') ?? {})[0] as unknown;
    if (response.status !== 200 || at(result, 'errors') !== undefined || field === null || field === undefined) {
      return failed(`${name}: ${response.status} ${body}`);
    }
    if (at(field, 'success') === false || at(field, 'status') === false) return failed(`${name}: ${body}`);
    return field;
  } catch (error) {
    return failed(`${name}: ${String(error)}`);
  }
}

/** Runs one of the steps, chosen at random by weight. */
function step(steps: readonly (readonly [weight: number, run: () => Promise<unknown>])[]): Promise<unknown> {
  let ticket = Math.random() * steps.reduce((sum, [weight]) => sum + weight, 0);
  for (const [weight, run] of steps) if ((ticket -= weight) < 0) return run();
  return Promise.resolve();
}

/** Runs `next` on a fixed schedule until the end; a client more than a slot late skips the slots it missed. */
async function paced(next: () => Promise<unknown>, intervalMs: number): Promise<void> {
  let due = performance.now() + Math.random() * intervalMs;
  while (due < stopAt) {
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    else if (wait < -intervalMs) {
      tally.behind += Math.floor(-wait / intervalMs);
      due = performance.now();
    }
    await next();
    due += intervalMs;
  }
}

const randomDate = () => `${10 + Math.floor(Math.random() * 18)}-0${1 + Math.floor(Math.random() * 9)}-2027`;
const TUTORIAL = {
  createTodo: () =>
    'mutation { createTodo(description: "Go to the dentist", dueDate: "24-10-2027") { success todo { id } } }',
  todos: () => 'query fetchAllTodos { todos { success errors todos { id description completed dueDate } } }',
  todo: (id: string) =>
    `query fetchTodo { todo(todoId: "${id}") { success errors todo { id completed description dueDate } } }`,
  markDone: (id: string) => `mutation { markDone(todoId: "${id}") { success errors todo { id completed } } }`,
  updateDueDate: (id: string) =>
    `mutation { updateDueDate(todoId: "${id}", newDate: "${randomDate()}") { success todo { dueDate } } }`,
  deleteTodo: (id: string) => `mutation { deleteTodo(todoId: "${id}") { success errors } }`,
};

/** An anonymous client's next step; it keeps 5 to 40 todos of its own. */
function anonymousClient(): () => Promise<unknown> {
  const ids: string[] = [];
  const on = (name: keyof typeof TUTORIAL, id = oneOf(ids)) => send(name, TUTORIAL[name](id));
  const create = async () => {
    const id = text(at(await on('createTodo', ''), 'todo', 'id'));
    if (id) ids.push(id);
  };
  return () =>
    step([
      [ids.length < 40 ? 20 : 0, create],
      [ids.length > 5 ? 20 : 0, () => on('deleteTodo', ids.shift())],
      [ids.length > 0 ? 25 : 0, () => on('todo')],
      [ids.length > 0 ? 12 : 0, () => on('markDone')],
      [ids.length > 0 ? 12 : 0, () => on('updateDueDate')],
      [6, () => on('todos')],
    ]);
}

const PAGE =
  'totalCount pageInfo { hasNextPage endCursor } edges { node { id description dueOn priority list { name } } }';
const Q = {
  register: 'mutation($input: RegisterInput!) { register(input: $input) { status error { message } token } }',
  lists: 'query { lists { id name isInbox openCount doneCount members { user { username } role } } }',
  list: `query($id: ID!, $orderBy: TodoOrder) { list(id: $id) { name todos(first: 10, orderBy: $orderBy) { ${PAGE} } } }`,
  allTodos: `query($after: String, $filter: TodoFilter, $orderBy: TodoOrder) {
    allTodos(first: 10, after: $after, filter: $filter, orderBy: $orderBy) { ${PAGE} } }`,
  createList:
    'mutation($input: TodoListInput!) { createList(input: $input) { status errors { message } list { id } } }',
  deleteList: 'mutation($list: ID!) { deleteList(list: $list) { status errors { message } deletedId } }',
  shareList: `mutation($list: ID!, $username: String!, $role: ListRole!) {
    shareList(list: $list, username: $username, role: $role) { status errors { message } list { members { role } } } }`,
  unshareList: `mutation($list: ID!, $username: String!) {
    unshareList(list: $list, username: $username) { status errors { message } list { id } } }`,
  addTodo: 'mutation($input: TodoInput!) { addTodo(input: $input) { status errors { message } todo { id dueOn } } }',
  updateTodo: `mutation($todo: ID!, $input: TodoInput!) {
    updateTodo(todo: $todo, input: $input) { status errors { message } todo { priority updatedAt } } }`,
  completeTodos: 'mutation($todos: [ID!]!) { completeTodos(todos: $todos) { status errors { message } todos { id } } }',
  deleteTodos: 'mutation($todos: [ID!]!) { deleteTodos(todos: $todos) { status errors { message } deletedIds } }',
};
const PRIORITIES = ['LOW', 'NORMAL', 'HIGH', 'URGENT'];
const FILTERS = [
  {},
  { completed: false },
  { priority: ['HIGH', 'URGENT'] },
  { dueBefore: '2027-06-01' },
  { text: '1' },
];
const FIELDS = ['DUE_ON', 'PRIORITY', 'CREATED_AT', 'COMPLETED_AT'];
const order = () => ({ field: oneOf(FIELDS), direction: oneOf(['ASC', 'DESC']) });
const dueOn = () => `2027-0${1 + Math.floor(Math.random() * 9)}-${10 + Math.floor(Math.random() * 18)}`;
const usernames = Array.from({ length: USER_CLIENTS }, (_, i) => `soak_${i}_${randomBytes(3).toString('hex')}`);

/** Registers `username` and answers its next step; a user keeps 1 to 4 lists of its own and up to 60 todos. */
async function userClient(username: string): Promise<() => Promise<unknown>> {
  const password = randomBytes(12).toString('base64url');
  const token = text(at(await send('register', Q.register, { input: { username, password } }), 'token'));
  const call = (name: keyof typeof Q, variables: object) => send(name, Q[name], variables, token);
  const inbox = text(at(await call('lists', {}), '0', 'id'));
  const todos = new Map<string, string[]>([[inbox, []]]); // list → its todos, oldest first
  const shares = new Set<string>(); // `${list} ${username}`
  let count = 0;
  let page = { after: null as string | null, filter: {}, orderBy: order() };
  const all = () => [...todos.values()].flat();
  const own = () => [...todos.keys()].filter((id) => id !== inbox);
  const someList = () => oneOf([...todos.values()].filter((ids) => ids.length > 0));

  const addTodo = async () => {
    const [list, notes] = [oneOf([...todos.keys()]), ++count % 2 ? 'Some notes' : null];
    const input = { description: `Soak ${count}`, dueOn: dueOn(), priority: oneOf(PRIORITIES), list, notes };
    const id = text(at(await call('addTodo', { input }), 'todo', 'id'));
    if (id) todos.get(list)?.push(id);
  };
  const nextPage = async () => {
    if (page.after === null) page = { after: null, filter: oneOf(FILTERS), orderBy: order() };
    const result = await call('allTodos', page);
    page.after = at(result, 'pageInfo', 'hasNextPage') === true ? text(at(result, 'pageInfo', 'endCursor')) : null;
  };
  const createList = async () => {
    const id = text(at(await call('createList', { input: { name: `List ${++count}` } }), 'list', 'id'));
    if (id) todos.set(id, []);
  };
  const deleteList = () => {
    const list = oneOf(own());
    todos.delete(list);
    for (const share of shares) if (share.startsWith(`${list} `)) shares.delete(share);
    return call('deleteList', { list });
  };
  const share = () => {
    const [list, other] = [oneOf(own()), oneOf(usernames.filter((name) => name !== username))];
    shares.add(`${list} ${other}`);
    return call('shareList', { list, username: other, role: oneOf(['VIEWER', 'EDITOR']) });
  };
  const unshare = () => {
    const [list, other] = oneOf([...shares]).split(' ');
    shares.delete(`${list} ${other}`);
    return call('unshareList', { list, username: other });
  };
  return () => {
    const [total, lists] = [all().length, own().length];
    return step([
      [total < 60 ? 20 : 0, addTodo],
      [total > 10 ? 12 : 0, () => call('deleteTodos', { todos: someList().splice(0, oneOf([1, 2, 3])) })],
      [total > 0 ? 12 : 0, () => call('updateTodo', { todo: oneOf(all()), input: { priority: oneOf(PRIORITIES) } })],
      [total > 0 ? 8 : 0, () => call('completeTodos', { todos: someList().slice(-2) })],
      [20, nextPage],
      [8, () => call('lists', {})],
      [8, () => call('list', { id: oneOf([...todos.keys()]), orderBy: order() })],
      [lists < 4 ? 3 : 0, createList],
      [lists > 1 ? 2 : 0, deleteList],
      [lists > 0 ? 4 : 0, share],
      [shares.size > 0 ? 3 : 0, unshare],
    ]);
  };
}

const database = await freshDatabase();
// All the load comes from one address: limits far above it keep the rate limiter's code running, never refusing.
const limits = { RATE_LIMIT_PER_ADDRESS: '10000000', RATE_LIMIT_PER_USER: '10000000', NODE_ENV: 'production' };
const env = { ...limits, PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', DATABASE_URL: database.url };
// Its own process group, so that Ctrl-C reaches only this script, which then ends the run and reports.
const server = spawn(process.execPath, ['--trace-gc', path.join(root, 'dist/server.js')], {
  cwd: root,
  detached: true,
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...env, AUTH_SECRET: randomBytes(32).toString('base64url') },
});
const pid = server.pid ?? 0;
let [port, unread, serverExit, stopping] = [0, '', '', false];
/** MiB of heap left after each full collection, by seconds into the run. */
const heapAfterGc: [seconds: number, mib: number][] = [];
// Its standard output: a request line for every request (read and dropped, as /dev/null would), and --trace-gc's lines.
server.stdout.on('data', (chunk: Buffer) => {
  const lines = (unread + chunk.toString()).split('\n');
  unread = lines.pop() ?? '';
  for (const line of lines) {
    const heap = /Mark-Compact\D*[\d.]+ \([\d.]+\) -> ([\d.]+)/.exec(line)?.[1];
    if (heap) heapAfterGc.push([round((performance.now() - started) / 1000), Number(heap)]);
    else if (!port && line.includes('is listening')) port = Number(/:(\d+)\/graphql/.exec(line)?.[1] ?? 0);
  }
});
server.once('exit', (code, signal) => {
  if (!stopping) serverExit = `the server exited during the run (${code ?? signal ?? ''})`;
  stopAt = 0;
});
process.once('exit', () => server.kill());
process.once('SIGINT', () => (stopAt = 0));

for (const deadline = Date.now() + 60_000; !port; await sleep(50)) {
  if (Date.now() < deadline && !serverExit) continue;
  await database.drop();
  throw new Error(`the server did not start ${serverExit}`);
}
url = `http://127.0.0.1:${port}/graphql`;
const clients = Array.from({ length: ANONYMOUS_CLIENTS }, anonymousClient);
for (const username of usernames) clients.push(await userClient(username));

const where = adminUrl ? 'PostgreSQL' : 'SQLite';
console.log(`soak: ${round(durationMs / 60_000)} min at ${rate} requests/s on ${where}, server pid ${pid}`);
[started, stopAt] = [performance.now(), performance.now() + durationMs];
const samples: [seconds: number, mib: number][] = [];
const sample = () => samples.push([Math.round((performance.now() - started) / 1000), rssMiB(pid, 'VmRSS')]);
sample();
const sampler = setInterval(sample, sampleEveryMs);
await Promise.all(clients.map((client) => paced(client, (clients.length * 1000) / rate)));
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
const peak = serverExit ? 0 : rssMiB(pid, 'VmHWM');
stopping = true;
await stopServer(server);
await database.drop();

// RSS is a sawtooth: V8 lets the heap fill up to its limit, then a full collection shrinks it. A stretch's level is
// its 90th percentile, where RSS climbs back to before each collection: it rises with a leak, not with the phase.
const level = (series: readonly (readonly [number, number])[], from: number, q: number) => {
  const inStretch = series.filter(([at]) => at >= from * seconds && at <= (from + STRETCH) * seconds);
  return quantile(
    inStretch.map(([, value]) => value),
    q,
  );
};
const [baseline, end] = [WARMUP, 1 - STRETCH].map((from) => level(samples, from, 0.9));
const [heapFirst, heapLast] = [WARMUP, 1 - STRETCH].map((from) => level(heapAfterGc, from, 0.5));
const growth = round(((end ?? NaN) / (baseline ?? NaN) - 1) * 100);
const [p50, p99] = [0.5, 0.99].map((q) => round(quantile(tally.latencies, q), 2));
const perSecond = Math.round(tally.requests / seconds);
// A smoke run proves the harness: 20 seconds are too few for V8 to settle its heap, so its growth is not judged.
const problems = [
  serverExit,
  tally.errors > 0 ? `${tally.errors} errors` : '',
  Number.isNaN(growth) && !args.smoke ? 'too short to measure memory growth' : '',
  growth >= MAX_GROWTH_PERCENT && !args.smoke ? `RSS grew ${growth}% (limit ${MAX_GROWTH_PERCENT}%)` : '',
].filter(Boolean);
const summary =
  `${tally.requests} requests in ${Math.round(seconds)} s (${perSecond}/s), ${tally.errors} errors, p50 ${p50} ms, ` +
  `p99 ${p99} ms, RSS ${baseline} → ${end} MiB (${growth >= 0 ? '+' : ''}${growth}%; heap after full GC ` +
  `${heapFirst} → ${heapLast} MiB)`;
const outcome = problems.length === 0 ? 'PASSED' : `FAILED (${problems.join('; ')})`;
const verdict = `SOAK${args.smoke ? ' (smoke run: memory not judged)' : ''} ${outcome}: ${summary}`;
const result = {
  verdict,
  ...{ date: new Date().toISOString(), node: process.version, database: where, smoke: args.smoke ?? false },
  ...{ minutes: round(seconds / 60), targetPerSecond: rate, perSecond, requests: tally.requests, errors: tally.errors },
  firstErrors: tally.firstErrors,
  latencyMs: { p50, p99, afterWarmupSeconds: warmupMs / 1000 },
  skippedSlots: tally.behind,
  rssMiB: { baseline, end, growthPercent: growth, limitPercent: MAX_GROWTH_PERCENT, peak, samples },
  heapAfterFullGcMiB: { first: heapFirst, last: heapLast, samples: heapAfterGc },
  perOperation,
};
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
// One [seconds, MiB] pair a line.
const json = JSON.stringify(result, null, 2).replace(/\[\s+([\d.]+),\s+([\d.]+)\s+\]/g, '[$1, $2]');
// A smoke run must not overwrite the last real run's figures.
writeFileSync(path.join(root, `bench/results/${args.smoke ? 'soak-smoke' : 'soak'}.json`), `${json}\n`);
for (const error of tally.firstErrors) console.log(`  error: ${error}`);
console.log(verdict);
process.exitCode = problems.length === 0 ? 0 : 1;
