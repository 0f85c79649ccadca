/**
 * Every Prometheus metric the server exports, in one registry per app (so two
 * apps in one process, as in the tests, never share a series). The parts of
 * the server record into these instruments; `GET /metrics` (http/metrics.ts)
 * serves them. docs/observability.md lists each metric and its labels.
 *
 * Label values are bounded: operation names through OperationNames, error
 * codes and refusal reasons from this server's own set, routes from Fastify's
 * route table, statement kinds from a fixed list.
 */
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';
import type { GraphQLError } from 'graphql';
import type { PoolStats } from '../db/database.js';
import { codeOf } from '../graphql/errors.js';
import { BoundCounter, BoundHistogram, type CounterSeries, type HistogramSeries } from './bound-series.js';
import { OperationNames } from './operation-names.js';
import { STATEMENT_KINDS, statementKind, type StatementKind } from './statement-kind.js';

type StatementSeries = HistogramSeries;

interface OperationSeries {
  readonly success: CounterSeries;
  readonly error: CounterSeries;
  readonly duration: HistogramSeries;
}

/**
 * The buckets the OpenTelemetry HTTP semantic conventions advise for
 * `http.server.request.duration`, in seconds; used for every duration here.
 */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** SQL statements take from tens of microseconds: the HTTP buckets would put nearly all in the first. */
export const STATEMENT_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5,
];

export interface MetricsSources {
  /** Distinct operation names kept as label values; later ones count as "other". */
  readonly maxOperationNames: number;
  /** The database's product, as `db.system` names it. */
  readonly dbSystem: 'sqlite' | 'postgresql';
  /** Read at each scrape. */
  readonly poolStats?: () => PoolStats | undefined;
  readonly subscriptions?: () => number;
  /** Whether the Redis relay is connected; left out without one. */
  readonly relayConnected?: () => boolean;
}

type Labels<T extends string> = CounterConfiguration<T>['labelNames'];

export class Metrics {
  readonly registry = new Registry();
  readonly operationNames: OperationNames;
  readonly #dbSystem: string;
  /**
   * Series bound to their labels once: prom-client validates and hashes a
   * label object on every call, which the hot paths would pay per request.
   */
  readonly #operationSeries = new Map<string, Map<string, OperationSeries>>();
  readonly #errorSeries = new Map<string, CounterSeries>();
  readonly #statements = new Map<StatementKind, { success: StatementSeries; error: StatementSeries }>();

  readonly httpDuration: BoundHistogram<'http_request_method' | 'http_route' | 'http_response_status_class'>;
  readonly operations: BoundCounter<'graphql_operation_type' | 'graphql_operation_name' | 'outcome'>;
  readonly operationDuration: BoundHistogram<'graphql_operation_type' | 'graphql_operation_name'>;
  readonly errors: BoundCounter<'code'>;
  readonly refusals: Counter<'reason'>;
  readonly documentCache: BoundCounter<'cache' | 'result'>;
  readonly liveConnections: Gauge<'transport'>;
  readonly eventsDelivered: Counter;
  readonly slowConsumersDropped: Counter;
  readonly eventsDropped: Counter;
  readonly deliveryLag: Histogram;
  readonly statementDuration: BoundHistogram<'db_system' | 'kind' | 'outcome'>;
  readonly sqliteBusyWait: Histogram;
  readonly responseCache: BoundCounter<'result'>;
  readonly responseCacheEvictions: Counter;

  constructor(sources: MetricsSources) {
    const { registry } = this;
    this.operationNames = new OperationNames(sources.maxOperationNames);
    this.#dbSystem = sources.dbSystem;
    collectDefaultMetrics({ register: registry });
    const counter = <T extends string>(name: string, help: string, labelNames: Labels<T> = []) =>
      new Counter<T>({ name, help, labelNames, registers: [registry] });
    const histogram = <T extends string>(
      name: string,
      help: string,
      labelNames: HistogramConfiguration<T>['labelNames'] = [],
      buckets = DURATION_BUCKETS,
    ) => new Histogram<T>({ name, help, labelNames, buckets, registers: [registry] });
    const boundCounter = <T extends string>(name: string, help: string, labelNames: Labels<T>) =>
      new BoundCounter<T>({ name, help, labelNames, registers: [registry] });
    const boundHistogram = <T extends string>(
      name: string,
      help: string,
      labelNames: HistogramConfiguration<T>['labelNames'],
      buckets = DURATION_BUCKETS,
    ) => new BoundHistogram<T>({ name, help, labelNames, buckets, registers: [registry] });
    const gauge = <T extends string>(config: Omit<GaugeConfiguration<T>, 'registers'>) =>
      new Gauge<T>({ ...config, registers: [registry] });

    this.httpDuration = boundHistogram(
      'http_server_request_duration_seconds',
      'Duration of HTTP server requests (OpenTelemetry http.server.request.duration), by method, route and status class.',
      ['http_request_method', 'http_route', 'http_response_status_class'],
    );
    this.operations = boundCounter(
      'todo_graphql_operations_total',
      'GraphQL queries and mutations executed, by type, name and outcome (success, or error when the result carries errors).',
      ['graphql_operation_type', 'graphql_operation_name', 'outcome'],
    );
    this.operationDuration = boundHistogram(
      'todo_graphql_operation_duration_seconds',
      'Time from the start of execution to the result of GraphQL queries and mutations, by type and name.',
      ['graphql_operation_type', 'graphql_operation_name'],
    );
    this.errors = boundCounter(
      'todo_graphql_errors_total',
      'GraphQL errors sent to clients (request errors and field errors), by extensions.code.',
      ['code'],
    );
    this.refusals = counter(
      'todo_graphql_refusals_total',
      'Operations refused by a limit before they ran, by the limit (MAX_QUERY_DEPTH, MAX_QUERY_ALIASES, RATE_LIMITED, UNTRUSTED_DOCUMENT, ...).',
      ['reason'],
    );
    this.documentCache = boundCounter(
      'todo_graphql_document_cache_requests_total',
      'Lookups in the document caches: "document" (parsed and validated) and "compiled" (graphql-jit), by hit or miss.',
      ['cache', 'result'],
    );
    this.liveConnections = gauge({
      name: 'todo_graphql_live_connections',
      help: 'Open live-update connections, by transport (websocket, sse).',
      labelNames: ['transport'],
    });
    gauge({
      name: 'todo_graphql_live_subscriptions',
      help: 'Subscriptions open on this instance.',
      collect() {
        this.set(sources.subscriptions?.() ?? 0);
      },
    });
    this.eventsDelivered = counter(
      'todo_graphql_live_events_delivered_total',
      'Changes handed to a subscription (one per subscriber that hears it).',
    );
    this.slowConsumersDropped = counter(
      'todo_graphql_live_slow_consumers_dropped_total',
      'Subscriptions ended because their client stopped reading (MAX_QUEUED_CHANGES waiting).',
    );
    this.eventsDropped = counter(
      'todo_graphql_live_events_dropped_total',
      'Changes never delivered because their subscription was dropped as a slow consumer (those it had queued, and the one that overflowed).',
    );
    this.deliveryLag = histogram(
      'todo_graphql_live_delivery_lag_seconds',
      "Time from a change being published (on any instance) to its hand-over to this instance's subscribers, all of them in one pass.",
    );
    const { relayConnected } = sources;
    if (relayConnected) {
      gauge({
        name: 'todo_graphql_redis_relay_connected',
        help: 'Whether the Redis relay of live updates across instances is connected (1) or not (0); absent without REDIS_URL.',
        // Summed over a cluster's workers it would read N; connected means every worker is.
        aggregator: 'min',
        collect() {
          this.set(relayConnected() ? 1 : 0);
        },
      });
    }
    this.statementDuration = boundHistogram(
      'todo_graphql_db_statement_duration_seconds',
      'Duration of SQL statements, by database, kind (select, insert, update, delete, begin, commit, rollback, other) and outcome.',
      ['db_system', 'kind', 'outcome'],
      STATEMENT_BUCKETS,
    );
    this.sqliteBusyWait = histogram(
      'todo_graphql_sqlite_busy_wait_seconds',
      "Time SQLite write transactions waited for the database's write lock (BEGIN IMMEDIATE).",
      [],
      STATEMENT_BUCKETS,
    );
    for (const kind of STATEMENT_KINDS) {
      this.#statements.set(kind, {
        success: this.statementDuration.bind({ db_system: sources.dbSystem, kind, outcome: 'success' }),
        error: this.statementDuration.bind({ db_system: sources.dbSystem, kind, outcome: 'error' }),
      });
    }
    if (sources.poolStats) {
      const poolStats = sources.poolStats;
      gauge({
        name: 'todo_graphql_db_pool_connections',
        help: 'PostgreSQL pool: connections open (total), idle, and requests waiting for one (waiting).',
        labelNames: ['state'],
        collect() {
          const stats = poolStats();
          if (!stats) return;
          this.set({ state: 'total' }, stats.total);
          this.set({ state: 'idle' }, stats.idle);
          this.set({ state: 'waiting' }, stats.waiting);
        },
      });
    }
    this.responseCache = boundCounter(
      'todo_graphql_response_cache_requests_total',
      'Response cache lookups, by hit or miss.',
      ['result'],
    );
    this.responseCacheEvictions = counter(
      'todo_graphql_response_cache_evictions_total',
      'Results the in-memory response cache let go to make room.',
    );
  }

  /** Records a query or mutation named `name` that ran for `ms` milliseconds, and the errors of its result. */
  operation(type: string, name: string | undefined, errors: readonly GraphQLError[] | undefined, ms: number): void {
    const series = this.#operation(type, this.operationNames.label(name));
    (errors ? series.error : series.success).inc();
    series.duration.observe(ms / 1000);
    if (errors) this.graphqlErrors(errors);
  }

  #operation(type: string, label: string): OperationSeries {
    let byLabel = this.#operationSeries.get(type);
    if (!byLabel) {
      byLabel = new Map();
      this.#operationSeries.set(type, byLabel);
    }
    let series = byLabel.get(label);
    if (!series) {
      const labels = { graphql_operation_type: type, graphql_operation_name: label };
      series = {
        success: this.operations.bind({ ...labels, outcome: 'success' }),
        error: this.operations.bind({ ...labels, outcome: 'error' }),
        duration: this.operationDuration.bind(labels),
      };
      byLabel.set(label, series);
    }
    return series;
  }

  /**
   * Records the errors that stopped an operation before it ran; those of a
   * limit also as refusals, by the limit (its `extensions.limit`, else its code).
   */
  refused(errors: readonly GraphQLError[]): void {
    this.graphqlErrors(errors);
    for (const error of errors) {
      const limit = (error as { extensions?: Readonly<Record<string, unknown>> }).extensions?.limit;
      const code = codeOf(error);
      if (typeof limit === 'string') this.refusals.inc({ reason: limit });
      else if (REFUSAL_CODES.has(code)) this.refusals.inc({ reason: code });
    }
  }

  /** Records a refusal by a limit outside GraphQL (the rate limits, answered 429). */
  refusal(code: string): void {
    this.error(code);
    this.refusals.inc({ reason: code });
  }

  graphqlErrors(errors: readonly GraphQLError[]): void {
    for (const error of errors) this.error(codeOf(error));
  }

  /** Records one error sent with `code`. */
  error(code: string): void {
    let series = this.#errorSeries.get(code);
    if (!series) {
      series = this.errors.bind({ code });
      this.#errorSeries.set(code, series);
    }
    series.inc();
  }

  /** Records one SQL statement that took `ms` milliseconds. */
  statement(sqlText: string, ms: number, failed: boolean): void {
    const kind = statementKind(sqlText);
    const seconds = ms / 1000;
    const series = this.#statements.get(kind);
    (failed ? series?.error : series?.success)?.observe(seconds);
    if (kind === 'begin' && this.#dbSystem === 'sqlite') this.sqliteBusyWait.observe(seconds);
  }

  /** The exposition text for a scrape. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Codes of refusals by a limit that carry no `extensions.limit` of their own. */
const REFUSAL_CODES: ReadonlySet<string> = new Set(['UNTRUSTED_DOCUMENT', 'RATE_LIMITED', 'TOO_MANY_SUBSCRIPTIONS']);
