/**
 * Subtasks and manual order in the web app, in Debian's Chromium, against the
 * real server on SQLite and PostgreSQL: a todo's editor lists its subtasks,
 * adds, completes and reorders them; in manual order, todos move up and down.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { useServer } from './helpers/clients.js';
import { chromiumSkipReason, launchChromium } from './helpers/chromium.js';
import { databaseTargets } from './helpers/databases.js';
import { until } from './helpers/until.js';
import { assertAccessible, clickCheckbox, openApp, registerInApp } from './helpers/web-app.js';

const skip = chromiumSkipReason();

const todoRow = (page: Page, description: string) =>
  page.locator('li.todo').filter({ has: page.getByText(description, { exact: true }) });

/** The descriptions of the todos shown, in order. */
const shown = (page: Page) => page.locator('li.todo .description').allTextContents();

async function addTodo(page: Page, description: string): Promise<void> {
  const form = page.getByRole('form', { name: 'Add a todo' });
  await form.getByLabel('New todo').fill(description);
  await form.getByRole('button', { name: 'Add', exact: true }).click();
  await todoRow(page, description).waitFor();
}

for (const target of databaseTargets) {
  describe(`subtasks and manual order in the web app on ${target.name}`, { skip: skip ?? target.skip }, () => {
    const fixture = useServer(target);
    let browser: Browser;
    before(async () => (browser = await launchChromium()));
    after(async () => browser.close());

    it('adds, completes and reorders subtasks in the editor, and moves todos in manual order', async () => {
      const { page, context, problems } = await openApp(browser, fixture.server.url);
      await registerInApp(page, 'outliner');
      for (const description of ['Pack', 'Book taxi', 'Water plants']) await addTodo(page, description);

      // Subtasks, in the editor of their parent.
      await todoRow(page, 'Pack').getByRole('button', { name: /Edit/ }).click();
      const editor = page.getByRole('form', { name: 'Edit “Pack”' });
      await editor.getByText('Subtasks', { exact: true }).click();
      const subtasks = editor.getByRole('list', { name: 'Subtasks' });
      const named = () => subtasks.locator('.subtask-description').allTextContents();
      for (const description of ['Socks', 'Shirts', 'Charger']) {
        await editor.getByLabel('New subtask').fill(description);
        await editor.getByLabel('New subtask').press('Enter');
        await subtasks.getByText(description, { exact: true }).waitFor();
      }
      assert.deepEqual(await named(), ['Socks', 'Shirts', 'Charger']);
      await subtasks.getByRole('button', { name: 'Up “Charger”' }).click();
      await until(async () => (await named())[1] === 'Charger', 'Charger moved up');
      await subtasks.getByRole('button', { name: 'Down “Socks”' }).click();
      await until(async () => (await named())[0] === 'Charger', 'Socks moved down');
      assert.deepEqual(await named(), ['Charger', 'Socks', 'Shirts']);
      await clickCheckbox(subtasks.getByLabel('Done: “Socks”'), true);
      await assertAccessible(page, 'subtasks');
      await editor.getByRole('button', { name: 'Cancel' }).click();
      // Subtasks are not top-level todos: the list still shows three.
      await page.getByText('3 todos', { exact: true }).waitFor();

      // Completing the parent completes its subtasks (the server's rule), seen when reopened.
      await clickCheckbox(todoRow(page, 'Pack').getByLabel('Done: “Pack”'), true);
      await todoRow(page, 'Pack').getByRole('button', { name: /Edit/ }).click();
      await editor.getByText('Subtasks', { exact: true }).click();
      await until(
        async () => (await subtasks.getByRole('checkbox', { checked: true }).count()) === 3,
        'every subtask done',
      );
      await editor.getByRole('button', { name: 'Cancel' }).click();

      // Manual order: Up and Down beside each todo.
      const filters = page.getByRole('group', { name: 'Filter and sort' });
      await filters.getByLabel('Sort by').selectOption({ label: 'Manual' });
      await todoRow(page, 'Pack').getByRole('button', { name: 'Down “Pack”' }).waitFor();
      await todoRow(page, 'Pack').getByRole('button', { name: 'Down “Pack”' }).click();
      await until(async () => (await shown(page))[0] === 'Book taxi', 'Pack moved down');
      await todoRow(page, 'Water plants').getByRole('button', { name: 'Up “Water plants”' }).click();
      await until(async () => (await shown(page))[1] === 'Water plants', 'Water plants moved up');
      assert.deepEqual(await shown(page), ['Book taxi', 'Water plants', 'Pack']);
      await assertAccessible(page, 'manual order');
      // The order is the server's: a fresh page shows it too.
      await page.reload();
      await page
        .getByRole('group', { name: 'Filter and sort' })
        .getByLabel('Sort by')
        .selectOption({ label: 'Manual' });
      await until(async () => (await shown(page)).join() === 'Book taxi,Water plants,Pack', 'the order after a reload');

      assert.deepEqual(problems, []);
      await context.close();
    });
  });
}
