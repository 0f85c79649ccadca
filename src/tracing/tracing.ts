/**
 * OpenTelemetry traces, off unless an OTLP endpoint is configured
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; the
 * exporter reads the other standard OTEL_EXPORTER_OTLP_* variables itself).
 *
 * One span per HTTP request (http/tracing.ts), continuing the caller's trace
 * when it sends a W3C `traceparent`; a child per GraphQL operation, with the
 * semantic conventions' attributes and a hash of the document (never its
 * variables); and a child of that per SQL statement, with its text, whose
 * values are always bound parameters, and per Redis command, by its name. Each app has its own tracer provider
 * (two apps in one process, as in the tests, export apart); the context that
 * carries the active span across awaits is the process's one.
 */
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import { createRequire } from 'node:module';
import type * as ContextAsyncHooks from '@opentelemetry/context-async-hooks';
import type * as Core from '@opentelemetry/core';
import type * as Exporter from '@opentelemetry/exporter-trace-otlp-http';
import type * as Resources from '@opentelemetry/resources';
import type * as SdkTraceBase from '@opentelemetry/sdk-trace-base';
import type { BasicTracerProvider, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { GraphQLError } from 'graphql';
import { codeOf } from '../graphql/errors.js';
import { statementKind } from '../metrics/statement-kind.js';

export interface TracingSettings {
  readonly enabled: boolean;
  /** Share of new traces recorded, 0 to 1; a caller's sampled `traceparent` is always followed. */
  readonly sampleRatio: number;
  readonly serviceName: string;
}

/**
 * The SDK, loaded when the first app with tracing on is built: about 15 MiB of
 * memory that a server with tracing off (the default) never spends.
 */
function loadSdk() {
  const load = createRequire(import.meta.url);
  return {
    ...(load('@opentelemetry/context-async-hooks') as typeof ContextAsyncHooks),
    ...(load('@opentelemetry/core') as typeof Core),
    ...(load('@opentelemetry/exporter-trace-otlp-http') as typeof Exporter),
    ...(load('@opentelemetry/resources') as typeof Resources),
    ...(load('@opentelemetry/sdk-trace-base') as typeof SdkTraceBase),
  };
}
let sdk: ReturnType<typeof loadSdk> | undefined;
let propagator: Core.W3CTraceContextPropagator | undefined;

/** Headers as W3C trace context reads them. */
type Carrier = Readonly<Record<string, string | string[] | undefined>>;

const headerGetter: TextMapGetter<Carrier> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};
let contextManagerSet = false;

export class Tracing {
  readonly #provider: BasicTracerProvider;
  readonly #tracer;
  readonly #dbSystem: string;

  /**
   * `exporter`: where finished spans go; by default OTLP over HTTP as the
   * OTEL_EXPORTER_OTLP_* variables say. Given one (the tests' in-memory
   * exporter), each span is handed over as it ends.
   */
  constructor(settings: TracingSettings, dbSystem: 'sqlite' | 'postgresql', exporter?: SpanExporter) {
    sdk ??= loadSdk();
    const {
      AsyncLocalStorageContextManager,
      BasicTracerProvider,
      BatchSpanProcessor,
      OTLPTraceExporter,
      ParentBasedSampler,
      SimpleSpanProcessor,
      TraceIdRatioBasedSampler,
      resourceFromAttributes,
    } = sdk;
    if (!contextManagerSet) {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      contextManagerSet = true;
    }
    this.#provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': settings.serviceName }),
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRatio) }),
      spanProcessors: [exporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(new OTLPTraceExporter())],
    });
    this.#tracer = this.#provider.getTracer('todo-graphql');
    this.#dbSystem = dbSystem;
  }

  /** The caller's trace, from its `traceparent` (and `tracestate`) headers; the root context without one. */
  static extract(headers: Carrier): Context {
    propagator ??= new (sdk ?? loadSdk()).W3CTraceContextPropagator();
    return propagator.extract(ROOT_CONTEXT, headers, headerGetter);
  }

  /** Starts the span of an HTTP request, a child of `parent`. */
  startRequest(name: string, parent: Context, attributes: Record<string, string>): Span {
    return this.#tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  }

  /** Starts the span of a GraphQL operation, a child of the request's; the context to run it in. */
  startOperation(
    parent: Context,
    type: string,
    name: string | undefined,
    documentHash: string,
  ): { readonly span: Span; readonly context: Context } {
    const span = this.#tracer.startSpan(
      name === undefined ? type : `${type} ${name}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          'graphql.operation.type': type,
          ...(name === undefined ? {} : { 'graphql.operation.name': name }),
          'graphql.document.hash': documentHash,
        },
      },
      parent,
    );
    return { span, context: trace.setSpan(parent, span) };
  }

  /** Ends an operation's span; errors set its status and are recorded, each with its code. */
  static endOperation(span: Span, errors: readonly GraphQLError[] | undefined): void {
    if (errors) {
      for (const error of errors) {
        span.addEvent('exception', {
          'exception.type': 'GraphQLError',
          'exception.message': error.message,
          'graphql.error.code': codeOf(error),
        });
      }
      span.setStatus({ code: SpanStatusCode.ERROR, message: errors.map(codeOf).join(', ') });
    }
    span.end();
  }

  /**
   * Records a statement that has just run as a child of the active span (the
   * operation's), from `ms` ago to now. Statements outside any traced request
   * (migrations, background checks) make no span.
   */
  statement(sqlText: string, ms: number, failed: boolean): void {
    const kind = statementKind(sqlText);
    this.#client(kind, ms, failed, {
      'db.system': this.#dbSystem,
      'db.operation.name': kind,
      'db.query.text': sqlText,
    });
  }

  /** Records a Redis command as a child of the active span; its name only, never its keys or values. */
  redisCommand(name: string, ms: number, failed: boolean): void {
    this.#client(name, ms, failed, { 'db.system': 'redis', 'db.operation.name': name });
  }

  #client(name: string, ms: number, failed: boolean, attributes: Record<string, string>): void {
    const parent = context.active();
    if (!trace.getSpan(parent)?.isRecording()) return;
    const end = Date.now();
    const span = this.#tracer.startSpan(name, { kind: SpanKind.CLIENT, startTime: end - ms, attributes }, parent);
    if (failed) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(end);
  }

  /** Exports what has ended, and stops. */
  shutdown(): Promise<void> {
    return this.#provider.shutdown();
  }
}
