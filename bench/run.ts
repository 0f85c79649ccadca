/**
 * `npm run bench`: the workload of bench/workload.ts against todo-graphql, the
 * tutorial's API on Mercurius (the peer, bench/peer-server.ts) and the raw
 * baseline (bench/baseline-server.ts) in the same run. Each round starts every
 * server afresh on its own copy of the 100-todo database, pinned to core 0 with
 * autocannon on core 1; after a warm-up they take turns under load in short
 * windows (bench/load.ts). todo-graphql also runs as two workers on one port
 * (WORKERS=2, on both cores), measured by requests per CPU-second of all its
 * processes. Figures are medians over the rounds; ratios are taken within each
 * round. Then pages at scale (bench/pages.ts), the live-update fan-out to 1,000
 * WebSocket subscribers (bench/fanout.ts; 50 subscribers in a smoke run) and
 * the time to refuse each hostile document (bench/hostile.ts).
 *
 *   npm run bench                 3 rounds; per server 3 s warm-up + 6 windows of 2 s
 *   npm run bench -- --smoke      1 round of 1 s + 2 windows of 1 s: proves the harness works (CI)
 *   npm run bench -- --rounds 5 --windows 10
 *   npm run bench -- --operations create --rounds 7   only createTodo's throughput (then the rest as usual)
 *   npm run bench -- --observability                 also prices metrics (off) and tracing (on at 100%)
 *   npm run bench -- --throughput-only               the throughput tables alone (nothing written): for A/B runs
 *   npm run bench -- --reference ../other-checkout   also measures that checkout's build
 *                                                    (its own npm ci and npm run build first)
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { describeFanout, type FanoutResult } from './fanout.js';
import { describeHostile, type HostileResult } from './hostile.js';
import type { LoadPlan, LoadResult } from './load.js';
import { measurePages } from './pages.js';
import { seedTemplate } from './seed.js';
import {
  hasTaskset,
  pinned,
  root,
  serve,
  setOtlpEndpoint,
  setReference,
  startOtlpSink,
  SQLITE_SYNCHRONOUS,
  stopServer,
  type Contender,
  type Serving,
} from './servers.js';
import { operations as workload, type Operation } from './workload.js';

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    warmup: { type: 'string' },
    windows: { type: 'string' },
    window: { type: 'string' },
    reference: { type: 'string' },
    operations: { type: 'string' },
    observability: { type: 'boolean', default: false },
    'throughput-only': { type: 'boolean', default: false },
  },
});
/** `--operations create` (or `list,one`): only these of the workload's operations. */
const operations = args.operations
  ? workload.filter((operation) => args.operations?.split(',').includes(operation.name))
  : workload;
if (operations.length === 0) throw new Error(`--operations names none of ${workload.map((o) => o.name).join(', ')}`);
setReference(args.reference);
const otlpSink = await startOtlpSink();
setOtlpEndpoint(otlpSink.url);
const smoke = args.smoke;
const rounds = Number(args.rounds ?? (smoke ? 1 : 3));
const warmup = Number(args.warmup ?? (smoke ? 1 : 3));
const windows = Number(args.windows ?? (smoke ? 2 : 6));
const windowSeconds = Number(args.window ?? (smoke ? 1 : 2));
const CONNECTIONS = 10;

/** Targets (issue 16): requests/s as a share of the raw baseline's and of the Mercurius peer's. */
const targets: Record<Operation['name'], number> = { list: 0.9, one: 0.7, create: 0.9 };
const PEER_TARGET = 1;
const MAX_RSS_MIB = 128;
const MAX_P99_OVER_P50 = 4;
/** Two workers' requests per server CPU-second, at least this share of one worker's (reads). */
const MIN_WORKER_EFFICIENCY = 0.9;

const contenders: readonly Contender[] = [
  'project',
  'two-workers',
  'peer',
  'baseline',
  ...(args.observability ? (['unmetered', 'traced'] as const) : []),
  ...(args.reference ? (['reference'] as const) : []),
];
/** Requests per second with metrics on (the default), at least this share of those with them off. */
const MIN_METRICS_ON_OVER_OFF = 0.97;

interface RunResult extends LoadResult {
  readonly peakRssMiB: number;
  readonly sampleBody: string;
}

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kib / 1024;
}

/** Runs a bench script on core 1, the load generator's, and returns its exit code and what it printed. */
async function onLoadCore(script: string, args: string[]): Promise<{ code: number | null; output: string }> {
  const [program = '', ...rest] = pinned(1, [process.execPath, '--import', 'tsx', path.join(root, script), ...args]);
  const child = spawn(program, rest, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, output };
}

async function load(plan: LoadPlan): Promise<Record<Contender, LoadResult>> {
  const { code, output } = await onLoadCore('bench/load.ts', [JSON.stringify(plan)]);
  if (code !== 0) throw new Error(`load generator exited with ${code}`);
  return JSON.parse(output) as Record<Contender, LoadResult>;
}

async function start(contender: Contender, operation: Operation, template: string, workDir: string): Promise<Serving> {
  const dbFile = path.join(workDir, `${contender}-${operation.name}-${Date.now()}.db`);
  // The peer seeds a database of its own model; the others share todo-graphql's.
  if (contender !== 'peer') copyFileSync(template, dbFile);
  return serve(contender, { dbFile });
}

const stop = ({ child }: Serving): Promise<void> => stopServer(child);

/**
 * One round of one operation: both servers start on core 0 (each with its own
 * copy of the database) and take turns under load, window by window.
 */
async function measure(operation: Operation, template: string, workDir: string): Promise<Record<Contender, RunResult>> {
  const servers: Partial<Record<Contender, Serving>> = {};
  try {
    for (const contender of contenders) servers[contender] = await start(contender, operation, template, workDir);
    const sampleBodies: Partial<Record<Contender, string>> = {};
    const targets = contenders.map((contender) => {
      const server = servers[contender];
      if (!server?.child.pid) throw new Error(`${contender} did not start`);
      return { name: contender, url: `${server.url}/graphql`, pids: server.pids };
    });
    for (const target of targets) {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: operation.body,
      });
      sampleBodies[target.name] = await response.text();
    }
    const results = await load({
      targets,
      body: operation.body,
      connections: CONNECTIONS,
      warmupSeconds: warmup,
      windows,
      windowSeconds,
    });
    const result = (contender: Contender): RunResult => {
      const server = servers[contender];
      return {
        ...results[contender],
        peakRssMiB: Math.max(...(server?.pids ?? []).map(peakRssMiB)),
        sampleBody: sampleBodies[contender] ?? '',
      };
    };
    return Object.fromEntries(contenders.map((contender) => [contender, result(contender)])) as Record<
      Contender,
      RunResult
    >;
  } finally {
    await Promise.all(Object.values(servers).map(stop));
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

const workDir = mkdtempSync(path.join(tmpdir(), 'todo-graphql-bench-'));
const template = path.join(workDir, 'template.db');
await seedTemplate(template);

console.log(
  `todo-graphql benchmark: ${rounds} round(s), ${warmup} s warm-up + ${windows} alternating windows of ${windowSeconds} s per server, ${CONNECTIONS} connections, ` +
    `SQLite WAL synchronous=${SQLITE_SYNCHRONOUS}, ${hasTaskset ? 'server on core 0, load on core 1' : 'taskset unavailable: not pinned'}`,
);

const noRuns = (): Record<Contender, RunResult[]> => ({
  project: [],
  'two-workers': [],
  peer: [],
  baseline: [],
  unmetered: [],
  traced: [],
  reference: [],
});
const runs: Record<Operation['name'], Record<Contender, RunResult[]>> = {
  list: noRuns(),
  one: noRuns(),
  create: noRuns(),
};
const problems: string[] = [];

try {
  for (let round = 0; round < rounds; round++) {
    for (const operation of operations) {
      const results = await measure(operation, template, workDir);
      for (const contender of contenders) {
        const result = results[contender];
        runs[operation.name][contender].push(result);
        process.stdout.write(
          `  round ${round + 1} ${operation.name.padEnd(6)} ${contender.padEnd(9)} ${result.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms  ${result.cpuMicrosPerRequest.toFixed(0)} µs CPU/req\n`,
        );
        if (result.failures > 0) {
          problems.push(
            `${contender} ${operation.name}: ${result.failures} failed responses, first: ${result.firstFailure ?? ''}`,
          );
        }
      }
      // Every server must answer the same bytes (but for a new todo's id): the same work, compared.
      const comparable = (body = '') => (operation.name === 'create' ? body.replace(/"id":"\d+"/, '"id":"?"') : body);
      const baseline = comparable(runs[operation.name].baseline.at(-1)?.sampleBody);
      for (const contender of contenders) {
        const body = comparable(runs[operation.name][contender].at(-1)?.sampleBody);
        if (body !== baseline) {
          problems.push(`${operation.name}: ${contender} and baseline bodies differ:\n    ${body}\n    ${baseline}`);
        }
      }
    }
  }
} finally {
  rmSync(workDir, { recursive: true, force: true });
}

/** Per round, `over`'s requests/s as a share of `under`'s; or their CPU per request, inverted (`cpu`). */
const perRound = (over: RunResult[], under: RunResult[], cpu = false) =>
  over.map((run, i) => {
    const other = under[i];
    if (!other) return NaN;
    return cpu ? other.cpuMicrosPerRequest / run.cpuMicrosPerRequest : run.requestsPerSecond / other.requestsPerSecond;
  });
const medianOf = (values: number[]) => Number(median(values).toFixed(3));

const summary = operations.map((operation) => {
  const { project, unmetered, traced, baseline, peer, reference } = runs[operation.name];
  const twoWorkers = runs[operation.name]['two-workers'];
  const ratios = perRound(project, baseline);
  const figures = (results: RunResult[]) => ({
    requestsPerSecond: Math.round(median(results.map((r) => r.requestsPerSecond))),
    p50Ms: Number(median(results.map((r) => r.p50Ms)).toFixed(3)),
    p99Ms: Number(median(results.map((r) => r.p99Ms)).toFixed(3)),
    cpuMicrosPerRequest: Number(median(results.map((r) => r.cpuMicrosPerRequest)).toFixed(1)),
    peakRssMiB: Number(Math.max(...results.map((r) => r.peakRssMiB)).toFixed(1)),
  });
  return {
    operation: operation.name,
    label: operation.label,
    ratio: medianOf(ratios),
    roundRatios: ratios.map((r) => Number(r.toFixed(3))),
    target: targets[operation.name],
    peerRatio: medianOf(perRound(project, peer)),
    project: figures(project),
    peer: figures(peer),
    baseline: figures(baseline),
    twoWorkers: {
      ...figures(twoWorkers),
      /** Total requests/s of two workers over one's. */
      scaling: medianOf(perRound(twoWorkers, project)),
      /** Two workers' requests per server CPU-second over one's. */
      efficiency: medianOf(perRound(twoWorkers, project, true)),
    },
    ...(args.observability
      ? {
          unmetered: { ...figures(unmetered), metricsOnOverOff: medianOf(perRound(project, unmetered)) },
          traced: { ...figures(traced), tracedOverDefault: medianOf(perRound(traced, project)) },
        }
      : {}),
    ...(reference.length > 0
      ? { reference: { ...figures(reference), ratio: medianOf(perRound(reference, baseline)) } }
      : {}),
  };
});

const latency = (f: { p50Ms: number; p99Ms: number }) =>
  `${f.p50Ms.toFixed(2)} / ${f.p99Ms.toFixed(2)} (${(f.p99Ms / f.p50Ms).toFixed(1)}×)`;
const table = [
  '| operation | todo-graphql req/s | peer req/s | baseline req/s | ÷ peer (≥ 1.00) | ÷ baseline (target) | p50 / p99 ms (p99÷p50) | peer p50 / p99 ms | CPU µs/req: ours / peer / baseline | peak RSS MiB |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...summary.map(
    (s) =>
      `| ${s.label} | ${s.project.requestsPerSecond} | ${s.peer.requestsPerSecond} | ${s.baseline.requestsPerSecond} | **${s.peerRatio.toFixed(2)}** | **${s.ratio.toFixed(2)}** (≥ ${s.target.toFixed(2)}) | ${latency(s.project)} | ${latency(s.peer)} | ${s.project.cpuMicrosPerRequest.toFixed(0)} / ${s.peer.cpuMicrosPerRequest.toFixed(0)} / ${s.baseline.cpuMicrosPerRequest.toFixed(0)} | ${s.project.peakRssMiB.toFixed(0)} |`,
  ),
].join('\n');
console.log(`\n${table}\n`);

console.log(
  'One worker (core 0) and two workers on one port (WORKERS=2, cores 0 and 1, shared with the load generator):\n',
);
console.log(
  '| operation | 1 worker req/s | 2 workers req/s (÷ 1) | req per server CPU-second: 1 / 2 workers | efficiency (2 ÷ 1) | 2 workers p50 / p99 ms | failed |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const s of summary) {
  const failed = runs[s.operation]['two-workers'].reduce((sum, r) => sum + r.failures, 0);
  console.log(
    `| ${s.label} | ${s.project.requestsPerSecond} | ${s.twoWorkers.requestsPerSecond} (${s.twoWorkers.scaling.toFixed(2)}) | ${Math.round(1e6 / s.project.cpuMicrosPerRequest)} / ${Math.round(1e6 / s.twoWorkers.cpuMicrosPerRequest)} | **${s.twoWorkers.efficiency.toFixed(2)}** | ${latency(s.twoWorkers)} | ${failed} |`,
  );
}
console.log('');

if (args.reference) {
  console.log(`The reference build (${args.reference}), in the same run:\n`);
  console.log('| operation | ratio here | ratio of the reference | CPU µs/req here / reference |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const s of summary) {
    if (!s.reference) continue;
    console.log(
      `| ${s.label} | ${s.ratio.toFixed(2)} | ${s.reference.ratio.toFixed(2)} | ${s.project.cpuMicrosPerRequest.toFixed(0)} / ${s.reference.cpuMicrosPerRequest.toFixed(0)} |`,
    );
  }
  console.log('');
}

if (args.observability) {
  console.log(
    'Metrics on (the default) against off (METRICS_ENABLED=false), and tracing on at 100% sampling (spans exported over OTLP/HTTP) against the default, same build, same run:\n',
  );
  console.log(
    '| operation | req/s metrics on ÷ off | CPU µs/req on / off | req/s traced ÷ default | CPU µs/req traced |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const s of summary) {
    if (!s.unmetered || !s.traced) continue;
    console.log(
      `| ${s.label} | ${s.unmetered.metricsOnOverOff.toFixed(3)} | ${s.project.cpuMicrosPerRequest.toFixed(0)} / ${s.unmetered.cpuMicrosPerRequest.toFixed(0)} | ${s.traced.tracedOverDefault.toFixed(3)} | ${s.traced.cpuMicrosPerRequest.toFixed(0)} |`,
    );
  }
  console.log('');
}

const peakRss = Math.max(...summary.map((s) => s.project.peakRssMiB));
const checks = [
  ...summary.map((s) => ({
    name: `${s.label}: ${s.peerRatio.toFixed(2)} of the Mercurius peer ≥ ${PEER_TARGET}`,
    ok: s.peerRatio >= PEER_TARGET,
  })),
  ...summary.map((s) => ({
    name: `${s.label}: ${s.ratio.toFixed(2)} of the baseline ≥ ${s.target}`,
    ok: s.ratio >= s.target,
  })),
  { name: `peak RSS ${peakRss.toFixed(0)} MiB ≤ ${MAX_RSS_MIB} MiB`, ok: peakRss <= MAX_RSS_MIB },
  ...summary.map((s) => ({
    name: `${s.label}: p99 ${(s.project.p99Ms / s.project.p50Ms).toFixed(1)} × p50 ≤ ${MAX_P99_OVER_P50}×`,
    ok: s.project.p99Ms <= MAX_P99_OVER_P50 * s.project.p50Ms,
  })),
  ...summary.flatMap((s) =>
    s.unmetered
      ? [
          {
            name: `${s.label}: with metrics ${s.unmetered.metricsOnOverOff.toFixed(3)} ≥ ${MIN_METRICS_ON_OVER_OFF} of without`,
            ok: s.unmetered.metricsOnOverOff >= MIN_METRICS_ON_OVER_OFF,
          },
        ]
      : [],
  ),
  ...summary
    .filter((s) => s.operation !== 'create')
    .map((s) => ({
      name: `${s.label}: two workers keep ${s.twoWorkers.efficiency.toFixed(2)} of one's requests per CPU-second ≥ ${MIN_WORKER_EFFICIENCY}`,
      ok: s.twoWorkers.efficiency >= MIN_WORKER_EFFICIENCY,
    })),
];
for (const check of checks) console.log(`${check.ok ? '✓' : '✗'} ${check.name}`);
for (const problem of problems) console.error(`✗ ${problem}`);

if (args['throughput-only']) {
  otlpSink.close();
  process.exit(problems.length > 0 ? 1 : 0);
}

// Pages at scale (bench/pages.ts): depth must not matter.
const pageTimings = await measurePages({ smoke }).catch((error: unknown) => {
  problems.push(`pages at scale: ${error instanceof Error ? error.message : String(error)}`);
  return [];
});
const ms = (value: number | null) => (value === null ? '—' : value.toFixed(2));
console.log(
  [
    '',
    `Pages of 10 todos at scale (SQLite, one list; median ms per request over HTTP):`,
    '',
    '| todos | order (filter) | first page | page 1,000 | last page |',
    '| ---: | --- | ---: | ---: | ---: |',
    ...pageTimings.map(
      (timing) =>
        `| ${timing.rows.toLocaleString('en')} | ${timing.order} | ${ms(timing.firstPageMs)} | ${ms(timing.page1000Ms)} | ${ms(timing.lastPageMs)} |`,
    ),
    '',
  ].join('\n'),
);

/** Runs a bench script that prints its result as JSON (even when it then exits 1), and prints its summary. */
async function scriptResult<T>(script: string, what: string, describe: (result: T) => string): Promise<T | null> {
  const run = await onLoadCore(script, ['--json', ...(smoke ? ['--smoke'] : [])]);
  const result = run.output.trim() ? (JSON.parse(run.output) as T) : null;
  if (result) console.log(`${describe(result)}\n`);
  if (run.code !== 0 || !result) {
    problems.push(`${what} failed (exit ${run.code})`);
    console.error(`✗ ${problems.at(-1) ?? ''}`);
  }
  return result;
}

// Live-update fan-out (bench/fanout.ts): its subscribers are the load generator, so they run on core 1.
const fanout = await scriptResult<FanoutResult>('bench/fanout.ts', 'live-update fan-out', describeFanout);
const lost = fanout ? fanout.expected - fanout.delivered : 0;
if (lost > 0) {
  problems.push(`live-update fan-out: ${lost} of ${fanout?.expected ?? 0} events never arrived`);
  console.error(`✗ ${problems.at(-1) ?? ''}`);
}

// Hostile documents (bench/hostile.ts): the time to refuse each, from the load generator's core.
// It exits 1 when a document is not refused by the limit the fixture names.
const hostile = await scriptResult<HostileResult>('bench/hostile.ts', 'hostile documents', describeHostile);

mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(
  path.join(root, smoke ? 'bench/results/smoke.json' : 'bench/results/latest.json'),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      cpu: cpus()[0]?.model,
      settings: {
        rounds,
        warmupSeconds: warmup,
        windows,
        windowSeconds,
        connections: CONNECTIONS,
        sqliteSynchronous: SQLITE_SYNCHRONOUS,
        nodeEnv: 'production',
        logLevel: 'info',
        pinned: hasTaskset,
      },
      operations: summary,
      pagesAtScale: pageTimings,
      fanout,
      hostile,
      checks,
      problems,
    },
    null,
    2,
  )}\n`,
);

// A failed response always fails the run; the targets only count in a full run.
const failed = problems.length > 0 || (!smoke && checks.some((check) => !check.ok));
otlpSink.close();
process.exit(failed ? 1 : 0);
