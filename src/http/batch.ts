/**
 * Batched requests: a POST of a JSON array of operations, as Apollo's
 * BatchHttpLink and graphql-request's `batchRequests` send, answered with the
 * array of their results in the same order. Each operation runs as a request
 * of its own would (through the same endpoint, one after the other, so a
 * batch's mutations apply in order) and counts against the rate limits and the
 * document limits on its own; the batch holds at most BATCH_MAX of them.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { admitOperation, type Gate } from './gate.js';
import { RATE_LIMITED } from './rate-limits.js';
import type { GraphQLEndpoint } from './graphql-over-http.js';
import { describeRefusal, errorBody, httpErrorCode } from '../graphql/errors.js';
import { negotiateMediaType } from './accept.js';

export interface BatchOptions {
  readonly endpoint: GraphQLEndpoint;
  readonly gate: Gate;
  readonly batchMax: number;
}

const NOT_AN_OPERATION =
  'Each operation of a batch is a JSON object such as {"query": "{ todos { success } }"}, nested at most a few hundred levels deep.';

/**
 * One operation of a batch as the JSON text the endpoint reads, or undefined
 * when it is not an object, or is nested too deeply to write back out (which
 * JSON.parse allows and JSON.stringify does not).
 */
function operationText(operation: unknown): string | undefined {
  if (typeof operation !== 'object' || operation === null || Array.isArray(operation)) return undefined;
  try {
    return JSON.stringify(operation);
  } catch {
    return undefined;
  }
}

/** A batch's operations when `body` is a JSON array, else undefined (the endpoint answers it, or words what is wrong). */
export function batchOf(request: FastifyRequest, body: string | null): unknown[] | undefined {
  if (request.method !== 'POST' || body === null || !body.trimStart().startsWith('[')) return undefined;
  if (!request.headers['content-type']?.toLowerCase().startsWith('application/json')) return undefined;
  try {
    const parsed = JSON.parse(body) as unknown;
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Answers a batch of `operations`, which the gate admitted as one request. */
export async function answerBatch(
  { endpoint, gate, batchMax }: BatchOptions,
  request: FastifyRequest,
  reply: FastifyReply,
  operations: readonly unknown[],
): Promise<void> {
  const mediaType = negotiateMediaType(request.headers.accept);
  if (operations.length === 0 || operations.length > batchMax) {
    await reply
      .code(400)
      .type(`${mediaType}; charset=utf-8`)
      .send(
        errorBody(
          `A batch holds 1 to ${batchMax} operations (BATCH_MAX); this one holds ${operations.length}.`,
          'BATCH_TOO_LARGE',
        ),
      );
    return;
  }
  const results: string[] = [];
  for (const [index, operation] of operations.entries()) {
    // The gate counted the request, which is the first operation.
    const refusal = index === 0 ? undefined : await admitOperation(gate, request);
    if (refusal) {
      results.push(errorBody(refusal.message, RATE_LIMITED));
      continue;
    }
    const text = operationText(operation);
    if (text === undefined) {
      results.push(errorBody(NOT_AN_OPERATION, 'BAD_REQUEST'));
      continue;
    }
    const [body, init] = await endpoint({ raw: request, body: text, state: request.state });
    results.push(
      typeof body === 'string' && body !== ''
        ? body
        : errorBody(describeRefusal(init.status, request.raw), httpErrorCode(init.status)),
    );
  }
  await reply.type(`${mediaType}; charset=utf-8`).send(`[${results.join(',')}]`);
}
