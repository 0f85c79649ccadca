/**
 * A webhook receiver as a user would write one: a real HTTP server that
 * verifies each delivery with the `standardwebhooks` package and processes
 * each event once, deduplicating by `webhook-id` as the spec tells receivers
 * to. It also keeps every raw arrival, so a test can count resends.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface WebhookEvent {
  readonly id: string;
  readonly type: string;
  readonly createdAt: string;
  readonly data: {
    readonly todoId: string | null;
    readonly listId: string | null;
    readonly previousListId: string | null;
    readonly actorId: string | null;
    readonly memberId: string | null;
    readonly changes: { field: string; oldValue: string | null; newValue: string | null }[];
  };
}

export interface Arrival {
  readonly id: string;
  readonly path: string;
  readonly body: string;
  /** Whether `standardwebhooks` accepted its signature (for the path's secret). */
  readonly valid: boolean;
  readonly headers: http.IncomingHttpHeaders;
}

/** What to answer an arrival: a status, or `hold` to never answer (until the receiver closes). */
export type Answer = number | 'hold';

export interface WebhookReceiver {
  /** The URL of `path` on this receiver (one receiver serves many endpoints, a path each). */
  url(path: string): string;
  /** Tells the receiver the secret of the endpoint at `path`. */
  secret(path: string, secret: string): void;
  /** Makes every answer wait `ms` first, as a receiver that does some work would. */
  delay(ms: number): void;
  /** Decides each arrival's answer (by default 204); an answer other than 2xx does not process it. */
  answer(decide: (arrival: Arrival, count: number) => Answer): void;
  readonly arrivals: Arrival[];
  /** Each event processed, once, per path, in the order processed. */
  processed(path: string): WebhookEvent[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const secrets = new Map<string, Webhook>();
  const arrivals: Arrival[] = [];
  const seen = new Map<string, Set<string>>();
  const events = new Map<string, WebhookEvent[]>();
  const held = new Set<http.ServerResponse>();
  let decide: (arrival: Arrival, count: number) => Answer = () => 204;
  let delayMs = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = request.url ?? '/';
      const id = String(request.headers['webhook-id'] ?? '');
      const verifier = secrets.get(path);
      let valid = false;
      try {
        verifier?.verify(body, request.headers as Record<string, string>);
        valid = verifier !== undefined;
      } catch {
        valid = false;
      }
      const arrival: Arrival = { id, path, body, valid, headers: request.headers };
      arrivals.push(arrival);
      const answer = decide(arrival, arrivals.filter((one) => one.id === id).length);
      if (answer === 'hold') {
        held.add(response);
        return;
      }
      setTimeout(() => {
        if (valid && answer >= 200 && answer < 300) {
          const ids = seen.get(path) ?? new Set<string>();
          seen.set(path, ids);
          if (!ids.has(id)) {
            ids.add(id);
            events.set(path, [...(events.get(path) ?? []), JSON.parse(body) as WebhookEvent]);
          }
        }
        response.writeHead(valid ? answer : 401).end();
      }, delayMs);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    secret: (path, secret) => secrets.set(path, new Webhook(secret)),
    answer: (next) => (decide = next),
    delay: (ms) => (delayMs = ms),
    arrivals,
    processed: (path) => events.get(path) ?? [],
    async close() {
      for (const response of held) response.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close').catch(() => undefined);
    },
  };
}
