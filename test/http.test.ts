/**
 * The endpoint speaks GraphQL over HTTP: graphql-http's audits all pass, and
 * every malformed request gets a 4xx or a GraphQL error saying what is wrong,
 * never a 5xx, on both databases.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serverAudits } from 'graphql-http';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/until.js';

const BODY_LIMIT = 64 * 1024;

interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

async function request(url: string, init: RequestInit = {}): Promise<RawResponse> {
  const response = await fetch(url, init);
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function errorMessages(text: string): string[] {
  const body = JSON.parse(text) as { errors?: { message: string }[] };
  return (body.errors ?? []).map((error) => error.message);
}

for (const target of databaseTargets) {
  describe(`GraphQL over HTTP on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let server: TestServer;

    before(async () => {
      db = await target.create();
      server = await startTestServer(db, { BODY_LIMIT_BYTES: String(BODY_LIMIT) });
    });
    after(async () => {
      await server.close();
      await db.drop();
    });

    describe('graphql-http server audits', () => {
      for (const audit of serverAudits({ url: () => server.graphqlUrl, fetchFn: fetch })) {
        it(audit.name, async () => {
          const result = await audit.fn();
          assert.equal(result.status, 'ok', `${result.status}: ${'reason' in result ? result.reason : ''}`);
        });
      }
    });

    const post = (body: string, headers: Record<string, string> = {}) =>
      request(server.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });

    it('answers malformed JSON with 400 and a message', async () => {
      const response = await post('{"query": "{ todos { success } }"');
      assert.equal(response.status, 400);
      assert.deepEqual(errorMessages(response.text), ['The request body is not valid JSON.']);
    });

    it('answers a missing, empty or non-string query with 400', async () => {
      for (const body of ['{}', '{"query": null}', '{"variables": {}}']) {
        const response = await post(body);
        assert.equal(response.status, 400, body);
        assert.match(errorMessages(response.text)[0] ?? '', /has no "query"/, body);
      }
      for (const body of ['{"query": 42}', '{"query": {"a": 1}}', '{"query": ["{ todos { success } }"]}']) {
        const response = await post(body);
        assert.equal(response.status, 400, body);
        assert.match(errorMessages(response.text)[0] ?? '', /"query" parameter must be a string/, body);
      }
      const empty = await post('');
      assert.equal(empty.status, 400);
      assert.match(errorMessages(empty.text)[0] ?? '', /body is empty/);
    });

    it('answers a body that is not an object, or not a well-formed batch, with 400', async () => {
      for (const body of ['"{ todos { success } }"', '42', 'null', '[{"query": "{ todos { success } }"}']) {
        const response = await post(body);
        assert.equal(response.status, 400, body);
      }
    });

    it('answers bad variables or operationName with 400', async () => {
      const variables = await post('{"query": "{ todos { success } }", "variables": [1]}');
      assert.equal(variables.status, 400);
      assert.match(errorMessages(variables.text)[0] ?? '', /"variables" parameter must be a JSON object/);
      const operationName = await post('{"query": "{ todos { success } }", "operationName": 7}');
      assert.equal(operationName.status, 400);
      assert.match(errorMessages(operationName.text)[0] ?? '', /"operationName" parameter must be a string/);
    });

    it('answers an unsupported content type with 415 and says what to send', async () => {
      for (const contentType of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
      ]) {
        const response = await post('{"query": "{ todos { success } }"}', { 'content-type': contentType });
        assert.equal(response.status, 415, contentType);
        assert.match(errorMessages(response.text)[0] ?? '', /send the request as application\/json/);
      }
    });

    it('answers a query or mutation with JSON whenever the client accepts JSON, as urql’s default Accept does', async () => {
      const urqlAccept =
        'application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed';
      for (const accept of [urqlAccept, 'text/event-stream, application/json', 'text/event-stream;q=0.5, */*']) {
        const response = await post('{"query": "{ todos { success } }"}', { accept });
        assert.equal(response.status, 200, accept);
        assert.match(response.headers.get('content-type') ?? '', /^application\/(graphql-response\+)?json/, accept);
        assert.deepEqual(JSON.parse(response.text), { data: { todos: { success: true } } });
      }
      const mutation = await post('{"query": "mutation { markDone(todoId: \\"1\\") { success } }"}', {
        accept: urqlAccept,
      });
      assert.equal(mutation.status, 200);
      assert.match(mutation.headers.get('content-type') ?? '', /^application\/graphql-response\+json/);

      // A subscription, which JSON cannot carry, gets the event stream it also accepts.
      const controller = new AbortController();
      const stream = await fetch(server.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: urqlAccept },
        body: JSON.stringify({ query: 'subscription { changes { kind } }' }),
        signal: controller.signal,
      });
      assert.equal(stream.status, 200);
      assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
      controller.abort();
      // Refused explicitly (q=0), the event stream is not chosen.
      const refused = await post('{"query": "{ todos { success } }"}', {
        accept: 'text/event-stream;q=0, application/json',
      });
      assert.match(refused.headers.get('content-type') ?? '', /^application\/json/);
    });

    it('lets a client that sends a whole body far over the limit read its 413', async () => {
      const body = JSON.stringify({ query: `{ todos { success } }${' '.repeat(BODY_LIMIT * 8)}` });
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const response = await post(body);
        assert.equal(response.status, 413);
        assert.match(response.text, /"code":"PAYLOAD_TOO_LARGE"/);
      }
    });

    it('answers an unacceptable Accept header with 406', async () => {
      const response = await post('{"query": "{ todos { success } }"}', { accept: 'text/csv' });
      assert.equal(response.status, 406);
      assert.match(errorMessages(response.text)[0] ?? '', /application\/json/);
    });

    it('answers a body over the size limit with 413 and keeps serving', async () => {
      const query = `{ todos { success } }${' '.repeat(BODY_LIMIT)}`;
      const response = await post(JSON.stringify({ query }));
      assert.equal(response.status, 413);
      assert.deepEqual(errorMessages(response.text), [
        `The request body is larger than the limit of ${BODY_LIMIT} bytes.`,
      ]);

      // Streamed without a Content-Length, the limit still holds.
      const chunk = new TextEncoder().encode(' '.repeat(16 * 1024));
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent > BODY_LIMIT * 4) controller.close();
          else {
            sent += chunk.length;
            controller.enqueue(chunk);
          }
        },
      });
      const streamed = await fetch(server.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: stream,
        duplex: 'half',
      }).catch((error: unknown) => error);
      if (streamed instanceof Response) assert.equal(streamed.status, 413);

      const ok = await server.data<{ todos: { success: boolean } }>('{ todos { success } }');
      assert.equal(ok.todos.success, true);
    });

    it('shrugs off a client that disconnects halfway through its body', async () => {
      const { port } = new URL(server.url);
      const socket = connect(Number(port), '127.0.0.1');
      await once(socket, 'connect');
      socket.write(
        'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\nX-Request-Id: gone-away\r\n\r\n{"query":',
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      socket.destroy();

      const gone = () => server.logLines.filter((line) => line.reqId === 'gone-away');
      await until(() => gone().length > 0, 'the abandoned request to be logged');
      const lines = gone();
      assert.deepEqual(
        lines.map((line) => [line.msg, line.aborted]),
        [['request', true]],
      );
      assert.equal((await request(`${server.url}/healthz`)).status, 200);
    });

    it('answers a syntax error with the position and a message', async () => {
      const response = await server.graphql('{ todos { success }');
      assert.equal(response.status, 400);
      assert.equal(response.body.data, undefined);
      assert.match(response.body.errors?.[0]?.message ?? '', /^Syntax Error: Expected Name, found <EOF>\./);
    });

    it('answers an unknown field with a validation error naming it', async () => {
      const response = await server.graphql('{ todos { success nope } }');
      assert.equal(response.status, 400);
      assert.deepEqual(
        response.body.errors?.map((error) => error.message),
        ['Cannot query field "nope" on type "TodosResult".'],
      );
    });

    it('answers an unknown or ambiguous operation name clearly', async () => {
      const unknown = await post(JSON.stringify({ query: 'query a { todos { success } }', operationName: 'b' }), {
        accept: 'application/graphql-response+json',
      });
      assert.equal(unknown.status, 400);
      assert.deepEqual(errorMessages(unknown.text), ['The document has no operation named "b".']);
      const ambiguous = await post(
        JSON.stringify({ query: 'query a { todos { success } } query b { todos { success } }' }),
        {
          accept: 'application/graphql-response+json',
        },
      );
      assert.equal(ambiguous.status, 400);
      assert.match(errorMessages(ambiguous.text)[0] ?? '', /name the one to run in "operationName"/);
    });

    it('answers bad variable values with an error naming the variable', async () => {
      const response = await server.graphql('query($id: ID!) { todo(todoId: $id) { success } }', { id: { a: 1 } });
      assert.equal(response.status, 400);
      assert.match(response.body.errors?.[0]?.message ?? '', /Variable "\$id"/);
    });

    it('runs queries over GET and refuses mutations over GET with 405', async () => {
      const query = encodeURIComponent('{ todos { success } }');
      const get = await request(`${server.graphqlUrl}?query=${query}`);
      assert.equal(get.status, 200);
      assert.deepEqual(JSON.parse(get.text), { data: { todos: { success: true } } });

      const mutation = encodeURIComponent(
        'mutation { createTodo(description: "x", dueDate: "01-01-2030") { success } }',
      );
      const refused = await request(`${server.graphqlUrl}?query=${mutation}`);
      assert.equal(refused.status, 405);
      assert.equal(refused.headers.get('allow'), 'POST');
      const { todos } = await server.data<{ todos: { todos: { description: string }[] } }>(
        '{ todos { todos { description } } }',
      );
      assert.ok(!todos.todos.some((todo) => todo.description === 'x'), 'the refused mutation did not run');
    });

    it('refuses other methods with 405', async () => {
      for (const method of ['PUT', 'DELETE', 'PATCH']) {
        const response = await request(server.graphqlUrl, { method });
        assert.equal(response.status, 405, method);
        assert.equal(response.headers.get('allow'), 'GET, POST');
      }
    });

    it('answers unknown paths with 404', async () => {
      const response = await request(`${server.url}/nothing-here`);
      assert.equal(response.status, 404);
      assert.match(errorMessages(response.text)[0] ?? '', /\/graphql/);
    });

    it('reports liveness and readiness', async () => {
      const health = await request(`${server.url}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(JSON.parse(health.text), { status: 'ok' });
      const ready = await request(`${server.url}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(JSON.parse(ready.text), { status: 'ready' });
    });

    it('puts the security headers on every response: answers, refusals, errors and health', async () => {
      const responses = [
        await post(JSON.stringify({ query: '{ isAuthenticated }' })),
        await post('{"query": "{ nope }"}'),
        await post('not json'),
        await request(`${server.url}/nothing-here`),
        await request(`${server.url}/healthz`),
      ];
      for (const response of responses) {
        assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(response.headers.get('content-security-policy'), "default-src 'none';frame-ancestors 'none'");
        assert.equal(response.headers.get('x-frame-options'), 'DENY');
        assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
        assert.equal(response.headers.get('cache-control'), 'no-store');
        // HSTS counts only over HTTPS, where browsers heed it.
        assert.equal(response.headers.get('strict-transport-security'), null);
      }
      const overHttps = await request(`${server.url}/healthz`, { headers: { 'x-forwarded-proto': 'https' } });
      assert.match(overHttps.headers.get('strict-transport-security') ?? '', /^max-age=\d+/);
    });

    it('gives every response a request id, keeping a well-formed one from the client', async () => {
      const generated = await request(`${server.url}/healthz`);
      assert.match(generated.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
      const kept = await request(`${server.url}/healthz`, { headers: { 'x-request-id': 'client-abc.123' } });
      assert.equal(kept.headers.get('x-request-id'), 'client-abc.123');
      const replaced = await request(`${server.url}/healthz`, { headers: { 'x-request-id': 'bad id\twith spaces' } });
      assert.match(replaced.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    });
  });
}
