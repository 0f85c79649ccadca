/**
 * The web app's live side, in Debian's Chromium against the real server on
 * SQLite and PostgreSQL: a list shared with an editor and a viewer, each in a
 * browser of their own, seeing every change without a reload; an optimistic
 * change the server refuses, rolled back; and catching up on what changed while
 * the browser was offline, the network was cut, or the server was away.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page, Route } from 'playwright-core';
import { LOGIN, PASSWORD, call, register } from './helpers/accounts.js';
import { useServer } from './helpers/clients.js';
import { chromiumSkipReason, launchChromium } from './helpers/chromium.js';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { postGraphQL } from './helpers/graphql-client.js';
import { freePort } from './helpers/ports.js';
import { startServerProcess } from './helpers/process.js';
import { TEST_AUTH_SECRET } from './helpers/server.js';
import { TcpProxy } from './helpers/tcp-proxy.js';
import { until } from './helpers/until.js';
import {
  assertAccessible,
  clickCheckbox,
  openApp,
  registerInApp,
  signInInApp,
  type AppPage,
} from './helpers/web-app.js';

const skip = chromiumSkipReason();

const CREATE_LIST = 'mutation ($name: String!) { createList(input: { name: $name }) { list { id } } }';
const ADD_TODO = 'mutation ($input: TodoInput!) { addTodo(input: $input) { status todo { id } } }';
const UPDATE_TODO = 'mutation ($todo: ID!, $input: TodoInput!) { updateTodo(todo: $todo, input: $input) { status } }';
const SHARE = `mutation ($list: ID!, $username: String!, $role: ListRole!) {
  shareList(list: $list, username: $username, role: $role) { status }
}`;

const todoRow = (page: Page, description: string) =>
  page.locator('li.todo').filter({ has: page.getByText(description, { exact: true }) });
const openList = (page: Page, name: string) =>
  page
    .getByRole('navigation', { name: 'Lists' })
    .getByRole('link', { name: new RegExp(name) })
    .click();
const liveStatus = (page: Page, text: string) => page.locator('.live').getByText(text, { exact: true }).waitFor();

/** Counts the page loads of `page` from now: a live change must arrive without one. */
function countLoads(page: Page): () => number {
  let loads = 0;
  page.on('load', () => loads++);
  return () => loads;
}

for (const target of databaseTargets) {
  describe(`the web app, live, on ${target.name}`, { skip: skip ?? target.skip }, () => {
    const fixture = useServer(target);
    let browser: Browser;
    before(async () => (browser = await launchChromium()));
    after(async () => browser.close());

    it('shares a list: the editor sees and makes changes live, the viewer only reads, unsharing takes it away', async () => {
      for (const username of ['olga', 'edd', 'vic']) await register(fixture.server, username);
      const owner = await openApp(browser, fixture.server.url);
      const editor = await openApp(browser, fixture.server.url);
      const viewer = await openApp(browser, fixture.server.url);
      await signInInApp(owner.page, 'olga');
      await signInInApp(editor.page, 'edd');
      await signInInApp(viewer.page, 'vic');
      const editorLoads = countLoads(editor.page);

      await owner.page.getByLabel('New list').fill('Team');
      await owner.page.getByRole('button', { name: 'Add list' }).click();
      await owner.page.getByRole('heading', { name: 'Team', level: 2 }).waitFor();
      await owner.page.getByRole('button', { name: 'Share' }).click();
      const share = owner.page.getByRole('region', { name: 'Shared with' });
      for (const [username, role] of [
        ['edd', 'Editor: can change todos'],
        ['vic', 'Viewer: can only read'],
      ] as const) {
        await share.getByLabel('Username').fill(username);
        await share.getByLabel('Role').selectOption({ label: role });
        await share.getByRole('button', { name: 'Share' }).click();
        await share.getByRole('listitem').filter({ hasText: username }).waitFor();
      }
      await assertAccessible(owner.page, 'sharing');

      // The shared list appears in the others' lists by itself.
      await openList(editor.page, 'Team');
      await editor.page
        .getByText('Shared with you: you can add, change and delete its todos.', { exact: false })
        .waitFor();
      await openList(viewer.page, 'Team');

      const form = owner.page.getByRole('form', { name: 'Add a todo' });
      await form.getByLabel('New todo').fill('Book the venue');
      await form.getByRole('button', { name: 'Add' }).click();
      await todoRow(editor.page, 'Book the venue').waitFor();
      await todoRow(viewer.page, 'Book the venue').waitFor();
      await clickCheckbox(todoRow(owner.page, 'Book the venue').getByLabel('Done: “Book the venue”'), true);
      await until(
        () => todoRow(editor.page, 'Book the venue').getByRole('checkbox', { name: /Done/ }).isChecked(),
        'done, live',
      );

      // The editor changes a todo and adds one; the owner sees both.
      await todoRow(editor.page, 'Book the venue').getByRole('button', { name: /Edit/ }).click();
      const edit = editor.page.getByRole('form', { name: 'Edit “Book the venue”' });
      await edit.getByLabel('Description').fill('Book the big venue');
      await edit.getByRole('button', { name: 'Save' }).click();
      await todoRow(owner.page, 'Book the big venue').waitFor();
      const editorForm = editor.page.getByRole('form', { name: 'Add a todo' });
      await editorForm.getByLabel('New todo').fill('Send invitations');
      await editorForm.getByRole('button', { name: 'Add' }).click();
      await todoRow(owner.page, 'Send invitations').waitFor();
      await todoRow(viewer.page, 'Send invitations').waitFor();

      // The viewer reads only.
      await viewer.page.getByText('Shared with you to view', { exact: false }).waitFor();
      assert.equal(await viewer.page.getByRole('form', { name: 'Add a todo' }).count(), 0);
      assert.equal(await viewer.page.getByRole('button', { name: /Edit/ }).count(), 0);
      assert.equal(await viewer.page.getByRole('checkbox', { name: /Select/ }).count(), 0);
      assert.equal(
        await todoRow(viewer.page, 'Send invitations').getByRole('checkbox', { name: /Done/ }).isDisabled(),
        true,
      );
      await assertAccessible(viewer.page, 'viewer');

      // The owner deletes a todo, then stops sharing with the viewer.
      await todoRow(owner.page, 'Send invitations').getByRole('button', { name: /Edit/ }).click();
      await owner.page
        .getByRole('form', { name: 'Edit “Send invitations”' })
        .getByRole('button', { name: 'Delete' })
        .click();
      await owner.page
        .getByRole('dialog', { name: 'Delete this todo?' })
        .getByRole('button', { name: 'Delete todo' })
        .click();
      await todoRow(editor.page, 'Send invitations').waitFor({ state: 'detached' });
      await share.getByRole('button', { name: 'Stop sharing with vic' }).click();
      await viewer.page.getByRole('heading', { name: 'Inbox', level: 2 }).waitFor();
      assert.equal(
        await viewer.page.getByRole('navigation', { name: 'Lists' }).getByRole('link', { name: /Team/ }).count(),
        0,
      );

      assert.equal(editorLoads(), 0, 'every change reached the editor without a reload');
      for (const { problems, context } of [owner, editor, viewer]) {
        assert.deepEqual(problems, []);
        await context.close();
      }
    });

    it("saves only what the user edited, keeping another user's change made while the editor was open", async () => {
      const owner = await register(fixture.server, 'ona');
      const added = await call(fixture.server, ADD_TODO, { input: { description: 'Plan the trip' } }, owner);
      const todo = (added.body.data?.addTodo as { todo: { id: string } }).todo.id;
      const { page, context, problems } = await openApp(browser, fixture.server.url);
      await signInInApp(page, 'ona');
      await todoRow(page, 'Plan the trip').getByRole('button', { name: /Edit/ }).click();
      const editor = page.getByRole('form', { name: 'Edit “Plan the trip”' });
      await editor.getByLabel('Notes').fill('Trains, not planes');
      // Meanwhile, elsewhere (another tab of the same user), the priority changes; it arrives live.
      await call(fixture.server, UPDATE_TODO, { todo, input: { priority: 'URGENT' } }, owner);
      await todoRow(page, 'Plan the trip').locator('.badge', { hasText: 'Urgent' }).waitFor();
      await editor.getByRole('button', { name: 'Save' }).click();
      // The notes shown under the row once the editor has closed on the server's answer (React keeps a
      // controlled textarea's text content in step with what is typed, so the text alone is found earlier).
      await editor.waitFor({ state: 'detached' });
      await todoRow(page, 'Plan the trip').locator('p.notes', { hasText: 'Trains, not planes' }).waitFor();
      const answer = await call(
        fixture.server,
        `{ node(id: "${todo}") { ... on Todo { priority notes } } }`,
        {},
        owner,
      );
      assert.deepEqual(answer.body.data?.node, { priority: 'URGENT', notes: 'Trains, not planes' });
      assert.deepEqual(problems, []);
      await context.close();
    });

    it('rolls an optimistic completion back when the server refuses it', async () => {
      const owner = await register(fixture.server, 'ola');
      await register(fixture.server, 'bob');
      const created = await call(fixture.server, CREATE_LIST, { name: 'Chores' }, owner);
      const list = (created.body.data?.createList as { list: { id: string } }).list.id;
      await call(fixture.server, ADD_TODO, { input: { description: 'Water plants', list } }, owner);
      await call(fixture.server, SHARE, { list, username: 'bob', role: 'EDITOR' }, owner);
      const { page, context, problems } = await openApp(browser, fixture.server.url);
      await signInInApp(page, 'bob');
      await openList(page, 'Chores');
      const done = todoRow(page, 'Water plants').getByLabel('Done: “Water plants”');
      await done.waitFor();

      // Bob's completion is held on its way while the owner makes him a viewer.
      let held: Route | undefined;
      await page.route('**/graphql', async (route) => {
        if (route.request().postData()?.includes('CompleteTodos')) held = route;
        else await route.continue();
      });
      await done.click();
      await until(() => held !== undefined, 'the completion to be sent');
      assert.equal(await done.isChecked(), true, 'shown done at once');
      await call(fixture.server, SHARE, { list, username: 'bob', role: 'VIEWER' }, owner);
      await held?.continue();
      await todoRow(page, 'Water plants').locator('[data-code=NOT_FOUND]').waitFor();
      assert.equal(await done.isChecked(), false, 'rolled back');
      await page.getByText('Shared with you to view', { exact: false }).waitFor();
      assert.deepEqual(problems, []);
      await context.close();
    });

    it('catches up after the browser was offline', async () => {
      const owner = await register(fixture.server, 'otto');
      const app = await openApp(browser, fixture.server.url);
      await signInInApp(app.page, 'otto');
      await liveStatus(app.page, 'Live');
      await app.context.setOffline(true);
      await liveStatus(app.page, 'Offline');
      await call(fixture.server, ADD_TODO, { input: { description: 'Made while offline' } }, owner);
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(await todoRow(app.page, 'Made while offline').count(), 0, 'nothing arrives while offline');
      await app.context.setOffline(false);
      await liveStatus(app.page, 'Live');
      await todoRow(app.page, 'Made while offline').waitFor();
      assert.deepEqual(app.problems, []);
      await app.context.close();
    });

    it('catches up after the network was cut', async () => {
      const owner = await register(fixture.server, 'nina');
      const { port } = new URL(fixture.server.url);
      const proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(port) });
      fixture.defer(() => proxy.cut());
      const app = await openApp(browser, `http://127.0.0.1:${proxy.port}`);
      await signInInApp(app.page, 'nina');
      await liveStatus(app.page, 'Live');
      await proxy.cut();
      await liveStatus(app.page, 'Reconnecting…');
      await call(fixture.server, ADD_TODO, { input: { description: 'Made while cut off' } }, owner);
      await proxy.restore();
      await liveStatus(app.page, 'Live');
      await todoRow(app.page, 'Made while cut off').waitFor();
      assert.deepEqual(app.problems, []);
      await app.context.close();
    });
  });

  describe(`the web app, when the server goes away, on ${target.name}`, { skip: skip ?? target.skip }, () => {
    let db: TestDatabase;
    let browser: Browser;
    before(async () => {
      db = await target.create();
      browser = await launchChromium();
    });
    after(async () => {
      await browser.close();
      await db.drop();
    });

    it('reconnects when it is back, and shows what changed meanwhile on another instance', async () => {
      const port = await freePort();
      const env = { DATABASE_URL: db.url, AUTH_SECRET: TEST_AUTH_SECRET };
      let server = await startServerProcess({ ...env, PORT: String(port) });
      const app: AppPage = await openApp(browser, server.url);
      await registerInApp(app.page, 'rita');
      await liveStatus(app.page, 'Live');
      assert.equal(await server.stop('SIGTERM'), 0);
      await liveStatus(app.page, 'Reconnecting…');

      // Another instance takes a write the app cannot hear of.
      const other = await startServerProcess(env);
      const otherUrl = `${other.url}/graphql`;
      const login = await postGraphQL<{ login: { token: string } }>(otherUrl, {
        query: LOGIN,
        variables: { username: 'rita', password: PASSWORD },
      });
      const token = login.body.data?.login.token ?? '';
      const added = await postGraphQL(
        otherUrl,
        { query: ADD_TODO, variables: { input: { description: 'Made elsewhere' } } },
        { credential: { token } },
      );
      assert.deepEqual(added.body.errors, undefined);
      assert.equal(await other.stop('SIGTERM'), 0);

      server = await startServerProcess({ ...env, PORT: String(port) });
      await liveStatus(app.page, 'Live');
      await todoRow(app.page, 'Made elsewhere').waitFor();
      assert.deepEqual(app.problems, []);
      await app.context.close();
      assert.equal(await server.stop('SIGTERM'), 0);
    });
  });
}
