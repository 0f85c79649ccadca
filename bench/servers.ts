/**
 * Starting the servers the benchmark measures: todo-graphql as users run it
 * (dist/server.js, production, logging at its default level) or the raw
 * baseline, pinned to core 0 when taskset is available.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '..');

export const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
export const pinned = (core: number, command: string[]) =>
  hasTaskset ? ['taskset', '-c', String(core), ...command] : command;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export function startServer(
  which: 'project' | 'baseline',
  options: { dbFile: string; port: number; sqliteSynchronous: string; env?: Readonly<Record<string, string>> },
): ChildProcess {
  const command =
    which === 'project'
      ? [process.execPath, path.join(root, 'dist/server.js')]
      : [process.execPath, '--import', 'tsx', path.join(root, 'bench/baseline-server.ts')];
  const [program = '', ...rest] = pinned(0, command);
  return spawn(program, rest, {
    cwd: root,
    // Logs go to /dev/null: the server still formats and writes every line, at the default level.
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(options.port),
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite://${options.dbFile}`,
      DATABASE_FILE: options.dbFile,
      SQLITE_SYNCHRONOUS: options.sqliteSynchronous,
      // Production requires a signing secret; the workload itself is anonymous.
      AUTH_SECRET: randomBytes(32).toString('base64url'),
      // All load comes from one address, far past any sane per-client limit.
      RATE_LIMIT_PER_ADDRESS: '0',
      RATE_LIMIT_PER_USER: '0',
      ...options.env,
    },
  });
}

export async function waitUntilServing(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function stopServer(child: ChildProcess): Promise<void> {
  // Already gone: by its own exit, or by a signal (exitCode stays null then).
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}

/**
 * Runs `work` against todo-graphql as users run it, started afresh on a free
 * port over `dbFile`, and stops it afterwards however `work` ends.
 */
export async function withProjectServer<T>(
  options: { dbFile: string; env?: Readonly<Record<string, string>> },
  work: (server: { readonly url: string; readonly pid: number | undefined }) => Promise<T>,
): Promise<T> {
  const port = await freePort();
  const child = startServer('project', { ...options, port, sqliteSynchronous: 'NORMAL' });
  try {
    const url = `http://127.0.0.1:${port}`;
    await waitUntilServing(url);
    return await work({ url, pid: child.pid });
  } finally {
    await stopServer(child);
  }
}
