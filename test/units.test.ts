/** Pure logic: dates, ids, configuration parsing, the LRU map. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, parseDatabaseUrl } from '../src/config.js';
import { checkRegistration } from '../src/accounts/credentials.js';
import { SessionTokens } from '../src/accounts/tokens.js';
import { acceptedAnswers, negotiateMediaType } from '../src/http/accept.js';
import { readPlainPost } from '../src/http/plain-post.js';
import { SubscriberQueue } from '../src/changes/subscriber-queue.js';
import { formatDueDate, parseDueDate } from '../src/todos/due-date.js';
import { parseTodoId } from '../src/todos/todo-id.js';

describe('due dates', () => {
  it('parses real dd-mm-yyyy dates to ISO and back', () => {
    for (const [input, iso] of [
      ['24-10-2020', '2020-10-24'],
      ['29-02-2024', '2024-02-29'],
      ['29-02-2000', '2000-02-29'],
      ['31-12-9999', '9999-12-31'],
      ['01-01-0001', '0001-01-01'],
    ] as const) {
      assert.equal(parseDueDate(input), iso, input);
      assert.equal(formatDueDate(iso), input);
    }
  });

  it('refuses impossible dates and other formats', () => {
    for (const input of [
      '31-02-2027',
      '29-02-2100',
      '29-02-2027',
      '31-04-2027',
      '00-10-2027',
      '10-00-2027',
      '01-13-2027',
      '01-01-0000',
      '2027-10-24',
      '1-1-2027',
      '24-10-27',
      '24.10.2027',
      'x',
      '',
    ]) {
      assert.equal(parseDueDate(input), null, input);
    }
  });
});

describe('todo ids', () => {
  it('accepts canonical positive integers that fit an integer column', () => {
    assert.equal(parseTodoId('1'), 1);
    assert.equal(parseTodoId('2147483647'), 2147483647);
  });

  it('refuses everything else', () => {
    for (const input of [null, undefined, '', '0', '-1', '01', '1e9', '1.5', ' 1', '1 ', '2147483648', 'abc', '١']) {
      assert.equal(parseTodoId(input), null, String(input));
    }
  });
});

describe('configuration', () => {
  const secret = 'x'.repeat(32);

  it('refuses to start in production without an AUTH_SECRET of at least 32 characters', () => {
    for (const env of [{}, { AUTH_SECRET: 'short' }]) {
      assert.throws(
        () => loadConfig({ NODE_ENV: 'production', ...env }),
        (error) => error instanceof ConfigError && error.problems.some((p) => p.startsWith('AUTH_SECRET')),
      );
    }
    assert.equal(loadConfig({ NODE_ENV: 'production', AUTH_SECRET: secret }).authSecret, secret);
    assert.equal(loadConfig({}).authSecret, undefined);
  });

  it('has working defaults', () => {
    const config = loadConfig({});
    assert.equal(config.port, 4000);
    assert.equal(config.host, '127.0.0.1');
    assert.deepEqual(config.database, { dialect: 'sqlite', file: path.resolve('./data/todo.db') });
    assert.equal(config.nodeEnv, 'development');
    assert.equal(config.logLevel, 'info');
    assert.equal(config.bodyLimitBytes, 1024 * 1024);
    assert.equal(config.sqliteSynchronous, 'NORMAL');
    assert.equal(config.graphiql, true);
    assert.equal(config.maskErrors, false);
    assert.ok(Object.isFrozen(config));
  });

  it('turns GraphiQL off and masking on in production', () => {
    const config = loadConfig({ NODE_ENV: 'production', AUTH_SECRET: secret });
    assert.equal(config.graphiql, false);
    assert.equal(config.maskErrors, true);
    assert.equal(loadConfig({ NODE_ENV: 'production', AUTH_SECRET: secret, GRAPHIQL: 'true' }).graphiql, true);
  });

  it('reads database URLs as the tutorial writes them', () => {
    assert.deepEqual(parseDatabaseUrl('sqlite:///var/lib/todo/todo.db'), {
      dialect: 'sqlite',
      file: '/var/lib/todo/todo.db',
    });
    assert.deepEqual(parseDatabaseUrl('sqlite:////home/me/todo.db'), { dialect: 'sqlite', file: '/home/me/todo.db' });
    assert.deepEqual(parseDatabaseUrl('./x/todo.db'), { dialect: 'sqlite', file: path.resolve('x/todo.db') });
    assert.deepEqual(parseDatabaseUrl('postgres://u:p@db:5432/todo'), {
      dialect: 'postgres',
      url: 'postgres://u:p@db:5432/todo',
    });
    assert.deepEqual(parseDatabaseUrl('postgresql://db/todo'), { dialect: 'postgres', url: 'postgresql://db/todo' });
    assert.equal(typeof parseDatabaseUrl('mysql://db/todo'), 'string');
    assert.equal(typeof parseDatabaseUrl('sqlite://'), 'string');
  });

  it('reports every bad value at once', () => {
    assert.throws(
      () => loadConfig({ PORT: '70000', NODE_ENV: 'staging', GRAPHIQL: 'maybe', SQLITE_SYNCHRONOUS: 'OFF' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.length === 4 &&
        error.problems.some((p) => p.startsWith('PORT')) &&
        error.problems.some((p) => p.startsWith('NODE_ENV')) &&
        error.problems.some((p) => p.startsWith('GRAPHIQL')) &&
        error.problems.some((p) => p.startsWith('SQLITE_SYNCHRONOUS')),
    );
  });
});

describe('subscriber queue', () => {
  const queue = (capacity: number) => {
    const events: string[] = [];
    const made = new SubscriberQueue<number>(capacity, {
      ended: () => events.push('ended'),
      overflowed: () => events.push('overflowed'),
    });
    return { made, events };
  };

  it('hands changes over in order, to a waiting reader too', async () => {
    const { made } = queue(10);
    const waiting = made.next();
    made.push(1);
    made.push(2);
    assert.deepEqual(await waiting, { value: 1, done: false });
    assert.deepEqual(await made.next(), { value: 2, done: false });
  });

  it('ends and reports a slow consumer past its capacity', async () => {
    const { made, events } = queue(2);
    for (const change of [1, 2, 3]) made.push(change);
    assert.deepEqual(events, ['ended', 'overflowed']);
    assert.deepEqual(await made.next(), { value: undefined, done: true });
  });

  it('on finish, delivers what it holds, then ends, taking nothing new', async () => {
    const { made, events } = queue(10);
    made.push(1);
    made.finish();
    made.push(2);
    assert.deepEqual(await made.next(), { value: 1, done: false });
    assert.deepEqual(events, []);
    assert.deepEqual(await made.next(), { value: undefined, done: true });
    assert.deepEqual(events, ['ended']);
  });

  it('on finish, ends at once a reader waiting on an empty queue', async () => {
    const { made, events } = queue(10);
    const waiting = made.next();
    made.finish();
    assert.deepEqual(await waiting, { value: undefined, done: true });
    assert.deepEqual(events, ['ended']);
  });
});

describe('plain JSON POST recognition', () => {
  const json = { 'content-type': 'application/json' };
  const body = JSON.stringify({ query: '{ todos { success } }' });

  it('takes a POST of a JSON object with a string query, and picks the media type graphql-http would', () => {
    assert.deepEqual(readPlainPost('POST', json, body)?.mediaType, 'application/json');
    assert.deepEqual(
      readPlainPost('POST', { ...json, accept: 'application/graphql-response+json, application/json' }, body)
        ?.mediaType,
      'application/graphql-response+json',
    );
    const full = readPlainPost(
      'POST',
      { 'content-type': 'application/json; charset=utf-8' },
      JSON.stringify({
        query: 'query A { todos { success } }',
        operationName: 'A',
        variables: { a: 1 },
        extensions: {},
      }),
    );
    assert.deepEqual(full?.params, {
      query: 'query A { todos { success } }',
      operationName: 'A',
      variables: { a: 1 },
      extensions: {},
    });
  });

  it('leaves everything else to graphql-http', () => {
    const others: [string, Record<string, string>, string | null][] = [
      ['GET', json, null],
      ['POST', { 'content-type': 'text/plain' }, body],
      ['POST', { 'content-type': 'application/json; charset=latin1' }, body],
      ['POST', { ...json, accept: 'text/html' }, body],
      ['POST', { ...json, accept: 'application/json;q=0.9, */*;q=0.1' }, body],
      ['POST', json, '{"query": '],
      ['POST', json, '[{"query": "{ todos { success } }"}]'],
      ['POST', json, 'null'],
      ['POST', json, '{"query": 42}'],
      ['POST', json, '{"query": "{ a }", "variables": [1]}'],
      ['POST', json, '{"query": "{ a }", "variables": "{}"}'],
      ['POST', json, '{"query": "{ a }", "operationName": 7}'],
      ['POST', json, '{"query": "{ a }", "extensions": 1}'],
    ];
    for (const [method, headers, text] of others) {
      assert.equal(readPlainPost(method, headers, text), undefined, `${method} ${JSON.stringify(headers)} ${text}`);
    }
  });
});

describe('registration rules', () => {
  it('counts password length in code points, so a key emoji is one character', () => {
    assert.equal(checkRegistration({ username: 'ada', password: '🔑'.repeat(8) }), null);
    assert.equal(checkRegistration({ username: 'ada', password: '🔑'.repeat(7) })?.code, 'INVALID_PASSWORD');
    assert.equal(checkRegistration({ username: 'ada', password: '🔑'.repeat(257) })?.code, 'INVALID_PASSWORD');
  });
});

describe('session tokens', () => {
  it('stay valid for all of their session, though exp counts whole seconds', async () => {
    // Early in a second, a session ending half a second later ends within this
    // same second: an exp rounded down would already be past.
    while (Date.now() % 1000 > 100) await new Promise((resolve) => setTimeout(resolve, 10));
    const tokens = new SessionTokens('a'.repeat(32));
    const token = await tokens.sign({ sessionId: 'session', userId: 1, expiresAt: new Date(Date.now() + 500) });
    assert.equal(await tokens.sessionId(token), 'session');
  });
});

describe('Accept negotiation', () => {
  const URQL =
    'application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed';

  it('picks the JSON media type graphql-http would: the first acceptable entry, graphql-response+json only in UTF-8', () => {
    assert.equal(negotiateMediaType(undefined), 'application/json');
    assert.equal(negotiateMediaType(URQL), 'application/graphql-response+json');
    assert.equal(negotiateMediaType('application/json, application/graphql-response+json'), 'application/json');
    assert.equal(negotiateMediaType('*/*, application/graphql-response+json'), 'application/json');
    assert.equal(
      negotiateMediaType('Application/GraphQL-Response+JSON ; charset = UTF-8'),
      'application/graphql-response+json',
    );
    assert.equal(
      negotiateMediaType('application/graphql-response+json;charset=latin1, application/json'),
      'application/json',
    );
  });

  it('tells JSON, an event stream or either, leaving out types refused with q=0', () => {
    assert.equal(acceptedAnswers(undefined), 'json');
    assert.equal(acceptedAnswers('application/json'), 'json');
    assert.equal(acceptedAnswers('text/event-stream'), 'stream');
    assert.equal(acceptedAnswers(URQL), 'either');
    assert.equal(acceptedAnswers('text/event-stream, */*'), 'either');
    assert.equal(acceptedAnswers('text/event-stream; q=0, application/json'), 'json');
    assert.equal(acceptedAnswers('text/event-stream, application/json;q=0.0'), 'stream');
  });
});
