/**
 * What the web app's browser tests share: a page that fails the test on any
 * script error or console error (a Content-Security-Policy refusal included),
 * signing up through the app's own form, and axe-core's accessibility check.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { PASSWORD } from './accounts.js';
import { until } from './until.js';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AppPage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Script and console errors seen so far; a test ends by asserting there were none. */
  readonly problems: string[];
}

export async function openApp(browser: Browser, url: string, options: BrowserContextOptions = {}): Promise<AppPage> {
  const context = await browser.newContext({ locale: 'en-GB', timezoneId: 'America/Los_Angeles', ...options });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // A request the test made fail on purpose (offline, server away) is logged by the browser; nothing else may be.
    if (
      message.type() === 'error' &&
      !/ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|WebSocket/.test(message.text())
    )
      problems.push(`console error: ${message.text()}`);
  });
  await page.goto(url);
  return { page, context, problems };
}

/** Registers `username` through the app's form and waits for the signed-in screen. */
export async function registerInApp(page: Page, username: string): Promise<void> {
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByText(`Signed in as ${username}`).waitFor();
}

/** Signs `username` in through the app's form. */
export async function signInInApp(page: Page, username: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`Signed in as ${username}`).waitFor();
}

interface AxeViolation {
  readonly id: string;
  readonly impact?: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly unknown[] }[];
}

/** axe-core's WCAG checks on the page as it is now: no serious or critical violation. */
export async function assertAccessible(page: Page, screen: string): Promise<void> {
  // Evaluated over the DevTools protocol, which the page's CSP (no inline scripts) does not govern.
  await page.evaluate(AXE_SOURCE);
  // As text: the page's globals (axe, document) are not this Node program's.
  const violations = await page.evaluate<AxeViolation[]>('axe.run(document).then((result) => result.violations)');
  const serious = violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id}: ${violation.help} at ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
    );
  assert.deepEqual(serious, [], `accessibility of the ${screen} screen`);
}

/** The cookie header of the context's session, for calling the API as the same user from the test. */
export async function sessionCookie(context: BrowserContext): Promise<string> {
  const cookies = await context.cookies();
  return cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');
}

/**
 * Clicks a checkbox the app controls and waits until it shows `checked`: the
 * app shows the change when its cache does (optimistically, a moment after the
 * click), not in the click's own event as locator.check() expects.
 */
export async function clickCheckbox(checkbox: Locator, checked: boolean): Promise<void> {
  await checkbox.click();
  await until(async () => (await checkbox.isChecked()) === checked, `the checkbox to be ${checked ? '' : 'un'}checked`);
}
