/**
 * Health checks for load balancers and orchestrators: `/healthz` answers as
 * long as the process serves at all; `/readyz` only while the database
 * answers within READY_TIMEOUT_MS. Neither counts against rate limits.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Database } from '../db/database.js';

const READY_TIMEOUT_MS = 2000;

function health(app: FastifyInstance, options: { database: Database }, registered: (error?: Error) => void): void {
  app.get('/healthz', (_request, reply) => {
    void reply.type('application/json; charset=utf-8').send('{"status":"ok"}');
  });
  app.get('/readyz', async (request, reply) => {
    let timer: NodeJS.Timeout | undefined;
    let ready = true;
    try {
      await Promise.race([
        options.database.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`database did not answer within ${READY_TIMEOUT_MS} ms`)),
            READY_TIMEOUT_MS,
          );
        }),
      ]);
    } catch (error) {
      request.state.log.warn({ err: error }, 'database not ready');
      ready = false;
    } finally {
      clearTimeout(timer);
    }
    return reply
      .code(ready ? 200 : 503)
      .type('application/json; charset=utf-8')
      .send(ready ? '{"status":"ready"}' : '{"status":"unavailable"}');
  });
  registered();
}

export default fp(health, { name: 'health', dependencies: ['request-state'] });
