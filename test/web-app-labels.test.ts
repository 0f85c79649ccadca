/**
 * Labels in the web app, in Debian's Chromium, on both databases: a user makes
 * a label from a todo's editor, sees it as a chip on the row, ticks it off
 * again, and a member of the shared list sees the owner's chips.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { useServer } from './helpers/clients.js';
import { chromiumSkipReason, launchChromium } from './helpers/chromium.js';
import { databaseTargets } from './helpers/databases.js';
import { register, signedIn } from './helpers/accounts.js';
import { assertAccessible, clickCheckbox, openApp, registerInApp, signInInApp } from './helpers/web-app.js';

const skip = chromiumSkipReason();

const todoRow = (page: Page, description: string) =>
  page.locator('li.todo').filter({ has: page.getByText(description, { exact: true }) });

for (const target of databaseTargets) {
  describe(`labels in the web app on ${target.name}`, { skip: skip ?? target.skip }, () => {
    const fixture = useServer(target);
    let browser: Browser;
    before(async () => (browser = await launchChromium()));
    after(async () => browser.close());

    it('makes a label in the editor, shows it as a chip, and takes it off again', async () => {
      const { page, problems } = await openApp(browser, fixture.server.url);
      await registerInApp(page, 'lena');
      const form = page.getByRole('form', { name: 'Add a todo' });
      await form.getByLabel('New todo').fill('Water the plants');
      await form.getByRole('button', { name: 'Add', exact: true }).click();
      const row = todoRow(page, 'Water the plants');
      await row.waitFor();

      await row.getByRole('button', { name: /Edit/ }).click();
      const editor = page.getByRole('form', { name: 'Edit “Water the plants”' });
      await editor.getByLabel('New label').fill('Garden');
      await editor.getByRole('button', { name: 'Add label' }).click();
      await row.getByRole('list', { name: 'Labels' }).getByText('Garden').waitFor();
      await assertAccessible(page, 'todo editor with labels');

      await clickCheckbox(editor.getByRole('checkbox', { name: 'Garden' }), false);
      await row.getByRole('list', { name: 'Labels' }).waitFor({ state: 'detached' });
      await clickCheckbox(editor.getByRole('checkbox', { name: 'Garden' }), true);
      await row.getByRole('list', { name: 'Labels' }).getByText('Garden').waitFor();
      assert.deepEqual(problems, []);
    });

    it("shows the owner's labels to a member of a shared list", async () => {
      const mona = await signedIn(fixture.server, 'mona');
      await register(fixture.server, 'nils');
      const { createList } = await mona<{ createList: { list: { id: string } } }>(
        'mutation { createList(input: { name: "Plot" }) { list { id } } }',
      );
      const { addTodo } = await mona<{ addTodo: { todo: { id: string } } }>(
        'mutation ($input: TodoInput!) { addTodo(input: $input) { todo { id } } }',
        { input: { description: 'Dig the beds', list: createList.list.id } },
      );
      const { createLabel } = await mona<{ createLabel: { label: { id: string } } }>(
        'mutation { createLabel(input: { name: "Spring", color: "#2e8b57" }) { label { id } } }',
      );
      await mona(
        'mutation ($todos: [ID!]!, $labels: [ID!]!) { labelTodos(todos: $todos, labels: $labels) { status } }',
        {
          todos: [addTodo.todo.id],
          labels: [createLabel.label.id],
        },
      );
      await mona(`mutation { shareList(list: "${createList.list.id}", username: "nils", role: VIEWER) { status } }`);

      const { page, problems } = await openApp(browser, fixture.server.url);
      await signInInApp(page, 'nils');
      await page.getByRole('navigation', { name: 'Lists' }).getByRole('link', { name: /Plot/ }).click();
      await todoRow(page, 'Dig the beds').getByRole('list', { name: 'Labels' }).getByText('Spring').waitFor();
      assert.deepEqual(problems, []);
    });
  });
}
