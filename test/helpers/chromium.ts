/**
 * Debian's Chromium for the browser tests, never a downloaded browser. Without
 * it the suites are skipped with the reason, except under CI=true, where the
 * missing browser fails the file before any suite runs.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

/** Why the browser suites cannot run here, or undefined when they can. */
export function chromiumSkipReason(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const reason = `${CHROMIUM} does not exist`;
  if (process.env.CI === 'true') throw new Error(`${reason}; under CI it is required (apt-get install -y chromium).`);
  return `${reason}; install Debian's chromium package to run these tests.`;
}

/** A headless Chromium, started as every browser test here starts it. */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 30_000,
  });
