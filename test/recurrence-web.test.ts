/**
 * The web app shows how a recurring todo repeats, and completing it there
 * leaves it open at its next due date (in Debian's Chromium, on SQLite: the
 * rules themselves are tested on both databases in recurrence.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { call, register } from './helpers/accounts.js';
import { chromiumSkipReason, launchChromium } from './helpers/chromium.js';
import { useServer } from './helpers/clients.js';
import { sqliteTarget } from './helpers/databases.js';
import { until } from './helpers/until.js';
import { assertAccessible, openApp, signInInApp } from './helpers/web-app.js';

const ADD_TODO = 'mutation ($input: TodoInput!) { addTodo(input: $input) { status errors { code } } }';

describe('recurring todos in the web app', { skip: chromiumSkipReason() ?? sqliteTarget.skip }, () => {
  const fixture = useServer(sqliteTarget);
  let browser: Browser;
  before(async () => (browser = await launchChromium()));
  after(async () => browser.close());

  it('shows the rule in words, and moves the todo to its next date when it is ticked', async () => {
    const rita = await register(fixture.server, 'rita');
    const added = await call(
      fixture.server,
      ADD_TODO,
      {
        input: {
          description: 'Gym',
          dueOn: '2027-03-22',
          recurrence: { rule: 'FREQ=WEEKLY;BYDAY=MO,TH', timeZone: 'Europe/Berlin' },
        },
      },
      { cookie: rita.cookie },
    );
    assert.deepEqual(added.body.data, { addTodo: { status: true, errors: [] } });

    const { page, problems } = await openApp(browser, fixture.server.url);
    await signInInApp(page, 'rita');
    const row = page.locator('li.todo').filter({ has: page.getByText('Gym', { exact: true }) });
    await row.getByText('every week on Monday, Thursday').waitFor();
    assert.match((await row.textContent()) ?? '', /Due 22 Mar 2027/);
    await assertAccessible(page, 'a recurring todo');

    await row.getByLabel('Done: “Gym”').click();
    await row.getByText('25 Mar 2027').waitFor();
    await until(async () => !(await row.getByLabel('Done: “Gym”').isChecked()), 'the todo to be open again');
    assert.deepEqual(problems, []);
  });
});
