/**
 * `npm run dev`: the API under `node --watch` (restarted on every change to src/)
 * and the web app from Vite's dev server (hot reload), which proxies /graphql
 * to the API. Open the address Vite prints. Ctrl-C stops both.
 *
 * API_PORT (default 4000) is where the API listens, WEB_PORT (default 5173)
 * where Vite does; the page's origin is Vite's, which the proxy keeps, so the
 * session cookie works as in production.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'vite';

const apiPort = process.env.API_PORT ?? process.env.PORT ?? '4000';
const api = spawn(process.execPath, ['--import', 'tsx', '--watch', 'src/server.ts'], {
  stdio: 'inherit',
  // Vite serves the app here; the API's own copy of the build would be stale.
  env: { ...process.env, PORT: apiPort, WEB_APP: 'false' },
});
process.env.API_URL = `http://127.0.0.1:${apiPort}`;
const webPort = process.env.WEB_PORT ? Number(process.env.WEB_PORT) : undefined;
const web = await createServer({
  configFile: 'web/vite.config.ts',
  ...(webPort !== undefined && { server: { port: webPort, strictPort: true } }),
});
await web.listen();
web.printUrls();

let stopping = false;
function stop(code: number): void {
  if (stopping) return;
  stopping = true;
  api.kill('SIGTERM');
  void web.close().then(() => process.exit(code));
}
api.on('exit', (code) => stop(code ?? 1));
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
