/**
 * The load generator (autocannon), meant to be pinned to its own core. For one
 * operation it warms up every target, then alternates short measured windows
 * between them, so that a slow spell of a shared machine falls on both
 * contenders instead of deciding the comparison. Prints one JSON object with
 * each target's figures over all its windows.
 *
 * It reads each server's CPU time from /proc around every window: server CPU per
 * answered request, unlike req/s, does not depend on how fast this process is.
 * Latencies are kept at microsecond resolution (autocannon's own histogram
 * rounds to whole milliseconds, too coarse for sub-millisecond answers).
 *
 * Usage: node --import tsx bench/load.ts '<LoadPlan as JSON>'
 */
import autocannon from 'autocannon';
import { cpuSeconds } from './proc.js';
import { nearestRank } from './stats.js';

export interface LoadTarget {
  readonly name: string;
  readonly url: string;
  /** The server's process ids (a cluster's primary and its workers), for their CPU time. */
  readonly pids: readonly number[];
}

export interface LoadPlan {
  readonly targets: readonly LoadTarget[];
  readonly body: string;
  readonly connections: number;
  readonly warmupSeconds: number;
  /** Measured windows per target. */
  readonly windows: number;
  readonly windowSeconds: number;
}

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly responses: number;
  readonly cpuMicrosPerRequest: number;
  /** Responses that were not 200 with `"success":true` in the body, plus socket errors and timeouts. */
  readonly failures: number;
  readonly firstFailure?: string;
}

interface Tally {
  responses: number;
  seconds: number;
  cpuSeconds: number;
  failures: number;
  firstFailure?: string;
  readonly latencies: number[];
}

async function window(plan: LoadPlan, target: LoadTarget, seconds: number, tally?: Tally): Promise<void> {
  const cpuBefore = tally ? cpuSeconds(target.pids) : 0;
  const instance = autocannon({
    url: target.url,
    connections: plan.connections,
    pipelining: 1,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: plan.body,
        onResponse(status: number, body: string) {
          if (tally && (status !== 200 || !body.includes('"success":true'))) {
            tally.failures++;
            tally.firstFailure ??= `${status} ${body.slice(0, 300)}`;
          }
        },
      },
    ],
  });
  if (tally) {
    (instance as unknown as autocannon.Instance).on(
      'response',
      (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
        tally.latencies.push(responseTime);
      },
    );
  }
  const result = await instance;
  if (!tally) return;
  tally.cpuSeconds += cpuSeconds(target.pids) - cpuBefore;
  tally.responses += result.requests.total;
  tally.seconds += result.duration;
  tally.failures += result.errors + result.timeouts;
}

const plan = JSON.parse(process.argv[2] ?? '{}') as LoadPlan;
const tallies = new Map<string, Tally>(
  plan.targets.map((target) => [target.name, { responses: 0, seconds: 0, cpuSeconds: 0, failures: 0, latencies: [] }]),
);
for (const target of plan.targets) await window(plan, target, plan.warmupSeconds);
for (let i = 0; i < plan.windows; i++) {
  // Who goes first alternates too, so neither always follows the other's garbage.
  const order = i % 2 === 0 ? plan.targets : [...plan.targets].reverse();
  for (const target of order) await window(plan, target, plan.windowSeconds, tallies.get(target.name));
}

const results: Record<string, LoadResult> = {};
for (const [name, tally] of tallies) {
  const sorted = Float64Array.from(tally.latencies).sort();
  results[name] = {
    requestsPerSecond: tally.responses / Math.max(tally.seconds, 1e-9),
    p50Ms: nearestRank(sorted, 0.5),
    p99Ms: nearestRank(sorted, 0.99),
    responses: tally.responses,
    cpuMicrosPerRequest: (tally.cpuSeconds * 1e6) / Math.max(1, tally.responses),
    failures: tally.failures,
    ...(tally.firstFailure ? { firstFailure: tally.firstFailure } : {}),
  };
}
console.log(JSON.stringify(results));
