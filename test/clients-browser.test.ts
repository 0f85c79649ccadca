/**
 * A browser app served from another origin, in a real headless Chromium: the
 * API is started with CORS_ORIGINS naming the app's origin, and the app's page
 * calls it with `fetch(…, { credentials: 'include' })`, as a single-page app
 * on its own dev server does. It registers, and the session cookie the answer
 * sets carries the session through the tutorial's operations. A page on an
 * origin CORS_ORIGINS does not name cannot read the API: the browser's fetch
 * fails. Both origins are 127.0.0.1 on other ports: another origin, the same
 * site. Without /usr/bin/chromium (Debian's `chromium` package) the suites are
 * skipped with the reason, except under CI=true, where that is a failure.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { PASSWORD, REGISTER, WHO } from './helpers/accounts.js';
import { useServer, walkThroughTutorial } from './helpers/clients.js';
import { databaseTargets } from './helpers/databases.js';
import { chromiumSkipReason, launchChromium } from './helpers/chromium.js';

// A missing browser under CI fails the file here, before any suite runs.
const skip = chromiumSkipReason();

/** The app's page: one function that calls the API as a browser app does, with the cookie. */
const appPage = (graphqlUrl: string) => `<!doctype html>
<meta charset="utf-8">
<title>Todo app</title>
<script>
  async function graphql(query, variables) {
    try {
      const response = await fetch(${JSON.stringify(graphqlUrl)}, {
        method: 'POST',
        credentials: 'include',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: await response.json() };
    } catch (error) {
      return { failure: String(error) };
    }
  }
</script>`;

/** What the page's `graphql` resolves with. */
interface PageAnswer {
  readonly status?: number;
  readonly body?: { data?: unknown; errors?: unknown };
  readonly failure?: string;
}

/** An http server on a port of its own (so an origin of its own) serving the app's page. */
async function appServer(graphqlUrl: () => string): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(appPage(graphqlUrl()));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

for (const target of databaseTargets) {
  const reason = skip ?? target.skip;
  describe(`a browser app on another origin on ${target.name}`, { skip: reason, timeout: 90_000 }, () => {
    let app: Awaited<ReturnType<typeof appServer>> | undefined;
    let stranger: Awaited<ReturnType<typeof appServer>> | undefined;
    let browser: Browser | undefined;
    // The API's origin list names the app's, so the app's server starts first (hooks run in order).
    const env: Record<string, string> = {};
    before(async () => {
      app = await appServer(() => fixture.server.graphqlUrl);
      stranger = await appServer(() => fixture.server.graphqlUrl);
      env.CORS_ORIGINS = app.origin;
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await app?.close();
      await stranger?.close();
    });
    const fixture = useServer(target, env);

    async function open(origin: string | undefined): Promise<Page> {
      assert.ok(browser && origin);
      // A context of its own: its own cookie jar. Closing the browser closes it.
      const context = await browser.newContext();
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      await page.goto(origin);
      return page;
    }
    const call = (page: Page, query: string, variables?: Record<string, unknown>): Promise<PageAnswer> =>
      page.evaluate(`graphql(${JSON.stringify(query)}, ${JSON.stringify(variables ?? null)})`);

    it('registers and runs the tutorial with the session cookie, from an origin CORS_ORIGINS names', async () => {
      const page = await open(app?.origin);
      const registered = await call(page, REGISTER, { input: { username: 'browser-app', password: PASSWORD } });
      assert.equal(registered.failure, undefined, 'the browser let the app read the answer');
      assert.equal(registered.status, 200);
      const { register } = registered.body?.data as { register: { status: boolean; user: { id: string } } };
      assert.equal(register.status, true);
      // The answer's cookie now carries the session: the API knows who calls.
      assert.deepEqual((await call(page, WHO)).body, {
        data: { isAuthenticated: true, me: { id: register.user.id, username: 'browser-app' } },
      });

      await walkThroughTutorial(async (document) => {
        const answer = await call(page, document);
        assert.equal(answer.status, 200, JSON.stringify(answer));
        assert.equal(answer.body?.errors, undefined, JSON.stringify(answer.body?.errors));
        return answer.body?.data;
      });
    });

    it('cannot be read from an origin CORS_ORIGINS does not name: the browser blocks the fetch', async () => {
      const page = await open(stranger?.origin);
      const answer = await call(page, '{ todos { success } }');
      assert.match(answer.failure ?? JSON.stringify(answer), /TypeError: Failed to fetch/);
    });
  });
}
