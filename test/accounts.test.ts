/**
 * Accounts, black-box over HTTP on both databases: register, login, logout with
 * the session cookie and with a bearer token; refused credentials; the login
 * throttle; CSRF refusals; each user's todos their own; tokens across a restart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { TEST_AUTH_SECRET, startTestServer, type TestServer } from './helpers/server.js';

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: {
    data?: Record<string, Record<string, unknown> | boolean | null> | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
}

/** How a request proves who it is. */
type Credential = { readonly token: string } | { readonly cookie: string } | undefined;

const PASSWORD = 'correct-horse-battery';

async function call(
  server: TestServer,
  query: string,
  variables?: Record<string, unknown>,
  credential?: Credential,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(server.graphqlUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(credential && 'token' in credential ? { authorization: `Bearer ${credential.token}` } : {}),
      ...(credential && 'cookie' in credential ? { cookie: credential.cookie } : {}),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
}

const REGISTER = `mutation ($input: RegisterInput!) {
  register(input: $input) { status error { message code field } user { id username } token }
}`;
const LOGIN = `mutation ($username: String!, $password: String!) {
  login(username: $username, password: $password) { status error { message code field } user { id username } token }
}`;
const WHO = '{ isAuthenticated me { id username } }';

/** The `name=value` part of the session cookie a response sets. */
function sessionCookieOf(answer: Answer): string {
  const header = answer.headers.getSetCookie().find((value) => value.startsWith('todo_session='));
  assert.ok(header, 'the response sets the session cookie');
  return header.split(';')[0] ?? '';
}

async function register(server: TestServer, username: string, password = PASSWORD) {
  const answer = await call(server, REGISTER, { input: { username, password } });
  const payload = answer.body.data?.register as { status: boolean; token: string; user: { id: string } };
  assert.equal(payload.status, true, JSON.stringify(answer.body));
  return { token: payload.token, cookie: sessionCookieOf(answer), id: payload.user.id };
}

for (const target of databaseTargets) {
  describe(`accounts on ${target.name}`, { skip: target.skip }, () => {
    let db: TestDatabase;
    let server: TestServer;

    before(async () => {
      db = await target.create();
      server = await startTestServer(db, { LOGIN_MAX_FAILURES: '3', LOGIN_WINDOW_SECONDS: '2' });
    });
    after(async () => {
      await server.close();
      await db.drop();
    });

    it('registers, logs in, answers who is calling, and logs out, by cookie and by token', async () => {
      const registered = await call(server, REGISTER, { input: { username: 'Ada', password: PASSWORD } });
      const payload = registered.body.data?.register as Record<string, unknown>;
      assert.equal(payload.status, true);
      assert.equal(payload.error, null);
      assert.deepEqual(payload.user, { id: (payload.user as { id: string }).id, username: 'Ada' });
      assert.equal(typeof payload.token, 'string');
      const setCookie = registered.headers.getSetCookie().join('\n');
      assert.match(setCookie, /todo_session=[^;]+; Path=\/; Max-Age=604800; HttpOnly; SameSite=Lax/);
      assert.doesNotMatch(setCookie, /Secure/, 'not Secure over plain HTTP outside production');

      const byCookie = { cookie: sessionCookieOf(registered) };
      const byToken = { token: payload.token as string };
      for (const credential of [byCookie, byToken]) {
        assert.deepEqual((await call(server, WHO, undefined, credential)).body.data, {
          isAuthenticated: true,
          me: payload.user,
        });
      }
      assert.deepEqual((await call(server, WHO)).body.data, { isAuthenticated: false, me: null });

      // A second login is a second session; logging out of it leaves the first one alone.
      const login = await call(server, LOGIN, { username: 'ada', password: PASSWORD });
      const second = login.body.data?.login as { status: boolean; token: string; user: unknown };
      assert.equal(second.status, true);
      assert.deepEqual(second.user, payload.user);
      const logout = await call(server, 'mutation { logout { status user { username } token } }', undefined, {
        token: second.token,
      });
      assert.deepEqual(logout.body.data, { logout: { status: true, user: { username: 'Ada' }, token: null } });
      assert.match(logout.headers.getSetCookie().join('\n'), /todo_session=; Path=\/; Max-Age=0/);

      const refused = await call(server, WHO, undefined, { token: second.token });
      assert.equal(refused.status, 401);
      assert.equal(refused.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
      assert.equal((await call(server, WHO, undefined, byToken)).body.data?.isAuthenticated, true);

      // Logging out by cookie ends the session for its token too, and the stale cookie is cleared.
      await call(server, 'mutation { logout { status } }', undefined, byCookie);
      for (const credential of [byCookie, byToken]) {
        const answer = await call(server, WHO, undefined, credential);
        assert.equal(answer.status, 401);
        assert.equal(answer.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
      }
      const staleCookie = await call(server, WHO, undefined, byCookie);
      assert.match(staleCookie.headers.getSetCookie().join('\n'), /todo_session=; Path=\/; Max-Age=0/);
    });

    it('marks the cookie Secure in production, or when a proxy says the request came over HTTPS', async () => {
      const answer = await call(
        server,
        REGISTER,
        { input: { username: 'secure-user', password: PASSWORD } },
        undefined,
        { 'x-forwarded-proto': 'https' },
      );
      assert.match(answer.headers.getSetCookie().join('\n'), /todo_session=[^;]+;.*HttpOnly; SameSite=Lax; Secure/);

      const productionDb = await target.create();
      const production = await startTestServer(productionDb, { NODE_ENV: 'production' });
      try {
        const inProduction = await call(production, REGISTER, { input: { username: 'prod-user', password: PASSWORD } });
        assert.match(inProduction.headers.getSetCookie().join('\n'), /; Secure$/);
      } finally {
        await production.close();
        await productionDb.drop();
      }
    });

    it('refuses bad registrations, each with a code and the input field it is about', async () => {
      await register(server, 'grace');
      const cases: [Record<string, string>, string, string][] = [
        [{ username: 'GRACE', password: PASSWORD }, 'USERNAME_TAKEN', 'username'],
        [{ username: 'ab', password: PASSWORD }, 'INVALID_USERNAME', 'username'],
        [{ username: 'x'.repeat(33), password: PASSWORD }, 'INVALID_USERNAME', 'username'],
        [{ username: 'has space', password: PASSWORD }, 'INVALID_USERNAME', 'username'],
        [{ username: 'émile', password: PASSWORD }, 'INVALID_USERNAME', 'username'],
        [{ username: 'linus', password: 'short' }, 'INVALID_PASSWORD', 'password'],
        [{ username: 'linus', password: 'p'.repeat(257) }, 'INVALID_PASSWORD', 'password'],
      ];
      for (const [input, code, field] of cases) {
        const answer = await call(server, REGISTER, { input });
        const payload = answer.body.data?.register as {
          status: boolean;
          error: { message: string; code: string; field: string };
          token: null;
        };
        assert.equal(payload.status, false, JSON.stringify(input));
        assert.equal(payload.error.code, code, JSON.stringify(input));
        assert.equal(payload.error.field, field);
        assert.ok(payload.error.message.length > 0);
        assert.equal(payload.token, null);
        assert.deepEqual(answer.headers.getSetCookie(), [], 'no session for a refused registration');
      }
      // The edges of the rules are accepted.
      await register(server, 'a_b', 'p'.repeat(8));
      await register(server, 'Z.-9'.padEnd(32, 'z'), 'p'.repeat(256));
    });

    it('answers a wrong password and an unknown username alike', async () => {
      await register(server, 'hopper');
      const wrong = await call(server, LOGIN, { username: 'hopper', password: 'not-the-password' });
      const unknown = await call(server, LOGIN, { username: 'nobody-here', password: 'not-the-password' });
      assert.deepEqual(wrong.body, unknown.body);
      assert.deepEqual((wrong.body.data?.login as { error: unknown }).error, {
        message: 'Wrong username or password.',
        code: 'INVALID_CREDENTIALS',
        field: null,
      });
    });

    it('refuses further logins after too many failures, whatever the password, until the window passes', async () => {
      await register(server, 'turing');
      for (let i = 0; i < 3; i++) await call(server, LOGIN, { username: 'turing', password: `wrong-${i}-password` });
      const limited = await call(server, LOGIN, { username: 'TURING', password: PASSWORD });
      const payload = limited.body.data?.login as { status: boolean; error: { code: string }; token: null };
      assert.equal(payload.status, false);
      assert.equal(payload.error.code, 'RATE_LIMITED');
      assert.equal(payload.token, null);
      // Other usernames are not affected.
      await register(server, 'lovelace');
      assert.equal(
        (
          (await call(server, LOGIN, { username: 'lovelace', password: PASSWORD })).body.data?.login as {
            status: boolean;
          }
        ).status,
        true,
      );

      await new Promise((resolve) => setTimeout(resolve, 2100));
      const later = await call(server, LOGIN, { username: 'turing', password: PASSWORD });
      assert.equal((later.body.data?.login as { status: boolean }).status, true);
    });

    it('refuses malformed, tampered, foreign and expired tokens with 401 UNAUTHENTICATED', async () => {
      const { token } = await register(server, 'knuth');
      const [header, payload, signature = ''] = token.split('.');
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
      const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: '1' })).toString('base64url')}.${signature}`;
      const foreign = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode('another-secret-that-is-long-enough-to-sign'));
      const expired = await new SignJWT({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode(TEST_AUTH_SECRET));
      for (const bad of ['not-a-jwt', tampered, foreign, expired]) {
        const answer = await call(server, WHO, undefined, { token: bad });
        assert.equal(answer.status, 401, bad);
        assert.equal(answer.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
        assert.equal(answer.body.data, undefined, 'nothing runs');
        assert.equal(answer.headers.get('www-authenticate'), 'Bearer');
      }
      const basic = await call(server, WHO, undefined, undefined, { authorization: 'Basic a25vdXRoOnBhc3M=' });
      assert.equal(basic.status, 401);
      assert.match(basic.body.errors?.[0]?.message ?? '', /Bearer/);
      // A token still works after all that.
      assert.equal((await call(server, WHO, undefined, { token })).body.data?.isAuthenticated, true);
    });

    it('refuses what a cross-site form or image could send with the cookie, and keeps JSON working', async () => {
      const { cookie } = await register(server, 'csrf-victim');
      const create = 'mutation { createTodo(description: "planted", dueDate: "01-01-2030") { success } }';
      const form = await fetch(server.graphqlUrl, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: `query=${encodeURIComponent(create)}`,
      });
      assert.equal(form.status, 415);
      const plain = await fetch(server.graphqlUrl, {
        method: 'POST',
        headers: { cookie, 'content-type': 'text/plain' },
        body: JSON.stringify({ query: create }),
      });
      assert.equal(plain.status, 415);
      const image = await fetch(`${server.graphqlUrl}?query=${encodeURIComponent(create)}`, { headers: { cookie } });
      assert.equal(image.status, 405);
      const crossSite = await call(server, create, undefined, { cookie }, { 'sec-fetch-site': 'cross-site' });
      assert.equal(crossSite.status, 403);
      assert.equal(crossSite.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');

      const todos = await call(server, '{ todos { todos { description } } }', undefined, { cookie });
      assert.deepEqual(todos.body.data, { todos: { todos: [] } }, 'nothing was created');
      const sameSite = await call(server, create, undefined, { cookie }, { 'sec-fetch-site': 'same-origin' });
      assert.deepEqual(sameSite.body.data, { createTodo: { success: true } });
    });

    it("keeps each user's todos and the anonymous space apart", async () => {
      const alice = await register(server, 'alice');
      const bob = await register(server, 'bob');
      const callers: Record<string, Credential> = { alice, bob: { cookie: bob.cookie }, anonymous: undefined };
      const ids: Record<string, string> = {};
      for (const [name, credential] of Object.entries(callers)) {
        const answer = await call(
          server,
          'mutation ($d: String!) { createTodo(description: $d, dueDate: "01-02-2030") { todo { id } } }',
          { d: `${name}'s todo` },
          credential,
        );
        ids[name] = (answer.body.data?.createTodo as { todo: { id: string } }).todo.id;
      }
      const own = async (credential: Credential) =>
        (await call(server, '{ todos { todos { id description completed dueDate } } }', undefined, credential)).body
          .data;

      for (const [name, credential] of Object.entries(callers)) {
        const before = await own(credential);
        assert.deepEqual(before, {
          todos: { todos: [{ id: ids[name], description: `${name}'s todo`, completed: false, dueDate: '01-02-2030' }] },
        });
        for (const [otherName, otherId] of Object.entries(ids)) {
          if (otherName === name) continue;
          const tries = await call(
            server,
            `query { todo(todoId: "${otherId}") { success errors todo { id } } }`,
            undefined,
            credential,
          );
          assert.deepEqual(tries.body.data, {
            todo: { success: false, errors: [`Todo item matching id ${otherId} not found`], todo: null },
          });
          const changes = await call(
            server,
            `mutation {
              markDone(todoId: "${otherId}") { success errors }
              updateDueDate(todoId: "${otherId}", newDate: "31-12-2031") { success errors }
              deleteTodo(todoId: "${otherId}") { success errors }
            }`,
            undefined,
            credential,
          );
          assert.deepEqual(changes.body.data, {
            markDone: { success: false, errors: [`Todo matching id ${otherId} was not found`] },
            updateDueDate: { success: false, errors: [`Todo matching id ${otherId} not found`] },
            deleteTodo: { success: false, errors: [`Todo matching id ${otherId} not found`] },
          });
        }
      }
      for (const [name, credential] of Object.entries(callers)) {
        assert.deepEqual(
          await own(credential),
          {
            todos: {
              todos: [{ id: ids[name], description: `${name}'s todo`, completed: false, dueDate: '01-02-2030' }],
            },
          },
          `${name}'s todo is unchanged`,
        );
      }
    });

    it('ends a session on every instance at once when one instance logs it out', async () => {
      const other = await startTestServer(db, { LOGIN_MAX_FAILURES: '3', LOGIN_WINDOW_SECONDS: '2' });
      try {
        const { token, cookie } = await register(server, 'two-instances');
        assert.equal((await call(other, WHO, undefined, { token })).body.data?.isAuthenticated, true);
        await call(other, 'mutation { logout { status } }', undefined, { cookie });
        for (const instance of [server, other]) {
          assert.equal((await call(instance, WHO, undefined, { token })).status, 401);
        }
      } finally {
        await other.close();
      }
    });

    it('keeps tokens and cookies valid across a restart, with the secret kept in the database', async () => {
      const restartDb = await target.create();
      try {
        const first = await startTestServer(restartDb, { AUTH_SECRET: '' });
        const { token, cookie } = await register(first, 'restarter');
        await first.close();
        const second = await startTestServer(restartDb, { AUTH_SECRET: '' });
        try {
          for (const credential of [{ token }, { cookie }]) {
            assert.equal((await call(second, WHO, undefined, credential)).body.data?.isAuthenticated, true);
          }
        } finally {
          await second.close();
        }
      } finally {
        await restartDb.drop();
      }
    });

    it('expires sessions after SESSION_TTL_SECONDS', async () => {
      const shortDb = await target.create();
      const short = await startTestServer(shortDb, { SESSION_TTL_SECONDS: '1' });
      try {
        const { token, cookie } = await register(short, 'ephemeral');
        assert.equal((await call(short, WHO, undefined, { token })).body.data?.isAuthenticated, true);
        await new Promise((resolve) => setTimeout(resolve, 2100));
        for (const credential of [{ token }, { cookie }]) {
          const answer = await call(short, WHO, undefined, credential);
          assert.equal(answer.status, 401);
          assert.equal(answer.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
        }
      } finally {
        await short.close();
        await shortDb.drop();
      }
    });

    it('answers "Authentication required" to anonymous callers when ALLOW_ANONYMOUS=false', async () => {
      const closedDb = await target.create();
      const closed = await startTestServer(closedDb, { ALLOW_ANONYMOUS: 'false' });
      try {
        const anonymous = await call(
          closed,
          `query { todos { success errors todos { id } } todo(todoId: "1") { success errors todo { id } } }`,
        );
        assert.deepEqual(anonymous.body.data, {
          todos: { success: false, errors: ['Authentication required'], todos: null },
          todo: { success: false, errors: ['Authentication required'], todo: null },
        });
        const mutations = await call(
          closed,
          `mutation {
            createTodo(description: "x", dueDate: "01-01-2030") { success errors }
            markDone(todoId: "1") { success errors }
            updateDueDate(todoId: "1", newDate: "01-01-2030") { success errors }
            deleteTodo(todoId: "1") { success errors }
          }`,
        );
        for (const answer of Object.values(mutations.body.data ?? {})) {
          assert.deepEqual(answer, { success: false, errors: ['Authentication required'] });
        }
        const { token } = await register(closed, 'insider');
        const created = await call(
          closed,
          'mutation { createTodo(description: "mine", dueDate: "01-01-2030") { success } }',
          undefined,
          { token },
        );
        assert.deepEqual(created.body.data, { createTodo: { success: true } });
      } finally {
        await closed.close();
        await closedDb.drop();
      }
    });

    it('never writes a password or a token to the log', () => {
      const log = server.logLines.map((line) => JSON.stringify(line)).join('\n');
      assert.ok(server.logLines.length > 20, 'the suite wrote log lines');
      for (const secret of [PASSWORD, 'not-the-password', TEST_AUTH_SECRET, 'todo_session=', 'eyJ']) {
        assert.ok(!log.includes(secret), `no log line contains ${secret}`);
      }
    });
  });
}
