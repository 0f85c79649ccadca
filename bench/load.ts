/**
 * One load-generator run (autocannon), meant to be pinned to its own core:
 * a discarded warm-up, then the measured window. Prints one JSON line.
 * Latencies are kept at microsecond resolution (autocannon's own histogram
 * rounds to whole milliseconds, too coarse for sub-millisecond answers).
 *
 * Usage: node --import tsx bench/load.ts '{"url":…,"body":…,"warmup":3,"duration":10,"connections":10}'
 */
import autocannon from 'autocannon';

export interface LoadOptions {
  readonly url: string;
  readonly body: string;
  readonly warmup: number;
  readonly duration: number;
  readonly connections: number;
}

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly responses: number;
  /** Responses that were not 200 with `"success":true` in the body, plus socket errors and timeouts. */
  readonly failures: number;
  readonly firstFailure?: string;
}

async function run(options: LoadOptions, seconds: number, latencies?: number[]) {
  let failures = 0;
  let firstFailure: string | undefined;
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    pipelining: 1,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: options.body,
        onResponse(status: number, body: string) {
          if (status !== 200 || !body.includes('"success":true')) {
            failures++;
            firstFailure ??= `${status} ${body.slice(0, 300)}`;
          }
        },
      },
    ],
  });
  if (latencies) {
    (instance as unknown as autocannon.Instance).on(
      'response',
      (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
        latencies.push(responseTime);
      },
    );
  }
  const result = await instance;
  return { result, failures: failures + result.errors + result.timeouts, firstFailure };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
if (options.warmup > 0) await run(options, options.warmup);
const latencies: number[] = [];
const { result, failures, firstFailure } = await run(options, options.duration, latencies);
const sorted = Float64Array.from(latencies).sort();
const output: LoadResult = {
  requestsPerSecond: result.requests.total / result.duration,
  p50Ms: percentile(sorted, 50),
  p99Ms: percentile(sorted, 99),
  responses: result.requests.total,
  failures,
  ...(firstFailure ? { firstFailure } : {}),
};
console.log(JSON.stringify(output));
