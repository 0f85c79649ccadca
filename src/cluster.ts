/**
 * WORKERS > 1: this process is the cluster's primary. It serves no request.
 * It prepares the database once (migrations, the generated auth secret), then
 * forks the workers, which share the port: node:cluster hands each new
 * connection to the next worker in turn. It also
 * - passes live changes from each worker to the others, unless Redis does
 *   (src/changes/cluster-relay.ts);
 * - serves the workers' metrics, summed, on METRICS_PORT (prom-client's
 *   AggregatorRegistry asks each worker for its registry);
 * - replaces a worker that dies once serving, and stops when one cannot start;
 * - on SIGTERM or SIGINT, passes the signal on and exits once every worker has
 *   drained and stopped.
 */
import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { AggregatorRegistry } from 'prom-client';
import { resolveAuthSecret } from './accounts/auth-secret.js';
import { isRelayedChange } from './changes/cluster-relay.js';
import type { Config } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { createLogger, flushLogs } from './logger.js';
import { METRICS_PATH } from './http/metrics.js';

/** A worker that dies sooner than this after it started serving is replaced only after this long. */
const RESTART_DELAY_MS = 1000;

export async function runPrimary(config: Config): Promise<void> {
  const logger = createLogger(config).child({ role: 'primary' });
  const database = openDatabase(config.database, { sqliteSynchronous: config.sqliteSynchronous });
  try {
    const { results = [] } = await migrateToLatest(database);
    for (const { migrationName } of results) logger.info({ migration: migrationName }, 'migration applied');
    // Generated and stored once here, so the workers all read the same one.
    await resolveAuthSecret(config, database);
  } catch (error) {
    logger.fatal({ err: error }, 'cannot prepare the database');
    await database.close().catch(() => undefined);
    await flushLogs(logger);
    process.exit(1);
  } finally {
    await database.close().catch(() => undefined);
  }

  let stopping = false;
  let exitCode = 0;
  const serving = new WeakSet<Worker>();

  const fork = (): void => {
    const worker = cluster.fork();
    worker.once('listening', () => serving.add(worker));
  };

  cluster.on('message', (sender, message: unknown) => {
    if (!isRelayedChange(message)) return;
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (worker && worker !== sender && worker.isConnected()) worker.send(message);
    }
  });

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) void exit(exitCode);
      return;
    }
    if (!serving.has(worker)) {
      // It never listened: a port taken, a bad setting. Another would fail alike.
      logger.fatal({ worker: worker.id, code, signal }, 'a worker could not start: stopping');
      stop('SIGTERM', 1);
      return;
    }
    logger.error({ worker: worker.id, code, signal }, 'a worker died: starting another');
    setTimeout(() => stopping || fork(), RESTART_DELAY_MS).unref();
  });

  const metricsServer = config.metrics.enabled && config.metrics.port !== undefined ? serveMetrics(config) : undefined;
  if (metricsServer) {
    await Promise.race([
      once(metricsServer, 'listening'),
      once(metricsServer, 'error').then(([error]) => {
        logger.fatal({ err: error }, `METRICS_PORT ${config.metrics.port ?? ''} cannot be listened on`);
        return exit(1);
      }),
    ]);
  } else if (config.metrics.enabled) {
    logger.warn('with WORKERS > 1, metrics are served only on METRICS_PORT, which is not set');
  }
  if (!config.redisUrl && config.rateLimits.perAddress + config.rateLimits.perUser > 0) {
    logger.warn('without REDIS_URL each worker counts rate limits on its own');
  }

  for (let i = 0; i < config.workers; i++) fork();
  logger.info({ workers: config.workers }, 'cluster started');

  async function exit(code: number): Promise<void> {
    metricsServer?.close();
    await flushLogs(logger);
    process.exit(code);
  }

  /** Each worker drains and stops on its own SIGTERM; the last one's exit ends this process with `code`. */
  function stop(signal: NodeJS.Signals, code = 0): void {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    logger.info({ signal }, 'stopping the workers');
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) void exit(code);
    for (const worker of workers) worker?.process.kill('SIGTERM');
  }
  process.once('SIGTERM', (signal) => stop(signal));
  process.once('SIGINT', (signal) => stop(signal));
}

/** The workers' metrics, summed, at GET /metrics on METRICS_PORT. */
function serveMetrics(config: Config): Server {
  const registry = new AggregatorRegistry();
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== METRICS_PATH) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: try /metrics\n');
      return;
    }
    registry.clusterMetrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) =>
        response
          .writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
          .end(`Metrics unavailable: ${error instanceof Error ? error.message : String(error)}\n`),
    );
  });
  server.listen(config.metrics.port, config.host);
  return server;
}
