/**
 * One server process: database → migrations → HTTP server, and a graceful
 * shutdown on SIGTERM/SIGINT. Run alone, or as one of a cluster's workers,
 * whose primary has migrated the database already (src/cluster.ts).
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { AggregatorRegistry } from 'prom-client';
import { resolveAuthSecret } from './accounts/auth-secret.js';
import { createApp, GRAPHQL_PATH } from './app.js';
import { isClusterWorker } from './cluster.js';
import type { Config } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { createLogger, flushLogs } from './logger.js';

export async function runInstance(config: Config): Promise<void> {
  // A worker answers the primary's metrics requests from the start (with nothing until its app
  // exists), so that a scrape during its start does not wait out prom-client's timeout.
  if (isClusterWorker()) new AggregatorRegistry();
  const logger = createLogger(config);
  const database = openDatabase(config.database, {
    poolSize: config.databasePoolSize,
    sqliteSynchronous: config.sqliteSynchronous,
    timeoutMs: config.databaseTimeoutMs,
    onPoolError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
  });

  let authSecret: string;
  try {
    if (!isClusterWorker()) {
      const { results = [] } = await migrateToLatest(database);
      for (const { migrationName } of results) logger.info({ migration: migrationName }, 'migration applied');
    }
    authSecret = await resolveAuthSecret(config, database);
  } catch (error) {
    logger.fatal({ err: error }, 'cannot prepare the database');
    await database.close().catch(() => undefined);
    await flushLogs(logger);
    process.exit(1);
  }

  let app: FastifyInstance;
  try {
    app = await createApp({ config, database, logger, authSecret });
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    logger.fatal({ err: error }, 'cannot start');
    await database.close().catch(() => undefined);
    await flushLogs(logger);
    process.exit(1);
  }

  const { address, port } = app.server.address() as AddressInfo;
  logger.info(
    {
      url: `http://${address.includes(':') ? `[${address}]` : address}:${port}${GRAPHQL_PATH}`,
      database: config.database.dialect,
    },
    'todo-graphql is listening',
  );

  let stopping = false;

  /**
   * Stops accepting connections, lets requests in flight finish (Fastify's close:
   * new requests meanwhile get 503, idle keep-alive connections close), then
   * closes the database. Past SHUTDOWN_TIMEOUT_MS, what is left is cut.
   */
  async function shutdown(signal: NodeJS.Signals): Promise<void> {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'requests still running at the deadline: closing them');
      app.server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    // Keep-alive connections that finish their request during shutdown must not wait for another.
    app.server.prependListener('request', (_req, res) => res.setHeader('connection', 'close'));
    // A connection whose last response (an event stream, say) ends during the
    // shutdown would otherwise wait out the keep-alive timeout.
    const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
    await app.close();
    clearInterval(sweep);
    clearTimeout(deadline);
    await database.close();
    logger.info('stopped');
    await flushLogs(logger);
    process.exit(0);
  }

  // A cluster's worker may hear SIGTERM twice (its process group's, then its primary's): the
  // second must not kill it mid-drain. Alone, a second Ctrl-C still stops the process at once.
  const listen = isClusterWorker() ? process.on.bind(process) : process.once.bind(process);
  listen('SIGTERM', (signal) => void shutdown(signal));
  listen('SIGINT', (signal) => void shutdown(signal));
}
