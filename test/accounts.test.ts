/**
 * Accounts, black-box over HTTP on both databases: register, login, logout with
 * the session cookie and with a bearer token; refused credentials; the login
 * throttle; CSRF refusals; sessions across instances, restarts and expiry.
 * (Whose todos are whose: ownership.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { LOGIN, PASSWORD, REGISTER, WHO, call, register, sessionCookieOf } from './helpers/accounts.js';
import { TEST_AUTH_SECRET, startTestServer, type TestServer } from './helpers/server.js';

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
      assert.match(setCookie, /^todo_session=[^;]+;/);
      assert.deepEqual(setCookie.split('; ').slice(1).sort(), ['HttpOnly', 'Max-Age=604800', 'Path=/', 'SameSite=Lax']);
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
      assert.match(logout.headers.getSetCookie().join('\n'), /todo_session=;.* Max-Age=0(;|$)/);

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
      assert.match(staleCookie.headers.getSetCookie().join('\n'), /todo_session=;.* Max-Age=0(;|$)/);
    });

    it('marks the cookie Secure in production, or when a proxy says the request came over HTTPS', async () => {
      const answer = await call(
        server,
        REGISTER,
        { input: { username: 'secure-user', password: PASSWORD } },
        undefined,
        { 'x-forwarded-proto': 'https' },
      );
      assert.match(answer.headers.getSetCookie().join('\n'), /todo_session=[^;]+;.*; Secure(;|$)/);

      const productionDb = await target.create();
      const production = await startTestServer(productionDb, { NODE_ENV: 'production' });
      try {
        const inProduction = await call(production, REGISTER, { input: { username: 'prod-user', password: PASSWORD } });
        assert.match(inProduction.headers.getSetCookie().join('\n'), /; Secure(;|$)/);
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

    it('checks no more than LOGIN_MAX_FAILURES passwords for concurrent attempts, across two instances', async () => {
      const throttle = { LOGIN_MAX_FAILURES: '3', LOGIN_WINDOW_SECONDS: '600' };
      const instances = [await startTestServer(db, throttle), await startTestServer(db, throttle)];
      try {
        await register(server, 'babbage');
        const answers = await Promise.all(
          Array.from({ length: 60 }, (_, i) =>
            call(instances[i % 2] ?? server, LOGIN, { username: 'babbage', password: `wrong-${i}-guess` }),
          ),
        );
        const codeOf = (answer: (typeof answers)[number]) =>
          (answer.body.data?.login as { error: { code: string } }).error.code;
        const codes = answers.map(codeOf);
        // Concurrent attempts may refuse one another (each counts the others'
        // records): never more than three passwords checked, maybe fewer.
        const checked = codes.filter((code) => code === 'INVALID_CREDENTIALS').length;
        assert.ok(checked <= 3, codes.join(' '));
        assert.equal(codes.filter((code) => code === 'RATE_LIMITED').length, 60 - checked);
        // One at a time, the rest of the three are checked, and then no more.
        const after: string[] = [];
        for (let i = 0; i < 4; i += 1) {
          const late = await call(instances[0] ?? server, LOGIN, { username: 'babbage', password: `late-${i}-guess` });
          after.push(codeOf(late));
        }
        assert.deepEqual(after, [
          ...Array<string>(3 - checked).fill('INVALID_CREDENTIALS'),
          ...Array<string>(1 + checked).fill('RATE_LIMITED'),
        ]);
        // The right password now waits for the window like any other.
        const right = await call(instances[0] ?? server, LOGIN, { username: 'babbage', password: PASSWORD });
        assert.equal((right.body.data?.login as { error: { code: string } }).error.code, 'RATE_LIMITED');
      } finally {
        for (const instance of instances) await instance.close();
      }
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

    it('never writes a password or a token to the log', () => {
      const log = server.logLines.map((line) => JSON.stringify(line)).join('\n');
      assert.ok(server.logLines.length > 20, 'the suite wrote log lines');
      for (const secret of [PASSWORD, 'not-the-password', TEST_AUTH_SECRET, 'todo_session=', 'eyJ']) {
        assert.ok(!log.includes(secret), `no log line contains ${secret}`);
      }
    });
  });
}
