/**
 * Starting the servers the benchmark measures: todo-graphql as users run it
 * (dist/server.js, production, logging at its default level) or the raw
 * baseline, pinned to core 0 when taskset is available.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../test/helpers/ports.js';

export const root = path.resolve(import.meta.dirname, '..');

export const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
/** `command` run on `cores` (taskset's list syntax: `0`, `0,1`) when taskset is available. */
export const pinned = (cores: number | string, command: string[]) =>
  hasTaskset ? ['taskset', '-c', String(cores), ...command] : command;

/** Every benchmarked server's SQLite durability: WAL with synchronous=NORMAL, the production default. */
export const SQLITE_SYNCHRONOUS = 'NORMAL';

/**
 * todo-graphql as built here (`project`), and as two worker processes on one
 * port (`two-workers`, WORKERS=2, on both cores); the tutorial's API on
 * Mercurius (`peer`, bench/peer-server.ts); the raw baseline; the same build
 * with its metrics off, and with tracing on at 100% sampling, which price them
 * (`--observability`); and optionally another build of todo-graphql
 * (`--reference DIR`).
 */
export type Contender = 'project' | 'two-workers' | 'peer' | 'baseline' | 'unmetered' | 'traced' | 'reference';

const SCRIPTS: Partial<Record<Contender, string>> = {
  baseline: 'bench/baseline-server.ts',
  peer: 'bench/peer-server.ts',
};

/** Where the traced server sends its spans (an OTLP sink in the runner that answers and keeps nothing). */
let otlpEndpoint: string | undefined;
export function setOtlpEndpoint(url: string): void {
  otlpEndpoint = url;
}

/** The checkout `--reference` names, whose dist/server.js is measured beside this one's. */
let referenceDir: string | undefined;
export function setReference(dir: string | undefined): void {
  referenceDir = dir === undefined ? undefined : path.resolve(dir);
}

/** A server being measured, serving at `url`. */
export interface Serving {
  readonly child: ChildProcess;
  readonly url: string;
  /** Its processes: the one started, and the workers it forked. */
  readonly pids: readonly number[];
}

/** The processes `pid` has started, from /proc (empty when it has none). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

interface ServerOptions {
  readonly dbFile: string;
  readonly env?: Readonly<Record<string, string>>;
}

function startServer(which: Contender, options: ServerOptions & { port: number }): ChildProcess {
  const home = which === 'reference' ? referenceDir : root;
  if (home === undefined) throw new Error('no --reference checkout to measure');
  const script = SCRIPTS[which];
  const command = script
    ? [process.execPath, '--import', 'tsx', path.join(root, script)]
    : [process.execPath, path.join(home, 'dist/server.js')];
  const [program = '', ...rest] = pinned(which === 'two-workers' ? '0,1' : 0, command);
  return spawn(program, rest, {
    cwd: home,
    // Logs go to /dev/null: the server still formats and writes every line, at the default level.
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(options.port),
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite://${options.dbFile}`,
      DATABASE_FILE: options.dbFile,
      SQLITE_SYNCHRONOUS,
      // Production requires a signing secret; the workload itself is anonymous.
      AUTH_SECRET: randomBytes(32).toString('base64url'),
      // All load comes from one address, far past any sane per-client limit.
      RATE_LIMIT_PER_ADDRESS: '0',
      RATE_LIMIT_PER_USER: '0',
      ...(which === 'unmetered' ? { METRICS_ENABLED: 'false' } : {}),
      ...(which === 'two-workers' ? { WORKERS: '2' } : {}),
      ...(which === 'traced' && otlpEndpoint
        ? { OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint, TRACES_SAMPLE_RATIO: '1' }
        : {}),
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

/** Starts `which` on a free port over `dbFile` and waits until it serves; stops it if it never does. */
export async function serve(which: Contender, options: ServerOptions): Promise<Serving> {
  const port = await freePort();
  const child = startServer(which, { ...options, port });
  const url = `http://127.0.0.1:${port}`;
  const workers = Number(options.env?.WORKERS ?? (which === 'two-workers' ? 2 : 0));
  try {
    await waitUntilServing(url);
    // A cluster answers as soon as its first worker listens; wait for the rest.
    const deadline = Date.now() + 60_000;
    while (workers > 0 && childrenOf(child.pid ?? 0).length < workers) {
      if (Date.now() > deadline) throw new Error(`${which} did not start ${workers} workers`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await waitUntilServing(url);
  } catch (error) {
    await stopServer(child);
    throw error;
  }
  return { child, url, pids: [child.pid ?? 0, ...childrenOf(child.pid ?? 0)] };
}

/** Runs `work` against todo-graphql as users run it, started afresh, and stops it however `work` ends. */
export async function withProjectServer<T>(options: ServerOptions, work: (server: Serving) => Promise<T>): Promise<T> {
  const server = await serve('project', options);
  try {
    return await work(server);
  } finally {
    await stopServer(server.child);
  }
}

/**
 * An OTLP/HTTP endpoint that takes every export and keeps nothing: the traced
 * server pays for making and sending its spans, as it would to a collector.
 */
export async function startOtlpSink(): Promise<{ readonly url: string; close(): void }> {
  const server = createServer((request, response) => {
    request.resume();
    request.once('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}
