/**
 * What happens to one GraphQL operation once its request parameters are known,
 * whichever way the request arrived (see http/graphql-over-http.ts): find the cached document
 * and its operation, build the context, run it, mask errors, and turn the result
 * into the response body and status.
 */
import {
  GraphQLError,
  Kind,
  getOperationAST,
  type OperationDefinitionNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
  OperationTypeNode,
} from 'graphql';
import type { OperationArgs, Response as HandlerResponse, RequestParams } from 'graphql-http';
import type { Kysely } from 'kysely';
import type { AccountRules } from '../accounts/account-rules.js';
import type { CacheableQuery, ResponseCache } from '../cache/response-cache.js';
import type { ChangeBus } from '../changes/change-bus.js';
import { ANONYMOUS_OWNER, type Tables } from '../db/tables.js';
import type { RequestState } from '../http/request-state.js';
import { RequestContext, type GraphQLContext } from './context.js';
import type { DocumentCache } from './documents.js';
import { RETRY_AFTER_SECONDS } from '../db/unavailable.js';
import { pageSizeError } from './document-limits.js';
import { variablesTextError } from './input-text.js';
import { hideSuggestions, isUnavailable, maskExecutionErrors, variableErrors, type ErrorCode } from './errors.js';
import type { TrustedDocuments } from './trusted-documents.js';
import type { WebhookSettings } from '../webhooks/webhook-settings.js';
import type { ListBounds } from './list-bounds.js';
import { responseTooLarge } from './request-budget.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Tracing } from '../tracing/tracing.js';
import { context as otelContext } from '@opentelemetry/api';
import { observeOperation } from './operation-observer.js';
import { sha256 } from './trusted-documents.js';

export const GRAPHQL_RESPONSE = 'application/graphql-response+json';
export type ResponseMediaType = typeof GRAPHQL_RESPONSE | 'application/json';

export interface OperationsOptions {
  readonly schema: GraphQLSchema;
  readonly db: Kysely<Tables>;
  readonly documents: DocumentCache;
  readonly maskErrors: boolean;
  /** Whether errors may suggest names ("Did you mean …?"): only where introspection shows them anyway. */
  readonly suggestions: boolean;
  readonly accounts: AccountRules;
  /** Whether callers who are not signed in may use the anonymous space. */
  readonly allowAnonymous: boolean;
  readonly bounds: ListBounds;
  /** Largest answer an operation may give, in bytes. */
  readonly maxResponseBytes: number;
  readonly changes: ChangeBus;
  readonly responseCache: ResponseCache | undefined;
  /** Longest an operation may run before it is answered TIMEOUT. */
  readonly requestTimeoutMs: number;
  /** Days the sync log is kept: an older sync cursor is refused (SYNC_RETENTION_DAYS). */
  readonly syncRetentionDays: number;
  /** What webhook endpoints may be, and the box their secrets are kept in. */
  readonly webhooks: WebhookSettings;
  readonly trustedDocuments: TrustedDocuments;
  /** Where operations, their errors and refusals are counted; undefined with METRICS_ENABLED=false. */
  readonly metrics: Metrics | undefined;
  /** Where operations' spans go; undefined unless tracing is configured. */
  readonly tracing: Tracing | undefined;
}

/** Execution arguments with this server's context, and which kind of operation they run. */
export type PreparedOperation = ExecutionArgs &
  OperationArgs<GraphQLContext> & {
    readonly contextValue: GraphQLContext;
    readonly operationType: OperationTypeNode;
    /** The operation's name in its document. */
    readonly graphqlName: string | undefined;
    /** The document's SHA-256, for its span; '' with tracing off. */
    readonly documentHash: string;
  };

/** What `prepare` answers: the operation to execute, or the errors that stop it. */
export type Preparation = PreparedOperation | readonly GraphQLError[];

/** Whether `prepare` refused the operation. */
export const isErrorList = (value: PreparedOperation | readonly GraphQLError[]): value is readonly GraphQLError[] =>
  Array.isArray(value);

export class Operations {
  constructor(private readonly options: OperationsOptions) {}

  /** The arguments to execute `params` with, or the errors that stop it before it runs. */
  prepare(params: RequestParams, state: RequestState, streaming = false): Preparation | Promise<Preparation> {
    const query = this.options.trustedDocuments.resolve(params.query, params.extensions ?? undefined);
    return query instanceof Promise
      ? query.then((text) => this.#counted(this.#prepareText(text, params, state, streaming)))
      : this.#counted(this.#prepareText(query, params, state, streaming));
  }

  /** `preparation`, its refusal counted. */
  #counted(preparation: Preparation): Preparation {
    if (this.options.metrics && isErrorList(preparation)) this.options.metrics.refused(preparation);
    return preparation;
  }

  #prepareText(
    query: string | GraphQLError,
    params: RequestParams,
    state: RequestState,
    streaming: boolean,
  ): Preparation {
    const { schema, documents, trustedDocuments } = this.options;
    if (query instanceof GraphQLError) return [query];
    const preparation = documents.prepare(query);
    if (preparation.errors) return preparation.errors;
    const { document, pageVariables } = preparation;
    trustedDocuments.remember(params.query, params.extensions ?? undefined);
    const operationName = params.operationName ?? undefined;
    const operation = getOperationAST(document, operationName);
    const badVariable =
      operation &&
      (variablesTextError(schema, operation, params.variables) ??
        pageSizeVariableError(pageVariables, operation, params.variables, this.options.bounds.maxPageSize));
    if (badVariable) return [badVariable];
    if (!operation) {
      return [
        new GraphQLError(
          operationName === undefined
            ? 'The document holds several operations: name the one to run in "operationName".'
            : `The document has no operation named "${operationName}".`,
          { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' satisfies ErrorCode } },
        ),
      ];
    }
    state.operationName = operation.name?.value;
    const contextValue = this.contextFor(state, streaming);
    return {
      schema,
      document,
      operationName,
      variableValues: params.variables,
      contextValue,
      operationType: operation.operation,
      graphqlName: operation.name?.value,
      documentHash: this.options.tracing ? sha256(query) : '',
    };
  }

  /** The kind of operation `params` would run, or undefined when its document or operation is not found. */
  operationTypeOf(params: Pick<RequestParams, 'query' | 'operationName'>): OperationTypeNode | undefined {
    if (!params.query) return undefined;
    const preparation = this.options.documents.prepare(params.query, false);
    if (preparation.errors) return undefined;
    return getOperationAST(preparation.document, params.operationName ?? undefined)?.operation;
  }

  /**
   * The resolvers' context for a request in `state`. A `streaming` context
   * (WebSocket or SSE) may serve many results over time, so its loaders keep nothing.
   */
  contextFor(state: RequestState, streaming = false): GraphQLContext {
    const { viewer } = state;
    const owner = viewer.kind === 'user' ? viewer.user.id : this.options.allowAnonymous ? ANONYMOUS_OWNER : null;
    return new RequestContext(this.options, state, owner, streaming);
  }

  /** Runs an operation (from the cache when it may), answering TIMEOUT past REQUEST_TIMEOUT_MS. */
  execute(args: ExecutionArgs): ExecutionResult | Promise<ExecutionResult> {
    const { documents, responseCache, requestTimeoutMs } = this.options;
    const observation = observeOperation(args, this.options);
    const query = responseCache && cacheableQuery(args);
    const run = () =>
      query
        ? responseCache.resolve(query, () => documents.execute(args)).then((answer) => answer.result)
        : documents.execute(args);
    const result = observation?.context ? otelContext.with(observation.context, run) : run();
    if (!(result instanceof Promise)) {
      observation?.settled(result);
      return result;
    }
    // The context, not its `log`: reading that makes the request's child logger, which only a timeout needs.
    return withinBudget(result, requestTimeoutMs, args.contextValue as GraphQLContext, observation?.settled);
  }

  /**
   * A result as it may leave, whatever the transport: variables that failed to
   * coerce coded BAD_USER_INPUT, faults logged and, when masking, hidden.
   */
  finish(result: ExecutionResult, state: RequestState): ExecutionResult {
    const coded = variableErrors(result);
    if (!coded.errors) return coded;
    const told = this.options.suggestions ? coded : hideSuggestions(coded);
    return maskExecutionErrors(told, { mask: this.options.maskErrors, log: state.log, requestId: state.requestId });
  }

  /** The response to a finished operation, in the media type the client accepts. */
  respond(
    args: ExecutionArgs,
    result: ExecutionResult,
    state: RequestState,
    mediaType: ResponseMediaType,
  ): HandlerResponse {
    // No `data` means the operation never started (e.g. variables failed to coerce): a request error.
    const requestError = !('data' in result);
    const final = this.finish(result, state);
    const contentType = mediaType === GRAPHQL_RESPONSE ? GRAPHQL_RESPONSE_UTF8 : JSON_UTF8;
    const body = this.#withinSize(args, this.options.documents.serialize(args, final));
    // Retry later: load balancers and clients know what a 503 means.
    if (final.errors && isUnavailable(final)) {
      const headers = { 'content-type': contentType, 'retry-after': String(RETRY_AFTER_SECONDS) };
      return [body, { status: 503, statusText: 'Service Unavailable', headers }];
    }
    // The GraphQL-over-HTTP spec: a graphql-response+json answer without `data` is a 4xx.
    const badRequest = requestError && mediaType === GRAPHQL_RESPONSE;
    return [
      body,
      {
        status: badRequest ? 400 : 200,
        statusText: badRequest ? 'Bad Request' : 'OK',
        headers: { 'content-type': contentType },
      },
    ];
  }

  /**
   * The whole answer's size budget, past the todos the budget counted as they
   * were read (request-budget.ts): a query's answer over MAX_RESPONSE_BYTES is
   * refused whole. A mutation's is sent all the same: it has happened, and its
   * answer says so (the budget has already cut any large list inside it).
   */
  #withinSize(args: ExecutionArgs, body: string): string {
    const max = this.options.maxResponseBytes;
    // A character is at most three bytes of UTF-8: most answers need no count.
    if (body.length * 3 <= max || Buffer.byteLength(body) <= max) return body;
    if (!('operationType' in args) || args.operationType !== OperationTypeNode.QUERY) return body;
    const tooLarge = responseTooLarge(max);
    this.options.metrics?.refused([tooLarge]);
    return JSON.stringify({ data: null, errors: [tooLarge.toJSON()] });
  }
}

/**
 * A page size variable outside 0..MAX_PAGE_SIZE, given or by default, refuses
 * the whole operation before it runs: a page field would refuse it anyway, but
 * only after its siblings (a mutation, say) had run.
 */
function pageSizeVariableError(
  names: ReadonlySet<string>,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  maxPageSize: number,
): GraphQLError | undefined {
  for (const name of names) {
    let value = variables?.[name];
    if (value === undefined) {
      const declared = operation.variableDefinitions?.find((definition) => definition.variable.name.value === name);
      const fallback = declared?.defaultValue;
      value = fallback?.kind === Kind.INT ? Number(fallback.value) : undefined;
    }
    // Anything but an integer is the variable coercion's to refuse, in its words.
    if (typeof value === 'number' && Number.isInteger(value) && (value < 0 || value > maxPageSize)) {
      return pageSizeError(value, maxPageSize);
    }
  }
  return undefined;
}

/**
 * `result`, or a TIMEOUT error once `ms` have passed. JavaScript cannot stop the
 * operation; the database's own timeout (DATABASE_TIMEOUT_MS) ends its statements.
 * A mutation answered TIMEOUT may still complete: it was not acknowledged.
 */
function withinBudget(
  result: Promise<ExecutionResult>,
  ms: number,
  context: Pick<GraphQLContext, 'log'>,
  settled?: (result: ExecutionResult) => void,
): Promise<ExecutionResult> {
  // One promise settled by whichever comes first, rather than Promise.race over
  // a timeout promise and a `finally`: this runs for every operation that reads
  // the database, and each promise of those was garbage on every request.
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // The answer is given once: the TIMEOUT, or the result that came first.
    let answered = false;
    const timer = setTimeout(() => {
      answered = true;
      const message = `The operation took longer than ${ms} ms (REQUEST_TIMEOUT_MS): try again later.`;
      const timedOut = { data: null, errors: [new GraphQLError(message, { extensions: { code: 'TIMEOUT' } })] };
      resolve(timedOut);
      settled?.(timedOut);
      // The operation stops at its next checkpoint (see request-budget.ts); say when it has.
      const ended = () =>
        context.log.warn({ ms: Math.round(performance.now() - started) }, 'operation ended after its TIMEOUT answer');
      result.then(ended, ended);
    }, ms);
    result.then(
      (value) => {
        if (answered) return;
        clearTimeout(timer);
        resolve(value);
        settled?.(value);
      },
      (error: unknown) => {
        if (answered) return;
        clearTimeout(timer);
        // The operation's own rejection, passed on as it is (as Promise.race would).
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(error);
        settled?.({ errors: [new GraphQLError('The operation failed.', { originalError: toError(error) })] });
      },
    );
  });
}

const toError = (value: unknown): Error => (value instanceof Error ? value : new Error(String(value)));

/** What identifies a query's result, when it is one the response cache may keep: a query run for an owner. */
function cacheableQuery(args: ExecutionArgs): CacheableQuery | undefined {
  if (!('operationType' in args) || args.operationType !== OperationTypeNode.QUERY) return undefined;
  const { owner } = args.contextValue as GraphQLContext;
  const query = args.document.loc?.source.body;
  if (owner === null || query === undefined) return undefined;
  return { owner, query, operationName: args.operationName ?? undefined, variables: args.variableValues };
}

const GRAPHQL_RESPONSE_UTF8 = `${GRAPHQL_RESPONSE}; charset=utf-8`;
const JSON_UTF8 = 'application/json; charset=utf-8';
