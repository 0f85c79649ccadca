/**
 * What every database outage test asserts, whatever causes the outage: under
 * steady writes, the server answers 503 SERVICE_UNAVAILABLE (with Retry-After)
 * while the database is gone, never a 500 or a hang; /readyz reports it; the
 * server recovers by itself once the database is back; and every write that
 * was acknowledged is stored. It answers what happened, for the test's diagnostics.
 */
import assert from 'node:assert/strict';
import { call } from '../helpers/accounts.js';
import type { TestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';

/** How long each outage lasts: long enough for the pool's connections to fail and be retried. */
const OUTAGE_MS = 1500;

export const CREATE =
  'mutation ($d: String!) { createTodo(description: $d, dueDate: "01-01-2031") { success todo { id } } }';

export const readiness = async (server: TestServer) => (await fetch(`${server.url}/readyz`)).status;

/** Drives writes from four clients, takes the database away with `interrupt`, brings it back with `restore`. */
export async function writesThroughOutage(
  server: TestServer,
  interrupt: () => Promise<void>,
  restore: () => Promise<void>,
): Promise<string> {
  const statuses = new Map<number, number>();
  const acknowledged: string[] = [];
  let stop = false;
  const worker = async (n: number) => {
    for (let i = 0; !stop; i += 1) {
      const description = `load ${n}-${i}`;
      const answer = await call(server, CREATE, { d: description });
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      if (answer.status === 503) {
        assert.equal(answer.body.errors?.[0]?.extensions?.code, 'SERVICE_UNAVAILABLE', JSON.stringify(answer.body));
        assert.ok(Number(answer.headers.get('retry-after')) > 0);
      } else {
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        acknowledged.push(description);
      }
    }
  };
  const load = Promise.all([1, 2, 3, 4].map(worker));
  let recoveryMs: number;
  try {
    await until(() => acknowledged.length > 0, 'the load to get going');

    await interrupt();
    await until(async () => (await readiness(server)) === 503, '/readyz to report the outage', 30_000, 100);
    const during = await call(server, '{ todos { success } }');
    assert.equal(during.status, 503);
    assert.equal(during.body.errors?.[0]?.extensions?.code, 'SERVICE_UNAVAILABLE');
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));

    await restore();
    const restored = Date.now();
    await until(async () => (await readiness(server)) === 200, '/readyz to recover', 30_000, 100);
    await until(
      async () => (await call(server, '{ todos { success } }')).status === 200,
      'operations to recover',
      30_000,
      100,
    );
    recoveryMs = Date.now() - restored;
  } finally {
    // However the test ends, the writers stop, so it fails with its own error, not a timeout.
    stop = true;
  }
  await load;
  assert.ok((statuses.get(503) ?? 0) > 0, `the outage was felt: ${JSON.stringify([...statuses])}`);
  assert.deepEqual([...statuses.keys()].sort(), [200, 503]);

  const stored = await call(server, '{ todos { todos { description } } }');
  const descriptions = new Set(
    (stored.body.data as { todos: { todos: { description: string }[] } }).todos.todos.map((todo) => todo.description),
  );
  assert.deepEqual(
    acknowledged.filter((description) => !descriptions.has(description)),
    [],
    'every acknowledged write is stored',
  );
  return `${acknowledged.length} writes acknowledged and stored, ${statuses.get(503)} answered 503; recovered ${recoveryMs} ms after the database returned`;
}
