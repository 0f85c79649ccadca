/**
 * Cross-origin requests (CORS), through @fastify/cors: web apps on the origins
 * listed in CORS_ORIGINS may call the API from a browser, with the session
 * cookie. Every other origin gets no CORS headers, so a browser keeps its page
 * from reading any answer; and its cookie does not count either (http/gate.ts).
 */
import fastifyCors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface CorsOptions {
  readonly origins: ReadonlySet<string>;
}

/** How long a browser may reuse a preflight's answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

async function cors(app: FastifyInstance, { origins }: CorsOptions): Promise<void> {
  await app.register(fastifyCors, {
    origin: (origin, allow) => allow(null, origin !== undefined && origins.has(origin.toLowerCase())),
    credentials: true,
    methods: ['GET', 'POST'],
    // What clients read: the request id to quote in a report, when to retry, and whether an answer is a replay.
    exposedHeaders: ['x-request-id', 'retry-after', 'idempotent-replayed'],
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
  });
}

export default fp(cors, { name: 'cors' });
