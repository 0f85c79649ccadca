/**
 * The web app at `/`, in Debian's Chromium, against the real server on SQLite
 * and PostgreSQL: what a new user does with lists and todos, paging, the
 * messages for payload errors, a phone-sized screen, and axe-core's
 * accessibility check on each screen. Live updates and sharing are in
 * web-app-live.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { useServer } from './helpers/clients.js';
import { chromiumSkipReason, launchChromium } from './helpers/chromium.js';
import { databaseTargets, sqliteTarget } from './helpers/databases.js';
import { until } from './helpers/until.js';
import { PASSWORD, call, register } from './helpers/accounts.js';
import {
  assertAccessible,
  clickCheckbox,
  openApp,
  registerInApp,
  sessionCookie,
  signInInApp,
} from './helpers/web-app.js';

const skip = chromiumSkipReason();

const CREATE_LIST = 'mutation ($name: String!) { createList(input: { name: $name }) { status list { id } } }';
const ADD_TODO = 'mutation ($input: TodoInput!) { addTodo(input: $input) { status } }';

const todoRow = (page: Page, description: string) =>
  page.locator('li.todo').filter({ has: page.getByText(description, { exact: true }) });

async function addTodo(page: Page, description: string, dueOn: string, priority: string): Promise<void> {
  const form = page.getByRole('form', { name: 'Add a todo' });
  await form.getByLabel('New todo').fill(description);
  await form.getByLabel('Due').fill(dueOn);
  await form.getByLabel('Priority').selectOption({ label: priority });
  await form.getByRole('button', { name: 'Add', exact: true }).click();
  await todoRow(page, description).waitFor();
}

/** The descriptions of the todos shown, in order. */
const shown = (page: Page) => page.locator('li.todo .description').allTextContents();

for (const target of databaseTargets) {
  describe(`the web app on ${target.name}`, { skip: skip ?? target.skip }, () => {
    const fixture = useServer(target);
    let browser: Browser;
    before(async () => (browser = await launchChromium()));
    after(async () => browser.close());

    it('a new user registers, makes a list, adds, edits, filters, completes, moves and deletes todos', async () => {
      const { page, context, problems } = await openApp(browser, fixture.server.url);
      await assertAccessible(page, 'sign-in');
      await registerInApp(page, 'ada');
      await assertAccessible(page, 'Inbox');

      await page.getByLabel('New list').fill('Groceries');
      await page.getByRole('button', { name: 'Add list' }).click();
      await page.getByRole('heading', { name: 'Groceries', level: 2 }).waitFor();
      await addTodo(page, 'Buy milk', '2026-01-10', 'High');
      await addTodo(page, 'Buy bread', '2099-03-01', 'Low');
      await addTodo(page, 'Pay the grocer', '2026-02-01', 'Urgent');
      // Dates in the user's locale (en-GB), the day the API keeps whatever the time zone.
      assert.match((await todoRow(page, 'Buy milk').textContent()) ?? '', /Overdue: 10 Jan 2026/);
      assert.match((await todoRow(page, 'Buy bread').textContent()) ?? '', /Due 1 Mar 2099/);
      const nav = page.getByRole('navigation', { name: 'Lists' });
      await nav
        .getByRole('link', { name: /Groceries/ })
        .getByText('3')
        .waitFor();

      // Filters and orders are the API's.
      const filters = page.getByRole('group', { name: 'Filter and sort' });
      await filters.getByLabel('Priority').selectOption({ label: 'High' });
      await page.getByText('1 todo', { exact: true }).waitFor();
      assert.deepEqual(await shown(page), ['Buy milk']);
      await filters.getByLabel('Priority').selectOption({ label: 'Any' });
      await filters.getByLabel('Search').fill('BREAD');
      await page.getByText('1 todo', { exact: true }).waitFor();
      assert.deepEqual(await shown(page), ['Buy bread']);
      await filters.getByLabel('Search').fill('');
      await filters.getByLabel('Overdue only').check();
      await page.getByText('2 todos', { exact: true }).waitFor();
      await filters.getByLabel('Overdue only').uncheck();
      await filters.getByLabel('Sort by').selectOption({ label: 'Due date' });
      await filters.getByLabel('Direction').selectOption({ label: 'Descending' });
      await page.getByText('3 todos', { exact: true }).waitFor();
      await until(async () => (await shown(page))[0] === 'Buy bread', 'the latest due date first');
      assert.deepEqual(await shown(page), ['Buy bread', 'Pay the grocer', 'Buy milk']);

      // Edit: notes, priority, due date.
      await todoRow(page, 'Buy milk').getByRole('button', { name: /Edit/ }).click();
      const editor = page.getByRole('form', { name: 'Edit “Buy milk”' });
      await assertAccessible(page, 'todo editor');
      await editor.getByLabel('Description').fill('Buy oat milk');
      await editor.getByLabel('Notes').fill('Two cartons');
      await editor.getByLabel('Priority').selectOption({ label: 'Normal' });
      await editor.getByLabel('Due date').fill('2099-01-02');
      await editor.getByRole('button', { name: 'Save' }).click();
      // Once the editor has closed on the server's answer: the typed text is in its textarea before that.
      await editor.waitFor({ state: 'detached' });
      await todoRow(page, 'Buy oat milk').locator('p.notes', { hasText: 'Two cartons' }).waitFor();
      assert.match((await todoRow(page, 'Buy oat milk').textContent()) ?? '', /Due 2 Jan 2099/);

      // Complete and reopen; the list's open count follows.
      await clickCheckbox(todoRow(page, 'Buy bread').getByLabel('Done: “Buy bread”'), true);
      await nav
        .getByRole('link', { name: /Groceries/ })
        .getByText('2')
        .waitFor();
      await filters.getByLabel('Show').selectOption({ label: 'Done' });
      await page.getByText('1 todo', { exact: true }).waitFor();
      assert.deepEqual(await shown(page), ['Buy bread']);
      await todoRow(page, 'Buy bread').getByLabel('Done: “Buy bread”').click();
      await page.getByText('Nothing here. Add a todo above, or change the filters.').waitFor();
      await filters.getByLabel('Show').selectOption({ label: 'All' });
      await page.getByText('3 todos', { exact: true }).waitFor();

      // The edit, and the todo's making, in its history.
      await todoRow(page, 'Buy oat milk').getByRole('button', { name: /Edit/ }).click();
      const reopened = page.getByRole('form', { name: 'Edit “Buy oat milk”' });
      await reopened.getByText('History', { exact: true }).click();
      const history = reopened.getByRole('list', { name: 'History' });
      await history.getByText('description: Buy milk → Buy oat milk').waitFor();
      const entries = await history.locator(':scope > li').allTextContents();
      assert.equal(entries.length, 2, entries.join(' | '));
      assert.match(entries[0] ?? '', /changed.*notes: \(none\) → Two cartons.*due date: .* → 2099-01-02/s);
      assert.match(entries[1] ?? '', /created it/);
      await assertAccessible(page, 'todo history');
      await reopened.getByRole('button', { name: 'Cancel' }).click();

      // Move one to the Inbox through its editor, delete one after confirming.
      await todoRow(page, 'Pay the grocer').getByRole('button', { name: /Edit/ }).click();
      await page
        .getByRole('form', { name: 'Edit “Pay the grocer”' })
        .getByLabel('List')
        .selectOption({ label: 'Inbox' });
      await page.getByRole('form', { name: 'Edit “Pay the grocer”' }).getByRole('button', { name: 'Save' }).click();
      await page.getByText('2 todos', { exact: true }).waitFor();
      await todoRow(page, 'Buy bread').getByRole('button', { name: /Edit/ }).click();
      await page.getByRole('form', { name: 'Edit “Buy bread”' }).getByRole('button', { name: 'Delete' }).click();
      const dialog = page.getByRole('dialog', { name: 'Delete this todo?' });
      await assertAccessible(page, 'delete confirmation');
      await dialog.getByRole('button', { name: 'Delete todo' }).click();
      await page.getByText('1 todo', { exact: true }).waitFor();
      assert.deepEqual(await shown(page), ['Buy oat milk']);
      await nav.getByRole('link', { name: /Inbox/ }).click();
      await page.getByRole('heading', { name: 'Inbox', level: 2 }).waitFor();
      await todoRow(page, 'Pay the grocer').waitFor();

      // By keyboard alone: add a todo with Enter, complete it with Space.
      await page.getByRole('form', { name: 'Add a todo' }).getByLabel('New todo').focus();
      await page.keyboard.type('Post the letter');
      await page.keyboard.press('Enter');
      await todoRow(page, 'Post the letter').waitFor();
      await todoRow(page, 'Post the letter').getByLabel('Done: “Post the letter”').focus();
      await page.keyboard.press('Space');
      await until(
        () => todoRow(page, 'Post the letter').getByLabel('Done: “Post the letter”').isChecked(),
        'done by Space',
      );

      // Rename a list, and delete another after confirming.
      await nav.getByRole('link', { name: /Groceries/ }).click();
      await page.getByRole('button', { name: 'Rename' }).click();
      await page.getByLabel('List name').fill('Food');
      await page.getByLabel('List name').press('Enter');
      await nav.getByRole('link', { name: /Food/ }).waitFor();
      await page.getByLabel('New list').fill('Spare');
      await page.getByRole('button', { name: 'Add list' }).click();
      await page.getByRole('heading', { name: 'Spare', level: 2 }).waitFor();
      await page.getByRole('button', { name: 'Delete list' }).click();
      const confirm = page.getByRole('dialog', { name: 'Delete “Spare”?' });
      await confirm.getByRole('button', { name: 'Delete list' }).click();
      await nav.getByRole('link', { name: /Spare/ }).waitFor({ state: 'detached' });

      // The server holds what the screen shows.
      const cookie = await sessionCookie(context);
      const answer = await call(fixture.server, '{ lists { name openCount doneCount } }', {}, { cookie });
      assert.deepEqual(answer.body.data, {
        lists: [
          { name: 'Inbox', openCount: 1, doneCount: 1 },
          { name: 'Food', openCount: 1, doneCount: 0 },
        ],
      });
      assert.deepEqual(problems, []);
      await context.close();
    });

    it('pages through 250 todos as the user scrolls, and completes, moves and deletes them in bulk', async () => {
      const bea = await register(fixture.server, 'bea');
      const created = await call(fixture.server, CREATE_LIST, { name: 'Big list' }, { cookie: bea.cookie });
      const listId = (created.body.data?.createList as { list: { id: string } }).list.id;
      for (let n = 1; n <= 250; n++) {
        const answer = await call(
          fixture.server,
          ADD_TODO,
          { input: { description: `Todo ${String(n).padStart(3, '0')}`, list: listId } },
          { cookie: bea.cookie },
        );
        assert.equal((answer.body.data?.addTodo as { status: boolean }).status, true);
      }
      const { page, context, problems } = await openApp(browser, fixture.server.url);
      await signInInApp(page, 'bea');
      await page
        .getByRole('navigation', { name: 'Lists' })
        .getByRole('link', { name: /Big list/ })
        .click();
      await page.getByText('250 todos', { exact: true }).waitFor();
      assert.equal(await page.locator('li.todo').count(), 50, 'one page at first');
      // By keyboard: reaching "Load more todos" brings the next page, and its first todo takes the focus.
      await page.getByRole('button', { name: 'Load more todos' }).focus();
      await until(async () => (await page.locator('li.todo').count()) === 100, '100 todos shown');
      const focused = await page.evaluate<string | null>("document.activeElement.getAttribute('aria-label')");
      assert.equal(focused, 'Done: “Todo 051”', 'the first new todo has the focus');
      // Scrolling to the end brings the next page, until there is none.
      for (let shownCount = 100; shownCount < 250; shownCount += 50) {
        await page.mouse.wheel(0, 100_000);
        await until(
          async () => (await page.locator('li.todo').count()) === shownCount + 50,
          `${shownCount + 50} todos shown`,
        );
      }
      assert.equal(await page.locator('li.load-more').count(), 0, 'no more to load');
      const descriptions = await shown(page);
      assert.deepEqual(
        descriptions,
        Array.from({ length: 250 }, (_, index) => `Todo ${String(index + 1).padStart(3, '0')}`),
      );

      const select = (description: string) => todoRow(page, description).getByLabel(`Select “${description}”`).check();
      for (const description of ['Todo 001', 'Todo 002', 'Todo 003']) await select(description);
      const bulk = page.getByRole('region', { name: 'Selected todos' });
      await bulk.getByText('3 selected').waitFor();
      await assertAccessible(page, 'bulk selection');
      await bulk.getByRole('button', { name: 'Complete' }).click();
      await until(async () => (await page.locator('li.todo.done').count()) === 3, 'three todos done');
      for (const description of ['Todo 004', 'Todo 005']) await select(description);
      await bulk.getByLabel('Move to').selectOption({ label: 'Inbox' });
      await bulk.getByRole('button', { name: 'Move' }).click();
      await page.getByText('248 todos', { exact: true }).waitFor();
      for (const description of ['Todo 006', 'Todo 007']) await select(description);
      await bulk.getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('dialog', { name: 'Delete 2 todos?' }).getByRole('button', { name: 'Delete todos' }).click();
      await page.getByText('246 todos', { exact: true }).waitFor();
      // Every page followed the change: each remaining todo shown once, in order.
      const expected = Array.from({ length: 250 }, (_, index) => `Todo ${String(index + 1).padStart(3, '0')}`).filter(
        (description) => !['Todo 004', 'Todo 005', 'Todo 006', 'Todo 007'].includes(description),
      );
      await until(async () => (await shown(page)).length === 246, 'the pages to settle');
      assert.deepEqual(await shown(page), expected);

      // A selected todo that goes away leaves the selection.
      for (const description of ['Todo 010', 'Todo 011']) await select(description);
      await bulk.getByText('2 selected').waitFor();
      await todoRow(page, 'Todo 010').getByRole('button', { name: /Edit/ }).click();
      await page.getByRole('form', { name: 'Edit “Todo 010”' }).getByRole('button', { name: 'Delete' }).click();
      await page
        .getByRole('dialog', { name: 'Delete this todo?' })
        .getByRole('button', { name: 'Delete todo' })
        .click();
      await bulk.getByText('1 selected').waitFor();
      await bulk.getByRole('button', { name: 'Reopen' }).click();
      await bulk.waitFor({ state: 'detached' });

      const lists = await call(fixture.server, '{ lists { name openCount doneCount } }', {}, { cookie: bea.cookie });
      assert.deepEqual(lists.body.data?.lists, [
        { name: 'Inbox', openCount: 2, doneCount: 0 },
        { name: 'Big list', openCount: 242, doneCount: 3 },
      ]);
      assert.deepEqual(problems, []);
      await context.close();
    });

    it('shows each payload error in words, and lets an anonymous visitor in where the server allows it', async () => {
      await register(fixture.server, 'cyd');
      await register(fixture.server, 'dee');
      const { page, context, problems } = await openApp(browser, fixture.server.url);
      const error = (code: string) => page.locator(`[role=alert] [data-code=${code}]`);
      await page.getByLabel('Username').fill('cyd');
      await page.getByLabel('Password').fill('wrong-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      assert.equal(
        await error('INVALID_CREDENTIALS').textContent(),
        'That username and password do not match an account.',
      );
      await page.getByRole('button', { name: 'Create an account' }).click();
      await page.getByLabel('Username').fill('cyd');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Create an account' }).click();
      assert.equal(await error('USERNAME_TAKEN').textContent(), 'That username is taken. Pick another one.');
      await page.getByLabel('Username').fill('no spaces allowed');
      await page.getByRole('button', { name: 'Create an account' }).click();
      await error('INVALID_USERNAME').waitFor();
      await page.getByLabel('Username').fill('eve');
      await page.getByLabel('Password').fill('short');
      await page.getByRole('button', { name: 'Create an account' }).click();
      await error('INVALID_PASSWORD').waitFor();
      await assertAccessible(page, 'registration with errors');

      await page.getByRole('button', { name: 'Sign in' }).click();
      await signInInApp(page, 'cyd');
      await page.getByLabel('New list').fill('Shared');
      await page.getByRole('button', { name: 'Add list' }).click();
      await page.getByRole('heading', { name: 'Shared', level: 2 }).waitFor();
      await page.getByRole('button', { name: 'Share' }).click();
      const share = page.getByRole('region', { name: 'Shared with' });
      await share.getByLabel('Username').fill('nobody');
      await share.getByRole('button', { name: 'Share' }).click();
      assert.equal(await error('NOT_FOUND').textContent(), 'No user named "nobody".');
      await share.getByLabel('Username').fill('cyd');
      await share.getByRole('button', { name: 'Share' }).click();
      assert.equal(await error('INVALID_VALUE').textContent(), 'A list cannot be shared with its owner.');
      await page.getByRole('button', { name: 'Sign out' }).click();

      // Anonymous use, which this server allows (ALLOW_ANONYMOUS defaults to true).
      await page.getByRole('button', { name: 'Continue without an account' }).click();
      await page.getByText('Not signed in').waitFor();
      await page.getByRole('form', { name: 'Add a todo' }).getByLabel('New todo').fill('Anonymous todo');
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await todoRow(page, 'Anonymous todo').waitFor();
      assert.deepEqual(problems, []);
      await context.close();
    });

    it('works on a phone-sized screen', async () => {
      const { page, context, problems } = await openApp(browser, fixture.server.url, {
        viewport: { width: 390, height: 844 },
        isMobile: true,
        hasTouch: true,
      });
      await assertAccessible(page, 'phone sign-in');
      await registerInApp(page, 'fay');
      await addTodo(page, 'Call the plumber', '2099-05-06', 'Urgent');
      await todoRow(page, 'Call the plumber').getByLabel('Done: “Call the plumber”').tap();
      await until(async () => (await page.locator('li.todo.done').count()) === 1, 'the todo done');
      await todoRow(page, 'Call the plumber').getByRole('button', { name: /Edit/ }).tap();
      await page.getByRole('form', { name: 'Edit “Call the plumber”' }).waitFor();
      const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
      assert.equal(overflow, 0, 'nothing wider than the screen');
      await assertAccessible(page, 'phone list');
      assert.deepEqual(problems, []);
      await context.close();
    });
  });
}

describe('how the web app is served', () => {
  const fixture = useServer(sqliteTarget);

  it('answers / with its page under a policy of its own origin, and its files cached by content hash', async () => {
    const page = await fetch(fixture.server.url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    const policy = page.headers.get('content-security-policy') ?? '';
    for (const directive of ["script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"])
      assert.ok(policy.includes(directive), `${directive} in ${policy}`);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1] ?? '');
    assert.ok(assets.length >= 2, 'a script and a stylesheet');
    for (const asset of assets) {
      const response = await fetch(`${fixture.server.url}${asset}`);
      assert.equal(response.status, 200, asset);
      assert.match(response.headers.get('cache-control') ?? '', /max-age=31536000.*immutable/);
    }
    assert.equal((await fetch(`${fixture.server.url}/assets/missing.js`)).status, 404);
  });
});

describe('WEB_APP=false', () => {
  const fixture = useServer(sqliteTarget, { WEB_APP: 'false' });

  it('serves no page at /, for API-only deployments', async () => {
    assert.equal((await fetch(fixture.server.url)).status, 404);
    const answer = await fixture.server.graphql('{ todos { success } }');
    assert.equal(answer.status, 200);
  });
});
