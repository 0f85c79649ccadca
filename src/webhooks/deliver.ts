/**
 * One attempt to deliver: a signed POST, as the Standard Webhooks spec has it.
 * Redirects are not followed (a 3xx is a failure: a redirect could point
 * anywhere, past the address check); the attempt has a deadline as a whole;
 * at most a few kilobytes of the answer are read, enough to log, so a receiver
 * cannot make the server read without end. Only a 2xx answer delivers.
 */
import http from 'node:http';
import https from 'node:https';
import { guardedLookup, urlProblem } from './address-policy.js';
import { signature } from './signing.js';

const MAX_ANSWER_BYTES = 4096;
const USER_AGENT = 'todo-graphql-webhooks/1';

export interface Attempt {
  readonly url: string;
  readonly secret: string;
  readonly eventId: string;
  readonly body: string;
}

export interface AttemptResult {
  readonly statusCode: number | null;
  /** Why it failed; null when delivered. */
  readonly error: string | null;
  readonly delivered: boolean;
}

/** An attempt cut short by the server shutting down: not the receiver's doing, so it does not count. */
export const ABORTED = Symbol('aborted');

export function deliver(
  { url, secret, eventId, body }: Attempt,
  timeoutMs: number,
  allowPrivate: boolean,
  signal: AbortSignal,
): Promise<AttemptResult | typeof ABORTED> {
  // An address written in the URL is never looked up: it is checked here.
  const refused = urlProblem(url, allowPrivate);
  if (refused !== undefined) return Promise.resolve({ statusCode: null, error: refused, delivered: false });
  const timestamp = Math.floor(Date.now() / 1000);
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: AttemptResult | typeof ABORTED) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', abort);
      request.destroy();
      resolve(result);
    };
    const abort = () => finish(ABORTED);
    const request = transport.request(
      target,
      {
        method: 'POST',
        lookup: guardedLookup(allowPrivate),
        agent: false,
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          'webhook-id': eventId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signature(secret, eventId, timestamp, body),
        },
      },
      (response) => {
        const statusCode = response.statusCode ?? null;
        const delivered = statusCode !== null && statusCode >= 200 && statusCode < 300;
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          // Enough is known: the status decides, the rest of the answer is not needed.
          if (read >= MAX_ANSWER_BYTES) finish(answered(statusCode, delivered));
        });
        response.on('end', () => finish(answered(statusCode, delivered)));
        response.on('error', () => finish(answered(statusCode, delivered)));
      },
    );
    const timer = setTimeout(
      () => finish({ statusCode: null, error: `no answer within ${timeoutMs} ms`, delivered: false }),
      timeoutMs,
    );
    request.on('error', (error: NodeJS.ErrnoException) =>
      finish({ statusCode: null, error: describe(error), delivered: false }),
    );
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort);
    request.end(body);
  });
}

function answered(statusCode: number | null, delivered: boolean): AttemptResult {
  if (delivered) return { statusCode, error: null, delivered };
  const redirect = statusCode !== null && statusCode >= 300 && statusCode < 400;
  return { statusCode, error: redirect ? 'redirects are not followed' : `answered ${statusCode}`, delivered };
}

function describe(error: NodeJS.ErrnoException): string {
  if (error.code === 'EPRIVATEADDRESS') return 'the host resolves to a private address';
  return error.code ? `${error.code}: ${error.message}` : error.message;
}
