/**
 * The GraphiQL page, in a real headless Chromium: it renders from this
 * server's own assets under its Content-Security-Policy, runs the tutorial's
 * query, and talks to no other origin. Without /usr/bin/chromium (Debian's
 * `chromium` package) the suite is skipped with the reason, except under
 * CI=true, where that is a failure.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { sqliteTarget, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { tutorial } from './helpers/tutorial.js';
import { chromiumSkipReason, launchChromium } from './helpers/chromium.js';

const SCREENSHOT = '/tmp/graphiql.png';

// A missing browser under CI fails the file here, before any suite runs.
const skip = chromiumSkipReason();

describe('GraphiQL in a browser', { skip, timeout: 60_000 }, () => {
  let db: TestDatabase | undefined;
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const requests: string[] = [];
  const consoleErrors: string[] = [];

  before(async () => {
    db = await sqliteTarget.create();
    server = await startTestServer(db);
    await server.data('mutation { createTodo(description: "Run a marathon", dueDate: "22-10-2020") { success } }');
    browser = await launchChromium();
    const context = await browser.newContext();
    // On the context, not the page: also sees requests from workers. Requests the CSP blocks are seen too.
    context.on('request', (request) => requests.push(`${request.method()} ${request.url()}`));
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    // CSP violations are reported on the console as errors.
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(`console: ${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await db?.drop();
  });

  /** Types `query` into GraphiQL's editor, runs it, and returns the response pane's text once it shows `expected`. */
  async function runInGraphiQL(query: string, expected: string): Promise<string> {
    // GraphiQL 4's editors are CodeMirror 5 instances, reachable from their element. A string, since the
    // tests are compiled without the DOM library.
    await page.evaluate(
      `document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(${JSON.stringify(query)})`,
    );
    // GraphiQL re-reads the document's operation names shortly after an edit; running
    // before that would send the previous document's operation name.
    await page.waitForTimeout(500);
    await page.locator('.graphiql-execute-button').click();
    const result = page.locator('.graphiql-response .CodeMirror');
    await result.filter({ hasText: expected }).waitFor();
    return result.innerText();
  }

  it('runs the tutorial query from the query editor and shows the answer', async () => {
    assert.ok(server);
    const response = await page.goto(`${server.url}/graphql`);
    assert.equal(response?.status(), 200);
    assert.match(response.headers()['content-security-policy'] ?? '', /default-src 'self'/);

    await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
    const text = await runInGraphiQL(tutorial.fetchAllTodos, '"Run a marathon"');
    assert.match(text, /"Run a marathon"/);
    assert.match(text, /"success": true/);
    assert.match(text, /"completed": false/);
    await page.screenshot({ path: SCREENSHOT });

    const origin = new URL(server.url).origin;
    for (const expected of ['GET /graphiql/graphiql.js', 'GET /graphiql/graphiql.css', 'POST /graphql']) {
      const [method, pathname] = expected.split(' ');
      assert.ok(requests.includes(`${method ?? ''} ${origin}${pathname ?? ''}`), `no request ${expected}`);
    }
    const foreign = requests.filter((request) => {
      const url = request.slice(request.indexOf(' ') + 1);
      return !url.startsWith('data:') && new URL(url).origin !== origin;
    });
    assert.deepEqual(foreign, [], 'the page requested other origins');
    assert.deepEqual(consoleErrors, [], 'the page logged errors');
  });

  it('registers, and then runs the tutorial operations as that user: the cookie carries the session', async () => {
    const registered = await runInGraphiQL(
      'mutation { register(input: {username: "graphiql-user", password: "correct-horse-battery"}) { status user { username } } }',
      '"graphiql-user"',
    );
    assert.match(registered, /"status": true/);
    assert.match(await runInGraphiQL('{ isAuthenticated }', '"isAuthenticated"'), /"isAuthenticated": true/);
    await runInGraphiQL(
      'mutation { createTodo(description: "Written in GraphiQL", dueDate: "01-01-2031") { success } }',
      '"createTodo"',
    );
    const own = await runInGraphiQL(tutorial.fetchAllTodos, '"Written in GraphiQL"');
    assert.doesNotMatch(own, /Run a marathon/, "the anonymous space's todo is not the user's");
    assert.deepEqual(consoleErrors, [], 'the page logged errors');
  });
});
