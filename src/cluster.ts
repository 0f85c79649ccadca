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
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AggregatorRegistry } from 'prom-client';
import { resolveAuthSecret } from './accounts/auth-secret.js';
import { isRelayedChange } from './changes/cluster-relay.js';
import type { Config } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { createLogger, flushLogs } from './logger.js';
import { METRICS_PATH } from './http/metrics.js';

/** A worker that dies once serving is replaced after this long. */
const RESTART_DELAY_MS = 1000;

/** Set in the environment of the workers this primary forks. */
const WORKER_MARK = 'TODO_GRAPHQL_CLUSTER_WORKER';

/**
 * Whether this process is one of our cluster's workers: not merely a cluster
 * worker, which a process manager's cluster mode (PM2's) would make it too.
 */
export const isClusterWorker = (): boolean => cluster.isWorker && process.env[WORKER_MARK] === '1';

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
  /** Workers not yet exited (cluster.workers keeps one until it has also disconnected). */
  const live = new Set<Worker>();
  const serving = new WeakSet<Worker>();

  const fork = (): void => {
    const worker = cluster.fork({ [WORKER_MARK]: '1' });
    live.add(worker);
    worker.once('listening', () => serving.add(worker));
    // A message sent to a worker that has just died fails here (EPIPE); its exit follows.
    worker.on('error', (error) => logger.warn({ err: error, worker: worker.id }, 'a worker could not be reached'));
  };

  cluster.on('message', (sender, message: unknown) => {
    if (!isRelayedChange(message)) return;
    for (const worker of live) {
      if (worker !== sender && worker.isConnected()) worker.send(message);
    }
  });

  cluster.on('exit', (worker, code, signal) => {
    live.delete(worker);
    if (stopping) {
      // A worker that did not drain cleanly makes the whole stop a failure.
      if (code !== 0) exitCode = 1;
      if (live.size === 0) void exit(exitCode);
      return;
    }
    if (!serving.has(worker)) {
      // It never listened: a port taken, a bad setting. Another would fail alike.
      logger.fatal({ worker: worker.id, code, signal }, 'a worker could not start: stopping');
      stop('SIGTERM', 1);
      return;
    }
    logger.error({ worker: worker.id, code, signal }, 'a worker died: starting another');
    // Not unref'd: with every worker gone this timer is what keeps the primary up to replace them.
    setTimeout(() => stopping || fork(), RESTART_DELAY_MS);
  });

  const metricsServer = config.metrics.enabled && config.metrics.port !== undefined ? serveMetrics(config) : undefined;
  if (metricsServer) {
    const listening = metricsServer;
    try {
      await new Promise<void>((resolve, reject) => {
        listening.once('listening', resolve);
        listening.once('error', reject);
      });
    } catch (error) {
      logger.fatal({ err: error }, `METRICS_PORT ${config.metrics.port ?? ''} cannot be listened on`);
      await exit(1);
    }
    const { port } = listening.address() as AddressInfo;
    logger.info({ url: `http://${config.host}:${port}${METRICS_PATH}` }, 'metrics of every worker served');
    listening.on('error', (error) => logger.error({ err: error }, 'metrics listener failed'));
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
    if (live.size === 0) void exit(code);
    for (const worker of live) worker.process.kill('SIGTERM');
  }
  // `on`, not `once`: a second signal (a process group's, or an impatient Ctrl-C) must not kill the primary mid-drain.
  process.on('SIGTERM', (signal) => stop(signal));
  process.on('SIGINT', (signal) => stop(signal));
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
