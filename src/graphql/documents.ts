/**
 * Parses, validates and compiles each distinct GraphQL document once.
 *
 * Clients send the same few documents over and over, so parsing and validating
 * them per request is wasted work. A valid document is kept (least recently used
 * first out) with one graphql-jit compiled executor per operation; execution
 * then costs only the resolvers' work.
 */
import {
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  specifiedRules,
  type ValidationRule,
  execute as executeWithGraphQLJs,
  parse,
  validate,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import { DocumentChecks, limitError, type DocumentLimits } from './document-limits.js';
import { withCode, withoutSuggestions } from './errors.js';
import type { ListBounds } from './list-bounds.js';
import type { CounterSeries } from '../metrics/bound-series.js';
import type { Metrics } from '../metrics/metrics.js';

/** A document that may run, and the variables each request must keep within a page's size. */
export interface PreparedDocument {
  readonly document: DocumentNode;
  readonly pageVariables: ReadonlySet<string>;
  readonly errors?: undefined;
}

export type Preparation = PreparedDocument | { readonly errors: readonly GraphQLError[] };

/** null when graphql-jit cannot compile the operation. */
type Compilation = CompiledQuery | null;

/** Longest document text the cache keeps (and graphql-jit compiles), in characters. */
const MAX_CACHED_LENGTH = 16 * 1024;

/**
 * A parsed document holds about 80 bytes of syntax tree (tokens, locations)
 * per character of its text, measured on graphql-js 16. The cache counts each
 * entry so, to be bounded by memory rather than by a count.
 */
const TREE_BYTES_PER_CHARACTER = 80;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

export interface DocumentCacheOptions {
  /** Memory the cached documents may take, estimated from their length. */
  readonly maxBytes?: number;
  readonly limits: DocumentLimits;
  readonly bounds: ListBounds;
  /** Whether the schema may be introspected, and unknown names answered with suggestions. */
  readonly introspection: boolean;
  /** Where lookups are counted, as hits and misses. */
  readonly metrics?: Metrics;
}

/** Hits and misses of the two caches, bound to their labels once. */
interface CacheCounts {
  readonly document: { readonly hit: CounterSeries; readonly miss: CounterSeries };
  readonly compiled: { readonly hit: CounterSeries; readonly miss: CounterSeries };
}

function cacheCounts(metrics: Metrics | undefined): CacheCounts | undefined {
  if (!metrics) return undefined;
  const counts = (cache: string) => ({
    hit: metrics.documentCache.bind({ cache, result: 'hit' }),
    miss: metrics.documentCache.bind({ cache, result: 'miss' }),
  });
  return { document: counts('document'), compiled: counts('compiled') };
}

export class DocumentCache {
  readonly #schema: GraphQLSchema;
  readonly #documents: LRUCache<string, PreparedDocument>;
  readonly #compilations = new WeakMap<DocumentNode, Map<string, Compilation>>();
  /** Documents kept in the cache: only these are compiled. */
  readonly #cached = new WeakSet<DocumentNode>();

  readonly #maxTokens: number;
  readonly #checks: DocumentChecks;
  readonly #rules: readonly ValidationRule[];
  readonly #suggestions: boolean;
  readonly #counts: CacheCounts | undefined;

  constructor(schema: GraphQLSchema, options: DocumentCacheOptions) {
    this.#schema = schema;
    this.#maxTokens = options.limits.maxTokens;
    this.#checks = new DocumentChecks(schema, options.limits, options.bounds);
    this.#rules = options.introspection ? specifiedRules : [...specifiedRules, NoSchemaIntrospectionCustomRule];
    this.#suggestions = options.introspection;
    this.#counts = cacheCounts(options.metrics);
    this.#documents = new LRUCache({
      maxSize: options.maxBytes ?? DEFAULT_MAX_BYTES,
      sizeCalculation: (_prepared, query) => query.length * TREE_BYTES_PER_CHARACTER,
    });
  }

  /**
   * The parsed, validated document for `query`, or the errors that make it
   * unusable. A look that is not the operation's own preparation (which
   * transport to answer on) is not `counted` in the metrics.
   */
  prepare(query: string, counted = true): Preparation {
    const cached = this.#documents.get(query);
    if (cached) {
      if (counted) this.#counts?.document.hit.inc();
      return cached;
    }
    if (counted) this.#counts?.document.miss.inc();

    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: this.#maxTokens });
    } catch (error) {
      if (error instanceof GraphQLError) {
        const tooLong = error.message.includes('tokens. Parsing aborted');
        return {
          errors: [
            tooLong
              ? limitError(`The document holds more than ${this.#maxTokens} tokens.`, 'MAX_QUERY_TOKENS')
              : withCode(error, 'GRAPHQL_PARSE_FAILED'),
          ],
        };
      }
      // The parser recurses: a value nested a thousand times deep can exhaust the stack within the token limit.
      if (error instanceof RangeError)
        return { errors: [limitError('The document is nested too deeply to read.', 'MAX_QUERY_TOKENS')] };
      throw error;
    }
    const { errors: refusals, pageVariables } = this.#checks.check(document);
    if (refusals.length > 0) return { errors: refusals };
    const errors = validate(this.#schema, document, this.#rules).map((error) =>
      withCode(this.#suggestions ? error : withoutSuggestions(error), 'GRAPHQL_VALIDATION_FAILED'),
    );
    // Invalid documents are not cached: a client sending random text must not
    // push the valid ones out.
    if (errors.length > 0) return { errors };

    const prepared: PreparedDocument = { document, pageVariables };
    // A long document is parsed each time it comes, and runs on graphql-js rather
    // than compiled: one of them would push out hundreds of everyday ones.
    if (query.length <= MAX_CACHED_LENGTH) {
      this.#documents.set(query, prepared);
      this.#cached.add(document);
    }
    return prepared;
  }

  /** Runs a prepared document with its compiled executor, compiling it on first use. */
  execute(args: ExecutionArgs): ExecutionResult | Promise<ExecutionResult> {
    const compilation = this.#compile(args.document, args.operationName ?? undefined, this.#counts?.compiled);
    // The document is valid and its operation exists (the endpoint checks both), so
    // a failed compilation is a graphql-jit limitation: graphql-js runs it, only slower.
    if (!compilation) return executeWithGraphQLJs(args);
    return compilation.query(args.rootValue, args.contextValue, args.variableValues);
  }

  /** The response body for a result of `args`: the operation's compiled serializer when it has one. */
  serialize(args: ExecutionArgs, result: ExecutionResult): string {
    // The compiled serializer knows the data's shape, not every error's: errors go through JSON.stringify.
    if (result.errors) return JSON.stringify(result);
    const compilation = this.#compile(args.document, args.operationName ?? undefined);
    return compilation ? compilation.stringify(result) : JSON.stringify(result);
  }

  /** The compiled executor, from the cache when it may; `counts` counts the lookup (once per execution). */
  #compile(document: DocumentNode, operationName: string | undefined, counts?: CacheCounts['compiled']): Compilation {
    if (!this.#cached.has(document)) return null;
    let perOperation = this.#compilations.get(document);
    if (!perOperation) {
      perOperation = new Map();
      this.#compilations.set(document, perOperation);
    }
    const key = operationName ?? '';
    let compilation = perOperation.get(key);
    if (compilation !== undefined) counts?.hit.inc();
    else {
      counts?.miss.inc();
      // customJSONSerializer: a serializer generated for this operation's result
      // shape (fast-json-stringify). Measured here it is no faster than plain
      // JSON.stringify; what it replaces is graphql-http's JSON.stringify with a
      // replacer function, which is.
      const compiled = setsFieldsFromVariables(document)
        ? null
        : compileQuery(this.#schema, document, operationName, { customJSONSerializer: true });
      compilation = compiled && isCompiledQuery(compiled) ? compiled : null;
      perOperation.set(key, compilation);
    }
    return compilation;
  }
}

/**
 * Whether an input object literal takes a field from a variable. graphql-jit
 * passes such a field as null when the variable is not given, where the spec
 * leaves it out (graphql-jit issues #91 and #230): `updateTodo(input: { notes:
 * $notes })` without `$notes` would clear the notes. graphql-js runs these.
 */
function setsFieldsFromVariables(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    ObjectField(field) {
      if (field.value.kind === Kind.VARIABLE) found = true;
    },
  });
  return found;
}
