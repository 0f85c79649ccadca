/**
 * What the client conformance suites (test/clients-*.test.ts) share: a fresh
 * database and server per suite, a `fetch` that records what a client sends
 * without changing it, the tutorial's walkthrough run through any client, and a
 * queue of pushed results to wait on.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { DatabaseTarget, TestDatabase } from './databases.js';
import { startTestServer, type TestServer } from './server.js';
import { tutorial } from './tutorial.js';
import { until } from './until.js';

export interface ServerFixture {
  readonly server: TestServer;
  /** Runs `close` in the suite's `after`, before the server stops; the last deferred runs first. */
  defer(close: () => unknown): void;
}

/**
 * Registers `before` and `after` hooks in the calling `describe`: a fresh
 * database and server (with `env`), so the tutorial's ids start at 1.
 */
export function useServer(target: DatabaseTarget, env: Record<string, string> = {}): ServerFixture {
  let db: TestDatabase | undefined;
  let server: TestServer | undefined;
  const closers: (() => unknown)[] = [];
  before(async () => {
    db = await target.create();
    server = await startTestServer(db, env);
  });
  after(async () => {
    for (const close of closers.reverse()) await close();
    await server?.close();
    await db?.drop();
  });
  return {
    get server() {
      assert.ok(server, 'the server has started');
      return server;
    },
    defer: (close) => closers.push(close),
  };
}

/** One request a client made, and what came back. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: URL;
  readonly accept: string | null;
  /** The body as JSON, when it is. */
  readonly body: unknown;
  readonly status: number;
  readonly contentType: string | null;
  /** The response body as JSON, when it is (an event stream is not). */
  readonly response: unknown;
}

const parsed = (text: string | undefined): unknown => {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/**
 * A `fetch` to hand a client in place of the global one: it sends exactly what
 * the client asks for, and records each request and its answer.
 */
export function recordingFetch(): { readonly fetch: typeof fetch; readonly requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const recording: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const body = request.body ? await request.clone().text() : undefined;
    const response = await fetch(request);
    const contentType = response.headers.get('content-type');
    const answer = contentType?.includes('json') ? await response.clone().text() : undefined;
    requests.push({
      method: request.method,
      url: new URL(request.url),
      accept: request.headers.get('accept'),
      body: parsed(body),
      status: response.status,
      contentType,
      response: parsed(answer),
    });
    return response;
  };
  return { fetch: recording, requests };
}

/** `value` without the `__typename` fields that normalizing clients add to every selection. */
export function withoutTypename(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTypename);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== '__typename')
      .map(([key, field]) => [key, withoutTypename(field)]),
  );
}

/** The tutorial's first todo, which it creates from a Python prompt; here, through the client. */
export const FIRST_TODO = `mutation firstTodo {
  createTodo(description: "Run a marathon", dueDate: "22-10-2020") {
    success
    errors
    todo { id }
  }
}`;

const ALL_WITH_DATES = `query remaining {
  todos { todos { id description completed dueDate } }
}`;

/** Runs one operation through a client and resolves with its `data`, failing on any error. */
export type Run = (document: string, kind: 'query' | 'mutation') => Promise<unknown>;

/**
 * The tutorial's walkthrough (as tutorial.test.ts runs it over plain HTTP), through
 * a client: its operations verbatim, in order, answered in its shapes. Needs a
 * fresh database: the tutorial's operations name todos 1 and 2.
 */
export async function walkThroughTutorial(run: Run): Promise<void> {
  const data = async (document: string, kind: 'query' | 'mutation') => withoutTypename(await run(document, kind));
  assert.deepEqual(await data(FIRST_TODO, 'mutation'), {
    createTodo: { success: true, errors: null, todo: { id: '1' } },
  });
  assert.deepEqual(await data(tutorial.fetchAllTodos, 'query'), {
    todos: { success: true, errors: null, todos: [{ description: 'Run a marathon', completed: false, id: '1' }] },
  });
  assert.deepEqual(await data(tutorial.fetchTodo, 'query'), {
    todo: {
      success: true,
      errors: null,
      todo: { id: '1', completed: false, description: 'Run a marathon', dueDate: '22-10-2020' },
    },
  });
  assert.deepEqual(await data(tutorial.newTodo, 'mutation'), {
    createTodo: { success: true, errors: null, todo: { id: '2', completed: false, description: 'Go to the dentist' } },
  });
  assert.deepEqual(await data(tutorial.markDone, 'mutation'), {
    markDone: {
      success: true,
      errors: null,
      todo: { id: '1', completed: true, description: 'Run a marathon', dueDate: '22-10-2020' },
    },
  });
  assert.deepEqual(await data(tutorial.deleteTodo, 'mutation'), { deleteTodo: { success: true, errors: null } });
  assert.deepEqual(await data(tutorial.updateDueDate, 'mutation'), {
    updateDueDate: { success: true, errors: null },
  });
  assert.deepEqual(await data(ALL_WITH_DATES, 'query'), {
    todos: { todos: [{ id: '2', description: 'Go to the dentist', completed: false, dueDate: '25-10-2020' }] },
  });
}

/** Results a client pushes (a subscription's events, a watched query's emissions), to wait on in order. */
export { Inbox as Results } from './inbox.js';

/**
 * Runs `open`, which subscribes a client to `changes` with its results going to
 * `results`, and waits until the server has started that subscription (so no
 * change made next is missed), or the subscription has failed, which throws.
 */
export async function subscribed<T>(
  server: TestServer,
  results: { readonly failed: boolean; throwIfFailed(): void },
  open: () => T,
): Promise<T> {
  const target = server.subscriptionCounts().started + 1;
  const opened = open();
  await until(() => server.subscriptionCounts().started >= target || results.failed, 'the subscription to start');
  results.throwIfFailed();
  return opened;
}

/** The `Type:<n>` inside an opaque global id (base64url), or undefined for an id that is not one. */
export function decodeGlobalId(id: string): { type: string; number: number } | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(id)) return undefined;
  const match = /^([A-Za-z]+):(\d+)$/.exec(Buffer.from(id, 'base64url').toString('utf8'));
  return match ? { type: match[1] ?? '', number: Number(match[2]) } : undefined;
}
