/**
 * Takes the screenshots in docs/screenshots/: the web app's main screens at a
 * desktop's size and a phone's, in Debian's Chromium, against the built server
 * on a fresh SQLite file with a few lists and todos made through the API.
 *
 *   npm run build && npm run screenshots
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';

const OUTPUT = 'docs/screenshots';
const PORT = '4571';
const url = `http://127.0.0.1:${PORT}`;
const PASSWORD = 'correct-horse-battery';

const dataDir = mkdtempSync(path.join(tmpdir(), 'todo-screenshots-'));
const server = spawn(process.execPath, ['dist/server.js'], {
  env: {
    ...process.env,
    PORT,
    DATABASE_URL: path.join(dataDir, 'todo.db'),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_ADDRESS: '0',
  },
  stdio: 'inherit',
});

async function graphql(
  query: string,
  variables: Record<string, unknown>,
  token?: string,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data: Record<string, unknown>; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function registered(username: string): Promise<string> {
  const data = await graphql('mutation ($input: RegisterInput!) { register(input: $input) { token } }', {
    input: { username, password: PASSWORD },
  });
  return (data.register as { token: string }).token;
}

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

async function seed(): Promise<void> {
  const ada = await registered('ada');
  await registered('grace');
  const list = async (name: string) =>
    (
      (await graphql('mutation ($name: String!) { createList(input: { name: $name }) { list { id } } }', { name }, ada))
        .createList as { list: { id: string } }
    ).list.id;
  const home = await list('Home');
  const launch = await list('Product launch');
  await list('Reading');
  const todos: [string, string, number, string, string | null][] = [
    [launch, 'Write the release notes', 1, 'HIGH', 'Cover the web app and the new filters.'],
    [launch, 'Book the launch venue', -2, 'URGENT', null],
    [launch, 'Record the demo video', 4, 'NORMAL', null],
    [launch, 'Send the press kit', 6, 'LOW', null],
    [launch, 'Check the pricing page', 0, 'NORMAL', null],
    [home, 'Fix the kitchen tap', 2, 'HIGH', null],
    [home, 'Renew the car insurance', 9, 'NORMAL', null],
  ];
  for (const [listId, description, offset, priority, notes] of todos)
    await graphql(
      'mutation ($input: TodoInput!) { addTodo(input: $input) { status } }',
      {
        input: { list: listId, description, dueOn: day(offset), priority, notes },
      },
      ada,
    );
  const done = await graphql('{ allTodos(first: 10, filter: { text: "pricing" }) { edges { node { id } } } }', {}, ada);
  const ids = (done.allTodos as { edges: { node: { id: string } }[] }).edges.map((edge) => edge.node.id);
  await graphql('mutation ($ids: [ID!]!) { completeTodos(todos: $ids) { status } }', { ids }, ada);
  await graphql(
    'mutation ($list: ID!) { shareList(list: $list, username: "grace", role: EDITOR) { status } }',
    { list: launch },
    ada,
  );
}

async function signIn(page: Page): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Username').fill('ada');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Signed in as ada').waitFor();
  await page
    .getByRole('navigation', { name: 'Lists' })
    .getByRole('link', { name: /Product launch/ })
    .click();
  await page.locator('li.todo').first().waitFor();
}

try {
  for (let attempt = 0; ; attempt++) {
    try {
      await fetch(`${url}/readyz`);
      break;
    } catch (error) {
      if (attempt > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await seed();
  mkdirSync(OUTPUT, { recursive: true });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  for (const [device, options] of [
    ['desktop', { viewport: { width: 1280, height: 800 } }],
    ['phone', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }],
  ] as const) {
    const context = await browser.newContext({ ...options, locale: 'en-GB', colorScheme: 'light' });
    const page = await context.newPage();
    await page.goto(url);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.screenshot({ path: `${OUTPUT}/sign-in-${device}.png` });
    await signIn(page);
    await page.screenshot({ path: `${OUTPUT}/list-${device}.png` });
    await page.locator('li.todo').first().getByRole('button', { name: /Edit/ }).click();
    await page.getByRole('button', { name: 'Share' }).click();
    await page.getByRole('region', { name: 'Shared with' }).waitFor();
    await page.screenshot({ path: `${OUTPUT}/editing-and-sharing-${device}.png`, fullPage: device === 'desktop' });
    await context.close();
  }
  await browser.close();
  console.log(`screenshots written to ${OUTPUT}/`);
} finally {
  server.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
}
