/**
 * Where each workload operation's CPU time goes: todo-graphql runs as users
 * run it (dist/server.js, production, request line at info) under V8's
 * sampling profiler (--cpu-prof), pinned to core 0, while autocannon loads it
 * from core 1; then every sample's time is charged to a part of the request by
 * the file of the frame it was taken in (a native frame counts for the nearest
 * frame that has a file: better-sqlite3's C++ for the SQL that called it).
 *
 *   npm run bench:profile                               every operation, 10 s each
 *   npm run bench:profile -- --operations one --seconds 20 --keep /tmp/profiles
 *
 * Prints one table per operation: each part's share of the samples, and that
 * share of the server's CPU time per request (from /proc, over the measured
 * load). The samples span the server's start and a 3 s warm-up too (the start
 * is about half a second in "other JavaScript"), and the profiler adds a
 * little to every figure.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { freePort } from '../test/helpers/ports.js';
import { cpuSeconds } from './proc.js';
import { seedTemplate } from './seed.js';
import { hasTaskset, pinned, root, stopServer, waitUntilServing } from './servers.js';
import { operations as workload } from './workload.js';

const { values: args } = parseArgs({
  options: {
    operations: { type: 'string' },
    seconds: { type: 'string', default: '10' },
    keep: { type: 'string' },
  },
});

/** The parts of a request, each named by the files whose frames count for it; the first match wins. */
const PARTS: readonly (readonly [string, RegExp])[] = [
  ['logging', /\/(pino|sonic-boom|pino-std-serializers|thread-stream)\/|\/(src|dist)\/(logger|http\/request-log)\./],
  [
    'metrics',
    /\/prom-client\/|\/(src|dist)\/metrics\/|\/(src|dist)\/http\/metrics\.|\/(src|dist)\/graphql\/operation-observer\./,
  ],
  ['tracing', /\/@opentelemetry\/|\/(src|dist)\/(tracing\/|http\/tracing\.)/],
  [
    'gate (limits, CORS, headers, session)',
    /\/(@fastify\/(rate-limit|cors|cookie)|helmet|jose)\/|\/(src|dist)\/http\/(gate|rate-limits|cors|security-headers|slow-clients)\.|\/(src|dist)\/accounts\//,
  ],
  [
    'SQL: SQLite (its native calls inline), Kysely, repositories',
    /\/(kysely|better-sqlite3|pg|dataloader)\/|\/(src|dist)\/db\/|\.repository\./,
  ],
  [
    'GraphQL: document cache, parse, validate',
    /\/graphql\/(language|validation|utilities)\/|\/@escape\.tech\/|\/lru-cache\/|\/(src|dist)\/graphql\/(documents|document-limits|query-cost|persisted-queries|trusted-documents)\./,
  ],
  [
    'GraphQL: execution and resolvers',
    /\/graphql-jit\/|\/graphql\/(execution|type|jsutils)\/|\/(src|dist)\/graphql\/|\/(src|dist)\/(todos|lists|nodes|changes)\//,
  ],
  ['HTTP: node:http and sockets', /^node:/],
  [
    'HTTP: Fastify and our routes',
    /\/(fastify|find-my-way|avvio|light-my-request|@fastify\/[^/]+|fast-json-stringify|secure-json-parse|abstract-logging|toad-cache|process-warning)\/|\/(src|dist)\/(http|app)\b/,
  ],
];
/** Native code (no file) is charged to its caller's part, or to these when the caller is one of the keys. */
const NATIVE: Readonly<Record<string, string>> = {
  'HTTP: node:http and sockets': 'HTTP: system calls (writev, read: the kernel, loopback included)',
};
const GC = 'garbage collection';
const UNATTRIBUTED = 'V8 and native code outside JavaScript ((program))';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function partOf(url: string): string | undefined {
  for (const [part, files] of PARTS) if (files.test(url)) return part;
  return url ? 'other JavaScript' : undefined;
}

/** Microseconds of samples per part, with native frames charged to their nearest caller that has a file. */
export function breakdown(profile: CpuProfile): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const partById = new Map<number, string>();
  const visit = (id: number, inherited: string) => {
    const node = byId.get(id);
    if (!node) return;
    const { functionName, url } = node.callFrame;
    const part =
      functionName === '(garbage collector)'
        ? GC
        : functionName === '(program)'
          ? UNATTRIBUTED
          : (partOf(url) ?? NATIVE[inherited] ?? inherited);
    partById.set(id, part);
    for (const child of node.children ?? []) visit(child, part);
  };
  const root = profile.nodes[0];
  if (root) visit(root.id, 'other JavaScript');
  const micros = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (node?.callFrame.functionName === '(idle)') return;
    const part = partById.get(id) ?? 'other JavaScript';
    micros.set(part, (micros.get(part) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return micros;
}

async function profileOperation(operation: (typeof workload)[number], template: string, workDir: string) {
  const dbFile = path.join(workDir, `${operation.name}.db`);
  copyFileSync(template, dbFile);
  const profileDir = path.join(workDir, `profile-${operation.name}`);
  mkdirSync(profileDir);
  const port = await freePort();
  const [program = '', ...rest] = pinned(0, [
    process.execPath,
    '--cpu-prof',
    `--cpu-prof-dir=${profileDir}`,
    path.join(root, 'dist/server.js'),
  ]);
  const child = spawn(program, rest, {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite://${dbFile}`,
      AUTH_SECRET: 'a-profile-run-secret-that-is-long-enough-0123456789',
      RATE_LIMIT_PER_ADDRESS: '0',
      RATE_LIMIT_PER_USER: '0',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const load = (duration: number) =>
    autocannon({
      url: `${url}/graphql`,
      connections: 10,
      duration,
      requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: operation.body }],
    });
  try {
    await waitUntilServing(url);
    await load(3);
    const cpuBefore = cpuSeconds([child.pid ?? 0]);
    const result = await load(Number(args.seconds));
    const cpuMicrosPerRequest = ((cpuSeconds([child.pid ?? 0]) - cpuBefore) * 1e6) / result.requests.total;
    await stopServer(child);
    const [file] = readdirSync(profileDir);
    if (!file) throw new Error('the server wrote no profile');
    const profile = JSON.parse(readFileSync(path.join(profileDir, file), 'utf8')) as CpuProfile;
    if (args.keep) {
      mkdirSync(args.keep, { recursive: true });
      copyFileSync(path.join(profileDir, file), path.join(args.keep, `${operation.name}.cpuprofile`));
    }
    return { cpuMicrosPerRequest, micros: breakdown(profile) };
  } finally {
    await stopServer(child);
  }
}

// The load generator (this process) on core 1, away from the server's core 0: the profiler
// samples wall time, and a server waiting for its core would be charged for it.
if (hasTaskset && process.env.PROFILE_LOAD_PINNED !== '1') {
  const [program = '', ...rest] = pinned(1, [process.execPath, ...process.execArgv, ...process.argv.slice(1)]);
  const child = spawn(program, rest, { stdio: 'inherit', env: { ...process.env, PROFILE_LOAD_PINNED: '1' } });
  const [code] = (await once(child, 'exit')) as [number | null];
  process.exit(code ?? 1);
}

const selected = args.operations
  ? workload.filter((operation) => args.operations?.split(',').includes(operation.name))
  : workload;
const workDir = mkdtempSync(path.join(tmpdir(), 'todo-graphql-profile-'));
try {
  const template = path.join(workDir, 'template.db');
  await seedTemplate(template);
  for (const operation of selected) {
    const { cpuMicrosPerRequest, micros } = await profileOperation(operation, template, workDir);
    const total = [...micros.values()].reduce((sum, value) => sum + value, 0);
    const rows = [...micros.entries()].sort((a, b) => b[1] - a[1]);
    console.log(`\n${operation.label}: ${cpuMicrosPerRequest.toFixed(0)} µs CPU per request under the profiler\n`);
    console.log('| part of the request | µs per request | share |');
    console.log('| --- | ---: | ---: |');
    for (const [part, value] of rows) {
      const share = value / total;
      console.log(`| ${part} | ${(share * cpuMicrosPerRequest).toFixed(1)} | ${(share * 100).toFixed(0)}% |`);
    }
  }
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
