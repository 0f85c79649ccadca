/**
 * Entry point: configuration → database → migrations → HTTP server, and a
 * graceful shutdown on SIGTERM/SIGINT.
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolveAuthSecret } from './accounts/auth-secret.js';
import { createApp, GRAPHQL_PATH } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { createLogger, flushLogs } from './logger.js';

// Settings in a local .env file, for development; real environment variables win.
if (existsSync('.env')) process.loadEnvFile('.env');

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const logger = createLogger(config);
const database = openDatabase(config.database, {
  poolSize: config.databasePoolSize,
  sqliteSynchronous: config.sqliteSynchronous,
  timeoutMs: config.databaseTimeoutMs,
  onPoolError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
});

let authSecret: string;
try {
  const { results = [] } = await migrateToLatest(database);
  for (const { migrationName } of results) logger.info({ migration: migrationName }, 'migration applied');
  authSecret = await resolveAuthSecret(config, database);
} catch (error) {
  logger.fatal({ err: error }, 'cannot prepare the database');
  await database.close().catch(() => undefined);
  await flushLogs(logger);
  process.exit(1);
}

let server: ReturnType<typeof createApp>;
try {
  server = createApp({ config, database, logger, authSecret });
} catch (error) {
  logger.fatal({ err: error }, 'cannot build the application');
  await database.close();
  await flushLogs(logger);
  process.exit(1);
}

server.on('error', (error) => {
  logger.fatal({ err: error }, 'cannot listen');
  void flushLogs(logger).then(() => process.exit(1));
});

server.listen(config.port, config.host, () => {
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  logger.info(
    { url: `http://${host}:${port}${GRAPHQL_PATH}`, database: config.database.dialect },
    'todo-graphql is listening',
  );
});

let stopping = false;

/** Stops accepting connections, lets requests in flight finish, then closes the database. */
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const deadline = setTimeout(() => {
    logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'requests still running at the deadline: closing them');
    server.closeAllConnections();
  }, config.shutdownTimeoutMs);
  // Keep-alive connections that finish their request during shutdown must not wait for another.
  server.prependListener('request', (_req, res) => res.setHeader('connection', 'close'));
  // server.close() closes the connections idle now; one whose last response (an
  // event stream, say) ends later would otherwise wait out the keep-alive timeout.
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  clearInterval(sweep);
  clearTimeout(deadline);
  await database.close();
  logger.info('stopped');
  await flushLogs(logger);
  process.exit(0);
}

process.once('SIGTERM', (signal) => void shutdown(signal));
process.once('SIGINT', (signal) => void shutdown(signal));
