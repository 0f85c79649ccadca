/**
 * Runs the built server (dist/server.js) as its own process, the way operators
 * run it, for what only a real process shows: start-up, signals, restarts.
 * `npm test` builds dist/ before running the tests.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { postGraphQL } from './graphql-client.js';
import { UNLIMITED } from './server.js';

export const projectRoot = path.resolve(import.meta.dirname, '../..');
export const serverEntry = path.join(projectRoot, 'dist/server.js');

export interface ServerProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** How many subscriptions it has logged as started, and as ended, so far (see afterSubscriptions). */
  subscriptionCounts(): { started: number; ended: number };
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function baseEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const { PATH, HOME, TMPDIR } = process.env;
  return { PATH, HOME, TMPDIR, PORT: '0', LOG_LEVEL: 'info', ...UNLIMITED, ...env };
}

/** Starts dist/server.js (or `command`, such as `npm start`) and waits until it logs that it is listening. */
export async function startServerProcess(
  env: Record<string, string>,
  cwd = projectRoot,
  [command, ...args]: readonly string[] = [process.execPath, serverEntry],
): Promise<ServerProcess> {
  const child = spawn(command ?? process.execPath, args, { cwd, env: baseEnv(env) });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    // `npm start` builds first.
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${stdout}\n${stderr}`)), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${stdout}\n${stderr}`));
    });
  });
  return {
    child,
    url,
    stdout: () => stdout,
    stderr: () => stderr,
    subscriptionCounts: () => ({
      started: stdout.split('"msg":"subscription started"').length - 1,
      ended: stdout.split('"msg":"subscription ended"').length - 1,
    }),
    async stop(signal = 'SIGTERM') {
      // Already gone: by its own exit, or by a signal (exitCode stays null then).
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit') as Promise<[number | null]>;
      child.kill(signal);
      const [code] = await exited;
      return code;
    },
  };
}

/** Runs a built script to completion (e.g. dist/migrate.js, or a server that must refuse to start). */
export async function runScript(script: string, env: Record<string, string>, cwd = projectRoot): Promise<Finished> {
  const child = spawn(process.execPath, [path.join(projectRoot, script)], { cwd, env: baseEnv(env) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** POSTs a query to the GraphQL endpoint of the server at `url`. */
export const queryServer = (url: string, query: string, variables?: Record<string, unknown>) =>
  postGraphQL(`${url}/graphql`, { query, variables });
