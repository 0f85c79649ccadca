/**
 * OpenTelemetry traces, read from the SDK's in-memory exporter: a request
 * continues the caller's trace (`traceparent`, over HTTP and on a WebSocket
 * upgrade), its operation is a child span with the semantic conventions'
 * attributes and never a variable, each SQL statement is one child of the
 * operation, a compiled run makes the same spans as the first, errors are
 * recorded with their codes, the request's log line joins the trace, and the
 * sampling ratio holds.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import WebSocket from 'ws';
import { databaseTargets, sqliteTarget, type TestDatabase } from './helpers/databases.js';
import { PrivateRedis } from './helpers/redis.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/until.js';

/** Turns tracing on; the exporter the test passes replaces OTLP, so nothing is sent there. */
const TRACING = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };

const traceparent = () => {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { traceId, parentId, header: `00-${traceId}-${parentId}-01` };
};

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** The spans of one trace, once its request span has ended. */
async function traceOf(exporter: InMemorySpanExporter, traceId: string, rootName: string): Promise<ReadableSpan[]> {
  const spans = () => exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
  await until(() => spans().some((span) => span.name === rootName), `the span ${rootName}`);
  return spans();
}

for (const target of databaseTargets) {
  describe(`traces on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let server: TestServer;
    let statements = 0;
    const exporter = new InMemorySpanExporter();

    before(async () => {
      db = await target.create();
      server = await startTestServer(db, TRACING, { spanExporter: exporter, onStatement: () => (statements += 1) });
    });
    after(async () => {
      await server.close();
      await db.drop();
    });
    afterEach(() => exporter.reset());

    const QUERY = 'query Traced($id: ID!) { todo(todoId: $id) { success todo { id } } todos { success } }';

    /** Runs QUERY in a trace of the test's own; its spans and how many statements it sent. */
    async function tracedRun(secret: string) {
      const { traceId, parentId, header } = traceparent();
      const before = statements;
      const answer = await server.graphql(QUERY, { id: secret }, { traceparent: header });
      assert.equal(answer.status, 200);
      const spans = await traceOf(exporter, traceId, 'POST /graphql');
      return { spans, parentId, traceId, statements: statements - before };
    }

    it('continues the caller trace: request, operation, and one span per SQL statement', async () => {
      const secret = `s3cr3t-${randomBytes(4).toString('hex')}`;
      const runs = [await tracedRun(secret), await tracedRun(secret)];
      const shapes = runs.map(({ spans, parentId, statements: sent }) => {
        const request = spans.find((span) => span.name === 'POST /graphql');
        assert.ok(request);
        assert.equal(request.kind, SpanKind.SERVER);
        assert.equal(parentOf(request), parentId);
        assert.equal(request.attributes['http.route'], '/graphql');
        assert.equal(request.attributes['http.response.status_code'], 200);

        const operation = spans.find((span) => parentOf(span) === request.spanContext().spanId);
        assert.ok(operation);
        assert.equal(operation.name, 'query Traced');
        assert.deepEqual(operation.attributes, {
          'graphql.operation.type': 'query',
          'graphql.operation.name': 'Traced',
          'graphql.document.hash': createHash('sha256').update(QUERY).digest('hex'),
        });

        const sql = spans.filter((span) => parentOf(span) === operation.spanContext().spanId);
        assert.ok(sent > 0);
        assert.equal(sql.length, sent, 'one span per statement sent');
        for (const span of sql) {
          assert.equal(span.kind, SpanKind.CLIENT);
          assert.equal(span.attributes['db.system'], target.name === 'sqlite' ? 'sqlite' : 'postgresql');
          assert.equal(typeof span.attributes['db.query.text'], 'string');
        }
        // Variables never reach a span: the SQL binds them, the operation leaves them out.
        assert.doesNotMatch(JSON.stringify(spans.map((span) => span.attributes)), new RegExp(secret));
        return { operation: [operation.name, operation.attributes], sql: sql.map((span) => span.name) };
      });
      // The second run is graphql-jit's compiled executor; it makes the same spans.
      assert.deepEqual(shapes[1], shapes[0]);
    });

    it('records errors on the operation span with their codes, and joins the log line to the trace', async () => {
      const { traceId, header } = traceparent();
      await server.graphql('query Unset($id: ID!) { todo(todoId: $id) { success } }', undefined, {
        traceparent: header,
      });
      const spans = await traceOf(exporter, traceId, 'POST /graphql');
      const operation = spans.find((span) => span.name === 'query Unset');
      assert.ok(operation);
      assert.equal(operation.status.code, SpanStatusCode.ERROR);
      assert.equal(operation.status.message, 'BAD_USER_INPUT');
      assert.equal(operation.events[0]?.attributes?.['graphql.error.code'], 'BAD_USER_INPUT');

      const request = spans.find((span) => span.name === 'POST /graphql');
      await until(() => server.logLines.some((line) => line.msg === 'request' && line.trace_id === traceId), 'the log');
      const line = server.logLines.find((entry) => entry.msg === 'request' && entry.trace_id === traceId);
      assert.equal(line?.span_id, request?.spanContext().spanId);
      assert.equal(typeof line?.reqId, 'string');
    });

    it('continues the trace of a WebSocket upgrade in each of its operations', async () => {
      const { traceId, parentId, header } = traceparent();
      const socket = new WebSocket(server.graphqlUrl.replace('http', 'ws'), 'graphql-transport-ws', {
        headers: { traceparent: header },
      });
      const messages: { type: string; id?: string }[] = [];
      socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as { type: string }));
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      try {
        socket.send(JSON.stringify({ type: 'connection_init' }));
        await until(() => messages.some((message) => message.type === 'connection_ack'), 'connection_ack');
        socket.send(
          JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'query OverSocket { todos { success } }' } }),
        );
        await until(() => messages.some((message) => message.type === 'complete'), 'the result');
        const spans = await traceOf(exporter, traceId, 'query OverSocket');
        const operation = spans.find((span) => span.name === 'query OverSocket');
        assert.equal(operation && parentOf(operation), parentId);
        assert.ok(
          spans.some((span) => parentOf(span) === operation?.spanContext().spanId),
          'its statements',
        );
      } finally {
        socket.terminate();
      }
    });
  });
}

describe('traces with Redis, and sampling', () => {
  let db: TestDatabase;
  before(async () => {
    db = await sqliteTarget.create();
  });
  after(() => db.drop());

  it('makes a span per Redis command, named by the command alone', async () => {
    const redis = await PrivateRedis.start();
    const exporter = new InMemorySpanExporter();
    const server = await startTestServer(
      db,
      { ...TRACING, REDIS_URL: redis.url, RESPONSE_CACHE_TTL_SECONDS: '60' },
      { spanExporter: exporter },
    );
    try {
      // The cache is read once its connection has been up for a grace period (cache/redis-store.ts).
      let spans: ReadableSpan[] = [];
      await until(
        async () => {
          const { traceId, header } = traceparent();
          await server.graphql('query Cached { todos { success } }', undefined, { traceparent: header });
          spans = await traceOf(exporter, traceId, 'POST /graphql');
          return spans.some((span) => span.attributes['db.system'] === 'redis');
        },
        'a query that reads the response cache in Redis',
        20_000,
        250,
      );
      const operation = spans.find((span) => span.name === 'query Cached');
      const commands = spans.filter((span) => span.attributes['db.system'] === 'redis');
      assert.ok(commands.length > 0, 'Redis commands');
      for (const command of commands) {
        assert.equal(parentOf(command), operation?.spanContext().spanId);
        assert.deepEqual(Object.keys(command.attributes).sort(), ['db.operation.name', 'db.system']);
        assert.equal(command.name, command.attributes['db.operation.name']);
      }
    } finally {
      await server.close();
      await redis.kill();
    }
  });

  it('records no new trace at TRACES_SAMPLE_RATIO=0, yet follows a caller that sampled its own', async () => {
    const exporter = new InMemorySpanExporter();
    const server = await startTestServer(db, { ...TRACING, TRACES_SAMPLE_RATIO: '0' }, { spanExporter: exporter });
    try {
      for (let i = 0; i < 5; i += 1) await server.data('query Unsampled { todos { success } }');
      const { traceId, header } = traceparent();
      await server.graphql('query Sampled { todos { success } }', undefined, { traceparent: header });
      const spans = await traceOf(exporter, traceId, 'POST /graphql');
      assert.ok(spans.some((span) => span.name === 'query Sampled'));
      assert.ok(exporter.getFinishedSpans().every((span) => span.spanContext().traceId === traceId));
    } finally {
      await server.close();
    }
  });
});
