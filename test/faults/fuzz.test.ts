/**
 * Fuzzing (issue 7, item 7): whatever arrives over HTTP, the server answers it
 * as a GraphQL-over-HTTP server should and stays up, without leaking memory.
 *
 * fast-check generates 10,000 requests (fuzz-requests.ts, fuzz-operations.ts,
 * fuzz-mutations.ts): the tutorial's and the API's real operations mutated
 * (characters deleted, duplicated, swapped; tokens injected; argument values of
 * the wrong type, huge, unicode, very long; deep nesting), valid operations with
 * random variables, persisted-query hashes, random JSON bodies and request
 * parameters of the wrong types, random content types, Accept headers,
 * credentials (a live session's token and cookie, tampered ones, garbage),
 * request ids, methods (GET with query-string parameters, POST, PUT, …) and
 * paths. They go to the real application, started in-process, 8 at a time.
 *
 * For every response: no 5xx; /healthz still answers; a body comes with a
 * Content-Type; a JSON one parses and is a well-formed GraphQL response (`data`
 * and/or `errors`, nothing else but `extensions`; `errors` a non-empty list of
 * objects with a string `message`; no INTERNAL_SERVER_ERROR); no stack trace
 * anywhere. After the run nothing was logged as an error, and once garbage is
 * collected the heap is back near where it was after a warm-up.
 *
 * SQLite only: what is fuzzed is the HTTP and GraphQL layers above the
 * database, which are the same on both dialects (http.test.ts runs every
 * malformed-request class on PostgreSQL too), and the embedded database keeps
 * 10,000 requests within seconds and out of the JavaScript heap, whose growth
 * the test measures.
 *
 * The seed is fixed, so a run is repeatable; FUZZ_SEED=<n> picks another. On a
 * failure fast-check shrinks the request and prints it with its seed.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { PASSWORD, REGISTER } from '../helpers/accounts.js';
import { sqliteTarget, type TestDatabase } from '../helpers/databases.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { OPERATIONS, WITH_VARIABLES } from './fuzz-operations.js';
import { fuzzRequest, type FuzzRequest } from './fuzz-requests.js';

const REQUESTS = 10_000;
const WARM_UP_REQUESTS = 2_000;
const IN_FLIGHT = 8;
const SEED = Number(process.env.FUZZ_SEED ?? 7_007);
const BODY_LIMIT = 64 * 1024;
/** Distinct valid documents the document cache keeps (DocumentCache's default). */
const DOCUMENT_CACHE_ENTRIES = 1000;
/** How long an event stream is read: a subscription would run for ever. */
const EVENT_STREAM_MS = 500;
/** A stack frame: "at fn (file:///…/x.js:1:2)", "at node:internal/…:1:2", "at /x.js:1:2". */
const STACK_FRAME = /\bat (?:async )?(?:[^\s()]+ \()?(?:file:\/\/|node:|\/)[^\s()"]*:\d+:\d+/;
const HEALTH_CHECK: FuzzRequest = { method: 'GET', target: '/healthz', headers: {} };
const JSON_TYPES = new Set(['application/json', 'application/graphql-response+json']);
const TOP_LEVEL_KEYS = new Set(['data', 'errors', 'extensions']);

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  readonly pathname: string;
}

/** Keeps connections open between requests, as clients do. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Sends a request as it is: node:http leaves the target unnormalised (fetch would
 * resolve "..", for one) and costs a third of fetch's CPU, which this process
 * shares with the server. An event stream is read for EVENT_STREAM_MS, then cut.
 */
function send(origin: string, request: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const { method, target, body } = request;
    // Node frames a DELETE's or OPTIONS's body only when told its length.
    const headers =
      body === undefined ? request.headers : { ...request.headers, 'content-length': Buffer.byteLength(body) };
    const req = http.request(`${origin}${target}`, { method, headers, agent }, (res) => {
      const contentType = (res.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      const chunks: Buffer[] = [];
      let done = false;
      const answer = () => {
        if (done) return;
        done = true;
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, contentType, text, pathname: target.split('?')[0] ?? '' });
      };
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', answer);
      if (contentType === 'text/event-stream') {
        setTimeout(() => {
          if (done) return;
          answer();
          req.destroy();
        }, EVENT_STREAM_MS);
      }
    });
    req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

/** A well-formed GraphQL-over-HTTP response body, with no resolver fault in it. */
function checkGraphQLResponse(body: unknown, shown: string): void {
  assert.ok(isRecord(body), `the response is not a JSON object:\n${shown}`);
  assert.ok('data' in body || 'errors' in body, `the response has neither data nor errors:\n${shown}`);
  for (const key of Object.keys(body)) assert.ok(TOP_LEVEL_KEYS.has(key), `unexpected key "${key}":\n${shown}`);
  if ('data' in body) assert.ok(body.data === null || isRecord(body.data), `data is not an object:\n${shown}`);
  if (!('errors' in body)) return;
  const errors: unknown = body.errors;
  assert.ok(Array.isArray(errors) && errors.length > 0, `errors is not a non-empty list:\n${shown}`);
  for (const error of errors as unknown[]) {
    assert.ok(isRecord(error) && typeof error.message === 'string', `an error without a message:\n${shown}`);
    const code = isRecord(error.extensions) ? error.extensions.code : undefined;
    assert.equal(typeof code, 'string', `an error without extensions.code:\n${shown}`);
    assert.notEqual(code, 'INTERNAL_SERVER_ERROR', `a resolver fault:\n${shown}`);
  }
}

function parseJson(text: string, shown: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    assert.fail(`JSON that does not parse:\n${shown}`);
  }
}

function checkAnswer(request: FuzzRequest, answer: Answer): void {
  const shown = `HTTP ${answer.status} ${answer.contentType}\n${answer.text.slice(0, 2000)}`;
  assert.ok(answer.status < 500, `a server error:\n${shown}`);
  assert.doesNotMatch(answer.text, STACK_FRAME, `a stack trace in the response:\n${shown}`);
  // RFC 9110 §8.3; and with nosniff a client has nothing else to go by.
  assert.ok(answer.text === '' || answer.contentType !== '', `a body without a Content-Type:\n${shown}`);
  if (answer.contentType === 'text/event-stream') {
    for (const [, data = ''] of answer.text.matchAll(/^event: next\ndata: (.*)$/gm)) {
      checkGraphQLResponse(parseJson(data, shown), shown);
    }
  }
  if (request.method === 'HEAD' || !JSON_TYPES.has(answer.contentType)) return;
  const body = parseJson(answer.text, shown);
  // A health check answers its status; anything else asked of it (a POST, say) is refused like any request.
  if (
    (answer.pathname === '/healthz' || answer.pathname === '/readyz') &&
    (answer.status < 400 || answer.status === 503)
  ) {
    assert.ok(isRecord(body) && typeof body.status === 'string', `a malformed health answer:\n${shown}`);
  } else if (Array.isArray(body) && request.method === 'POST' && answer.status === 200) {
    // A batch (a JSON array of operations) is answered with one response per operation.
    assert.ok(body.length > 0, `an empty batch answer:\n${shown}`);
    for (const response of body) checkGraphQLResponse(response, shown);
  } else {
    checkGraphQLResponse(body, shown);
  }
}

/** fast-check's report (seed, counterexample, shrinks) and the error the property threw. */
function describeFailure(reason: unknown): string {
  if (!(reason instanceof Error)) return String(reason);
  return `${reason.message.replace(/\nHint: .*$/s, '')}\nGot ${String(reason.cause)}`;
}

/** Heap in use once everything collectable is collected. */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
async function settledHeapUsed(): Promise<number> {
  for (let i = 0; i < 5; i += 1) {
    gc();
    // Lets finalizers, closing sockets and timers run between collections.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return process.memoryUsage().heapUsed;
}

const MB = 1024 * 1024;
const MAX_HEAP_GROWTH = 5 * MB;
const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

describe('fuzzing the HTTP endpoint (SQLite)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let token = '';
  let sent = 0;
  const statuses = new Map<number, number>();
  let baseline = 0;

  /** One request and the checks on its answer; any failure is fast-check's to shrink. */
  async function probe(request: FuzzRequest): Promise<void> {
    sent += 1;
    let answer: Answer;
    try {
      answer = await send(server.url, request);
    } catch (error) {
      const health = await send(server.url, HEALTH_CHECK).then(
        (answer) => String(answer.status),
        (cause: unknown) => String(cause),
      );
      throw new Error(`the request got no answer (${String(error)}); /healthz then answered ${health}`);
    }
    statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    checkAnswer(request, answer);
    assert.equal((await send(server.url, HEALTH_CHECK)).status, 200, 'the server is still up');
  }

  /** `runs` requests in IN_FLIGHT concurrent properties, seeded seed, seed + 1, … */
  async function fuzz(runs: number, seed: number): Promise<void> {
    const lanes = Array.from({ length: IN_FLIGHT }, (_, lane) =>
      fc.assert(fc.asyncProperty(fuzzRequest(token), probe), {
        numRuns: Math.ceil(runs / IN_FLIGHT),
        seed: seed + lane,
      }),
    );
    const failures = (await Promise.allSettled(lanes)).flatMap((result, lane) =>
      result.status === 'rejected' ? [`lane ${lane} (seed ${seed + lane}): ${describeFailure(result.reason)}`] : [],
    );
    if (failures.length > 0) assert.fail(`FUZZ_SEED=${SEED} runs these again:\n\n${failures.join('\n\n')}`);
  }

  /** Whatever the server logged at level error or above since the last call, as short lines; then forgets it all. */
  function takeErrorLogs(): string[] {
    const lines = server.logLines.splice(0);
    return lines
      .filter((line) => Number(line.level) >= 50)
      .map((line) => JSON.stringify({ msg: line.msg, err: line.err, path: line.path }).slice(0, 1000));
  }

  before(async () => {
    assert.ok(Number.isSafeInteger(SEED), `FUZZ_SEED must be an integer, not ${process.env.FUZZ_SEED ?? ''}`);
    db = await sqliteTarget.create();
    // warn: the log keeps only what matters, so it does not grow with every request.
    server = await startTestServer(db, { LOG_LEVEL: 'warn', BODY_LIMIT_BYTES: String(BODY_LIMIT) });
    // fuzz-friend is there to share lists with; the run signs in as fuzz-owner.
    for (const username of ['fuzz-friend', 'fuzz-owner']) {
      const { body } = await server.graphql(REGISTER, { input: { username, password: PASSWORD } });
      const answer = body.data?.register;
      token = isRecord(answer) && typeof answer.token === 'string' ? answer.token : '';
    }
    assert.ok(token, 'registered');
  });

  after(async () => {
    agent.destroy();
    await server.close();
    await db.drop();
  });

  it(`answers ${REQUESTS} fuzzed requests without a 5xx, a malformed answer or a stack trace`, async (t) => {
    // Warm-up: fill the document cache to its bound with valid documents, then fuzz
    // a little, so the heap baseline has every bounded cache and pool already full.
    // Register and login are left out: scrypt would make them cost half the warm-up.
    const documents = [...OPERATIONS, ...WITH_VARIABLES].filter((text) => !/register|login/.test(text));
    for (let i = 0; i < DOCUMENT_CACHE_ENTRIES; i += IN_FLIGHT) {
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, (_, j) =>
          server.graphql(`${documents[(i + j) % documents.length] ?? ''}\n# warm-up ${i + j}`),
        ),
      );
    }
    await fuzz(WARM_UP_REQUESTS, SEED + 1_000_000);
    assert.deepEqual(takeErrorLogs(), [], 'nothing was logged as an error during the warm-up');
    baseline = await settledHeapUsed();

    sent = 0;
    statuses.clear();
    const started = performance.now();
    await fuzz(REQUESTS, SEED);
    const seconds = (performance.now() - started) / 1000;
    t.diagnostic(`seed ${SEED}: ${sent} requests in ${seconds.toFixed(1)} s, ${IN_FLIGHT} in flight`);
    t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);
    assert.ok(sent >= REQUESTS);
    assert.deepEqual(takeErrorLogs(), [], 'nothing was logged as an error');
  });

  it('holds no memory from them once garbage is collected', async (t) => {
    assert.ok(baseline > 0, 'the fuzz run measured a baseline');
    const now = await settledHeapUsed();
    t.diagnostic(`heap used after warm-up ${mb(baseline)}, after the run ${mb(now)} (${mb(now - baseline)} more)`);
    // What a healthy run leaves, measured over 12 seeds: 0.9 to 2.4 MB, mostly
    // graphql-jit's code for the fuzzed documents that now fill part of the
    // document cache (bounded at 1,000) in place of the warm-up's, and V8's
    // optimised code for paths first taken. 5 MB is twice the most seen. A leak
    // of one small thing per request (a copy of its headers, a closure, a
    // listener) keeps 250+ bytes for each of 20,000 requests (10,000 and their
    // /healthz probes): 5 MB. Keeping a copy of each request's headers, tried on
    // a scratch copy of the server, left 6.4 MB.
    assert.ok(now < baseline + MAX_HEAP_GROWTH, `heap grew from ${mb(baseline)} to ${mb(now)}`);
  });
});
