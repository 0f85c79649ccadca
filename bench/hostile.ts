/**
 * Hostile documents (issue 7): how long the server takes to refuse each of
 * test/fixtures/hostile-documents.ts (a megabyte of nested selections, 10,000
 * aliases, a fragment cycle, …), sent one at a time, and whether a plain query
 * sent between them is answered as fast as before any arrived. The time is from
 * sending the request until the whole answer is in, so a megabyte's upload counts.
 *
 *   npm run build && taskset -c 1 node --import tsx bench/hostile.ts [--smoke] [--json]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { HOSTILE_DOCUMENTS } from '../test/fixtures/hostile-documents.js';
import { withProjectServer } from './servers.js';
import { percentiles, type Percentiles } from './stats.js';

export interface HostileResult {
  readonly repeats: number;
  readonly documents: readonly {
    readonly name: string;
    readonly kilobytes: number;
    /** What refused it: the limit, or the error code; a mismatch with the fixture fails the run. */
    readonly refusedBy: string;
    readonly expected: string;
    readonly refusedMs: Percentiles;
  }[];
  /** `{ isAuthenticated }` before any hostile document, and right after each one. */
  readonly plainQueryMs: { readonly before: Percentiles; readonly between: Percentiles };
}

const PLAIN = '{ isAuthenticated }';

/** POSTs `query` and answers how long the whole answer took, and what refused it, if anything did. */
async function timed(url: string, query: string): Promise<{ ms: number; refusedBy: string | undefined }> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { errors?: { extensions?: { code?: string; limit?: string } }[] };
  const ms = performance.now() - started;
  const extensions = body.errors?.[0]?.extensions;
  return { ms, refusedBy: extensions?.limit ?? extensions?.code };
}

export async function measureHostile(repeats: number): Promise<HostileResult> {
  const workDir = mkdtempSync(path.join(tmpdir(), 'todo-graphql-hostile-'));
  try {
    return await withProjectServer({ dbFile: path.join(workDir, 'hostile.db') }, async (server) => {
      const url = `${server.url}/graphql`;
      const plainBefore: number[] = [];
      for (let i = 0; i < repeats * 2; i += 1) plainBefore.push((await timed(url, PLAIN)).ms);
      const plainBetween: number[] = [];
      const documents = [];
      for (const hostile of HOSTILE_DOCUMENTS) {
        const samples: number[] = [];
        let refusedBy = hostile.refusedBy;
        for (let i = 0; i < repeats; i += 1) {
          const answer = await timed(url, hostile.query);
          samples.push(answer.ms);
          // Any try refused otherwise (or not at all) is what the run reports.
          if (answer.refusedBy !== hostile.refusedBy) refusedBy = answer.refusedBy ?? 'nothing: it ran';
          plainBetween.push((await timed(url, PLAIN)).ms);
        }
        documents.push({
          name: hostile.name,
          kilobytes: Math.round(Buffer.byteLength(hostile.query) / 1024),
          refusedBy,
          expected: hostile.refusedBy,
          refusedMs: percentiles(samples),
        });
      }
      return {
        repeats,
        documents,
        plainQueryMs: { before: percentiles(plainBefore), between: percentiles(plainBetween) },
      };
    });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

export const describeHostile = (r: HostileResult): string =>
  [
    `Hostile documents, each sent ${r.repeats} times (time until the whole refusal is in):`,
    ...r.documents.map(
      (d) =>
        `  ${d.name.padEnd(34)} ${String(d.kilobytes).padStart(5)} KiB  ${d.refusedBy.padEnd(26)} p50 ${d.refusedMs.p50.toFixed(2)} ms  p99 ${d.refusedMs.p99.toFixed(2)} ms`,
    ),
    `  ${PLAIN} before any: p50 ${r.plainQueryMs.before.p50.toFixed(2)} ms; right after each: p50 ${r.plainQueryMs.between.p50.toFixed(2)} ms  p99 ${r.plainQueryMs.between.p99.toFixed(2)} ms`,
  ].join('\n');

if (process.argv[1] === import.meta.filename) {
  const flag = { type: 'boolean', default: false } as const;
  const { values } = parseArgs({ options: { smoke: flag, json: flag } });
  const result = await measureHostile(values.smoke ? 2 : 20);
  console.log(values.json ? JSON.stringify(result) : describeHostile(result));
  const wrong = result.documents.filter((d) => d.refusedBy !== d.expected);
  for (const d of wrong) console.error(`✗ ${d.name}: refused by ${d.refusedBy}, expected ${d.expected}`);
  if (wrong.length > 0) process.exit(1);
}
