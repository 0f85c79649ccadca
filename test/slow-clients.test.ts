/**
 * Clients that send slowly cannot hold the server's sockets: headers or a body
 * trickled in a byte at a time are answered 408 REQUEST_TIMEOUT once
 * REQUEST_READ_TIMEOUT_MS has passed, and a client past its rate limit is
 * refused before its body is read at all. The HTTP layer is the same on both
 * databases, so this runs on SQLite.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const [sqlite] = databaseTargets;

/** Opens a raw connection to `server`, collecting whatever it answers until it closes. */
async function rawConnection(server: TestServer): Promise<{ socket: Socket; answer: Promise<string> }> {
  const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (text += chunk));
  const answer = new Promise<string>((resolve) => socket.once('close', () => resolve(text)));
  return { socket, answer };
}

/** Writes `text` a byte at a time, `gapMs` apart, until it is written or the socket closes. */
function trickle(socket: Socket, text: string, gapMs: number): void {
  let sent = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || sent >= text.length) {
      clearInterval(timer);
      return;
    }
    socket.write(text[sent] ?? '');
    sent += 1;
  }, gapMs);
  socket.once('close', () => clearInterval(timer));
}

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
const bodyOf = (answer: string) =>
  JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { errors: { extensions: { code: string } }[] };

describe('slow clients', { skip: sqlite?.skip }, () => {
  let db: TestDatabase;
  let server: TestServer;
  before(async () => {
    db = await (sqlite ?? assert.fail('no SQLite target')).create();
    server = await startTestServer(db, { REQUEST_READ_TIMEOUT_MS: '1000' });
  });
  after(async () => {
    await server.close();
    await db.drop();
  });

  it('answers 408 REQUEST_TIMEOUT to headers sent a byte at a time', async () => {
    const { socket, answer } = await rawConnection(server);
    trickle(socket, 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n', 200);
    const text = await answer;
    assert.equal(statusOf(text), 408, text);
    assert.equal(bodyOf(text).errors[0]?.extensions.code, 'REQUEST_TIMEOUT');
  });

  it('answers 408 REQUEST_TIMEOUT to a body sent a byte at a time, and goes on serving', async () => {
    const { socket, answer } = await rawConnection(server);
    const body = JSON.stringify({ query: '{ todos { success } }' });
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    trickle(socket, body, 200);
    const text = await answer;
    assert.equal(statusOf(text), 408, text);
    assert.equal(bodyOf(text).errors[0]?.extensions.code, 'REQUEST_TIMEOUT');
    assert.equal((await server.graphql('{ todos { success } }')).status, 200);
  });

  it('refuses a client past its rate limit before reading its body', async () => {
    const limited = await startTestServer(db, { RATE_LIMIT_PER_ADDRESS: '1', REQUEST_READ_TIMEOUT_MS: '30000' });
    try {
      assert.equal((await limited.graphql('{ isAuthenticated }')).status, 200);
      const { socket, answer } = await rawConnection(limited);
      // A body announced and never sent: waiting for it would end in a 408, not a 429.
      socket.write(
        'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
      );
      const text = await answer;
      assert.equal(statusOf(text), 429, text);
      assert.equal(bodyOf(text).errors[0]?.extensions.code, 'RATE_LIMITED');
    } finally {
      await limited.close();
    }
  });
});
