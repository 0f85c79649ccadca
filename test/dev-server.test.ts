/**
 * `npm run dev` (scripts/dev.ts): Vite serves the web app with its hot-reload
 * client, and proxies /graphql, WebSocket included, to the API it starts from
 * source. Ctrl-C (SIGTERM here) stops both.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import WebSocket from 'ws';
import { freePort } from './helpers/ports.js';
import { projectRoot } from './helpers/process.js';
import { TEST_AUTH_SECRET } from './helpers/server.js';
import { until } from './helpers/until.js';

const answers = async (url: string, init?: RequestInit): Promise<boolean> =>
  fetch(url, { ...init, signal: AbortSignal.timeout(5_000) }).then(
    (response) => response.ok,
    () => false,
  );

describe('npm run dev', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'todo-dev-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves the app with hot reload and proxies the API, WebSocket too; SIGTERM stops both', async () => {
    const [apiPort, webPort] = [await freePort(), await freePort()];
    const { PATH, HOME } = process.env;
    const dev = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], {
      cwd: projectRoot,
      env: {
        PATH,
        HOME,
        API_PORT: String(apiPort),
        WEB_PORT: String(webPort),
        DATABASE_URL: path.join(dataDir, 'todo.db'),
        AUTH_SECRET: TEST_AUTH_SECRET,
        LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    });
    const web = `http://localhost:${webPort}`;
    try {
      await until(() => answers(web), 'Vite to serve the page', 60_000, 200);
      assert.match(await (await fetch(web)).text(), /\/@react-refresh/, 'the hot-reload client is on the page');
      const query = {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ isAuthenticated }' }),
      };
      await until(() => answers(`${web}/graphql`, query), 'the API through the proxy', 60_000, 200);
      assert.deepEqual(await (await fetch(`${web}/graphql`, query)).json(), { data: { isAuthenticated: false } });

      const socket = new WebSocket(`ws://localhost:${webPort}/graphql`, 'graphql-transport-ws');
      await once(socket, 'open');
      socket.send(JSON.stringify({ type: 'connection_init' }));
      const [ack] = (await once(socket, 'message')) as [Buffer];
      assert.deepEqual(JSON.parse(ack.toString()), { type: 'connection_ack' });
      socket.close();
    } finally {
      dev.kill('SIGTERM');
      await once(dev, 'exit');
    }
    assert.equal(await answers(web), false, 'Vite stopped');
    await until(async () => !(await answers(`http://127.0.0.1:${apiPort}/healthz`)), 'the API to stop', 10_000, 100);
  });
});
