/**
 * Prometheus metrics over HTTP: `GET /metrics` in the text exposition format,
 * on the API's own port, or on METRICS_PORT alone (a listener of its own that
 * serves nothing else, so the API's port need not expose it). Also times every
 * HTTP request into `http_server_request_duration_seconds`, except event
 * streams and WebSocket upgrades, whose lives are subscriptions' lives.
 */
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { FastifyInstance, FastifyReply, FastifyRequest, onResponseHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { AggregatorRegistry } from 'prom-client';
import type { Metrics } from '../metrics/metrics.js';
import type { HistogramSeries } from '../metrics/bound-series.js';

export const METRICS_PATH = '/metrics';

export interface MetricsPluginOptions {
  readonly metrics: Metrics;
  /** Serve the metrics on this port alone (0: any free one) instead of the API's. */
  readonly port: number | undefined;
  readonly host: string;
  /** A cluster's worker: the primary serves every worker's metrics, summed, on METRICS_PORT (src/cluster.ts). */
  readonly servedByPrimary?: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The listener of METRICS_PORT, once listening; undefined when the metrics share the API's port. */
    readonly metricsServer: Server | undefined;
  }
}

/** Methods as OpenTelemetry names them: the known ones, anything else as _OTHER. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE']);
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'];

/**
 * Times the requests of one route (or of none: `unmatched`), with each
 * method's and status class's series bound once, not looked up per request.
 */
function routeTimer(metrics: Metrics, route: string) {
  const byMethod = new Map<string, HistogramSeries[]>();
  const seriesOf = (method: string) => {
    let series = byMethod.get(method);
    if (!series) {
      series = STATUS_CLASSES.map((statusClass) =>
        metrics.httpDuration.bind({
          http_request_method: method,
          http_route: route,
          http_response_status_class: statusClass,
        }),
      );
      byMethod.set(method, series);
    }
    return series;
  };
  return (request: FastifyRequest, reply: FastifyReply): void => {
    if (request.state.longLived || request.ws) return;
    const method = KNOWN_METHODS.has(request.method) ? request.method : '_OTHER';
    const statusClass = Math.min(Math.max(Math.trunc(reply.statusCode / 100), 1), 5) - 1;
    seriesOf(method)[statusClass]?.observe(reply.elapsedTime / 1000);
  };
}

function metricsPlugin(app: FastifyInstance, options: MetricsPluginOptions, registered: (error?: Error) => void): void {
  const { metrics } = options;

  // Each route is timed by a hook of its own, with its pattern (never the path a client made up).
  app.addHook('onRoute', (route) => {
    const time = routeTimer(metrics, route.url);
    const timed: onResponseHookHandler = (request, reply, done) => {
      time(request, reply);
      done();
    };
    const existing = route.onResponse;
    route.onResponse = existing === undefined ? [timed] : [...(Array.isArray(existing) ? existing : [existing]), timed];
  });
  // What matched no route: one series, whatever the path.
  const unmatched = routeTimer(metrics, 'unmatched');
  app.addHook('onResponse', (request, reply, done) => {
    if (request.is404) unmatched(request, reply);
    done();
  });

  let server: Server | undefined;
  app.decorate('metricsServer', {
    getter: () => server,
  });

  if (options.servedByPrimary) {
    // prom-client answers the primary's requests over the IPC channel from this registry.
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([metrics.registry]);
    registered();
    return;
  }

  if (options.port === undefined) {
    app.get(METRICS_PATH, async (_request, reply) => {
      const text = await metrics.scrape();
      return reply.type(metrics.contentType).send(text);
    });
    registered();
    return;
  }

  const port = options.port;
  // Before the API listens: a port that is taken stops the start, as the API's own would.
  app.addHook('onReady', async () => {
    server = createServer((request, response) => {
      const path = request.url?.split('?')[0];
      if (request.method !== 'GET' || path !== METRICS_PATH) {
        response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: try /metrics\n');
        return;
      }
      metrics.scrape().then(
        (text) => response.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        (error: unknown) => {
          app.log.error({ err: error }, 'metrics could not be collected');
          response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Metrics failed\n');
        },
      );
    });
    const listening = server;
    listening.listen(port, options.host);
    await Promise.race([
      once(listening, 'listening'),
      once(listening, 'error').then(([error]) => {
        throw new Error(`METRICS_PORT ${port} cannot be listened on: ${(error as Error).message}`);
      }),
    ]);
    listening.on('error', (error) => app.log.error({ err: error }, 'metrics listener failed'));
  });
  app.addHook('onClose', async () => {
    if (!server?.listening) return;
    server.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });
  registered();
}

export default fp(metricsPlugin, { name: 'metrics', dependencies: ['request-state'] });
