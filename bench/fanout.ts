/**
 * Live-update fan-out (issue 6): N WebSocket subscribers on one instance, one
 * mutation, and the time from sending it until the last subscriber has its
 * event (and the first). Mutations go one at a time with a pause between, so
 * each figure is one fan-out on its own, not a queue behind the previous one.
 *
 * All subscribers are anonymous: one owner, so all of them hear every createTodo
 * in the anonymous space. They all come from this process's one address, and
 * the per-address cap (MAX_SUBSCRIPTIONS_PER_ADDRESS, 100 by default) would
 * refuse most of them; the bench server gets a higher one.
 *
 * Subscribers are plain `ws` sockets speaking graphql-transport-ws, not graphql-ws
 * clients: a thousand of those kept this process 65–85% busy and lengthened the
 * tail, so the bench partly measured itself. They share this process, and its
 * clock, with the mutation; bench/run.ts pins it to core 1, the server to core 0.
 * Both processes' CPU per mutation is reported: the clients needing well under
 * the server's means the server set the pace.
 *
 *   npm run build && taskset -c 1 node --import tsx bench/fanout.ts [--smoke] [--json]
 *   (--subscribers N --mutations N for other sizes)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { withProjectServer, type Serving } from './servers.js';
import { percentiles, type Percentiles } from './stats.js';

/** From sending the mutation until its own HTTP answer, the first subscriber's event and the last's. */
type Timing = Readonly<Record<'answeredMs' | 'firstMs' | 'lastMs' | 'received', number>>;

export interface FanoutResult {
  readonly subscribers: number;
  readonly mutations: number;
  readonly maxSubscriptionsPerAddress: number;
  readonly lastMs: Percentiles;
  readonly firstMs: Percentiles;
  readonly answeredMs: Percentiles;
  /** Events received over the measured mutations, each subscriber counted at most once per mutation. */
  readonly delivered: number;
  readonly expected: number;
  /** The mutation and its fan-out; /proc counts 10 ms ticks, so this is a mean over all of them. */
  readonly serverCpuMsPerMutation: number;
  /** This process (the mutation and every subscriber) over the same spans. */
  readonly clientCpuMsPerMutation: number;
  readonly perMutation: readonly Timing[];
}

interface Arrivals {
  readonly seen: Uint8Array;
  count: number;
  first: number;
  last: number;
  done?: () => void;
}

const SUBSCRIPTION = 'subscription { changes { kind todo { id } } }';
const MUTATION = `mutation ($description: String!) {
  createTodo(description: $description, dueDate: "24-10-2027") { success errors todo { id } }
}`;
const PAUSE_MS = 200;
/** A subscriber that has not heard a mutation by then never will: it counts as lost. */
const DELIVERY_TIMEOUT_MS = 10_000;
/** Handshakes in batches: a thousand at once would test the accept backlog, not the fan-out. */
const CONNECT_BATCH = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** CPU time the process has used, in clock ticks (1/100 s on Linux). */
const cpuTicks = (pid = 0) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
};

export async function measureFanout(subscribers: number, mutations: number): Promise<FanoutResult> {
  if (!(subscribers >= 1 && mutations >= 1)) throw new Error('fan-out: need at least one subscriber and one mutation');
  const maxSubscriptionsPerAddress = Math.max(2000, subscribers);
  const workDir = mkdtempSync(path.join(tmpdir(), 'todo-graphql-fanout-'));
  const env = { MAX_SUBSCRIPTIONS_PER_ADDRESS: String(maxSubscriptionsPerAddress) };
  try {
    return await withProjectServer({ dbFile: path.join(workDir, 'fanout.db'), env }, (server) =>
      fanOut(server, { subscribers, mutations, maxSubscriptionsPerAddress }),
    );
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Subscribes `subscribers` sockets to `server`, then times `mutations` createTodo reaching them all. */
async function fanOut(
  server: Serving,
  {
    subscribers,
    mutations,
    maxSubscriptionsPerAddress,
  }: { subscribers: number; mutations: number; maxSubscriptionsPerAddress: number },
): Promise<FanoutResult> {
  const sockets: WebSocket[] = [];
  const failures: string[] = [];
  let closing = false;
  // By todo id: a subscriber may hear of a todo before the mutation's answer names it.
  const arrivals = new Map<string, Arrivals>();
  const arrivalsOf = (id: string): Arrivals => {
    const entry = arrivals.get(id) ?? { seen: new Uint8Array(subscribers), count: 0, first: 0, last: 0 };
    arrivals.set(id, entry);
    return entry;
  };
  /** Resolves once every subscriber has heard `entry`'s todo, or after `timeoutMs` with those that have. */
  const allArrived = (entry: Arrivals, timeoutMs: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, entry.count === subscribers ? 0 : timeoutMs);
      entry.done = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const subscribe = (subscriber: number) =>
    new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
      sockets.push(socket);
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
      socket.on('message', (data: Buffer) => {
        // Stamped before parsing: the parse is this process's cost, not the server's.
        const now = performance.now();
        const message = JSON.parse(data.toString()) as {
          type: string;
          payload?: { data?: { changes: { todo: { id: string } | null } } };
        };
        const id = message.payload?.data?.changes.todo?.id;
        if (message.type === 'next' && id !== undefined) {
          const entry = arrivalsOf(id);
          if (entry.seen[subscriber]) return void failures.push(`subscriber ${subscriber} heard todo ${id} twice`);
          entry.seen[subscriber] = 1;
          if (entry.count++ === 0) entry.first = now;
          entry.last = now;
          if (entry.count === subscribers) entry.done?.();
        } else if (message.type === 'connection_ack') {
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION } }));
          resolve();
        } else failures.push(`subscriber ${subscriber}: ${data.toString()}`);
      });
      socket.on('error', reject);
      socket.on('close', (code: number, reason: Buffer) => {
        if (!closing) failures.push(`subscriber ${subscriber} closed: ${code} ${reason.toString()}`);
        reject(new Error(`subscriber ${subscriber} closed before it was acknowledged`));
      });
    });

  /** Sends one createTodo; `entry` is where its subscribers' arrivals are counted. */
  const mutate = async (n: number) => {
    const sent = performance.now();
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        // One query text, as a real client sends: a new text per mutation would time the server compiling it.
        query: MUTATION,
        variables: { description: `Fan-out ${n}` },
      }),
    });
    const answered = performance.now();
    type Answer = { data?: { createTodo: { success: boolean; todo: { id: string } | null } } };
    const body = (await response.json()) as Answer;
    const id = body.data?.createTodo.todo?.id;
    if (!body.data?.createTodo.success || !id) throw new Error(`createTodo failed: ${JSON.stringify(body)}`);
    return { entry: arrivalsOf(id), sent, answered };
  };
  const failed = () => new Error(`fan-out failed:\n  ${failures.slice(0, 5).join('\n  ')}`);

  try {
    for (let start = 0; start < subscribers; start += CONNECT_BATCH) {
      const batch = Array.from({ length: Math.min(CONNECT_BATCH, subscribers - start) }, (_, k) => start + k);
      await Promise.all(batch.map(subscribe));
    }
    // The protocol does not acknowledge a subscription: only a mutation that every
    // subscriber hears proves all are registered. Three such also warm both sides up.
    for (let heardByAll = 0, n = 0; heardByAll < 3; n++) {
      if (failures.length > 0) throw failed();
      if (n === 50) throw new Error('fan-out: the subscribers never all heard a warm-up mutation');
      const { entry } = await mutate(-n);
      await allArrived(entry, 500);
      if (entry.count === subscribers) heardByAll++;
    }

    const perMutation: Timing[] = [];
    let clientMicros = 0;
    let serverTicks = 0;
    for (let n = 1; n <= mutations; n++) {
      await sleep(PAUSE_MS);
      const ticks = cpuTicks(server.child.pid);
      const cpu = process.cpuUsage();
      const { entry, sent, answered } = await mutate(n);
      await allArrived(entry, DELIVERY_TIMEOUT_MS);
      const { user, system } = process.cpuUsage(cpu);
      clientMicros += user + system;
      serverTicks += cpuTicks(server.child.pid) - ticks;
      const ms = (at: number) => Number((at - sent).toFixed(2));
      const received = entry.count;
      perMutation.push({ answeredMs: ms(answered), firstMs: ms(entry.first), lastMs: ms(entry.last), received });
    }
    if (failures.length > 0) throw failed();
    return {
      subscribers,
      mutations,
      maxSubscriptionsPerAddress,
      lastMs: percentiles(perMutation.map((m) => m.lastMs)),
      firstMs: percentiles(perMutation.map((m) => m.firstMs)),
      answeredMs: percentiles(perMutation.map((m) => m.answeredMs)),
      delivered: perMutation.reduce((sum, m) => sum + m.received, 0),
      expected: subscribers * mutations,
      serverCpuMsPerMutation: Number(((serverTicks * 10) / mutations).toFixed(1)),
      clientCpuMsPerMutation: Number((clientMicros / 1000 / mutations).toFixed(1)),
      perMutation,
    };
  } finally {
    closing = true;
    for (const socket of sockets) socket.terminate();
  }
}

export const describeFanout = (r: FanoutResult): string =>
  [
    `Live-update fan-out: ${r.subscribers} WebSocket subscribers on one instance (anonymous; MAX_SUBSCRIPTIONS_PER_ADDRESS=${r.maxSubscriptionsPerAddress}), ${r.mutations} createTodo one at a time:`,
    `  last subscriber has the event  p50 ${r.lastMs.p50.toFixed(2)} ms  p99 ${r.lastMs.p99.toFixed(2)} ms (p99 of ${r.mutations}: the slowest)`,
    `  first subscriber               p50 ${r.firstMs.p50.toFixed(2)} ms  p99 ${r.firstMs.p99.toFixed(2)} ms`,
    `  the mutation's own answer      p50 ${r.answeredMs.p50.toFixed(2)} ms  p99 ${r.answeredMs.p99.toFixed(2)} ms`,
    `  events received ${r.delivered} of ${r.expected}; CPU per mutation: server ${r.serverCpuMsPerMutation} ms, clients ${r.clientCpuMsPerMutation} ms`,
  ].join('\n');

if (process.argv[1] === import.meta.filename) {
  const flag = { type: 'boolean', default: false } as const;
  const number = { type: 'string' } as const;
  const { values } = parseArgs({ options: { smoke: flag, json: flag, subscribers: number, mutations: number } });
  const result = await measureFanout(
    Number(values.subscribers ?? (values.smoke ? 50 : 1000)),
    Number(values.mutations ?? (values.smoke ? 3 : 20)),
  );
  console.log(values.json ? JSON.stringify(result) : describeFanout(result));
  if (result.delivered !== result.expected) {
    console.error(`✗ fan-out: ${result.expected - result.delivered} of ${result.expected} events never arrived`);
    process.exit(1);
  }
}
