/**
 * What watches an operation while it runs: its metrics (counted once it has
 * settled) and its span in the request's trace (the context its resolvers, and
 * so its SQL statements, run in). Nothing at all when both are off.
 */
import type { Context } from '@opentelemetry/api';
import type { ExecutionArgs, ExecutionResult } from 'graphql';
import type { Metrics } from '../metrics/metrics.js';
import { Tracing } from '../tracing/tracing.js';
import { variableErrors } from './errors.js';
import type { PreparedOperation } from './operations.js';

export interface Observers {
  readonly metrics: Metrics | undefined;
  readonly tracing: Tracing | undefined;
}

export interface Observation {
  /** The context to run the operation in, when it has a span. */
  readonly context: Context | undefined;
  /** Called once with the operation's result (a TIMEOUT answer included). */
  readonly settled: (result: ExecutionResult) => void;
}

export function observeOperation(args: ExecutionArgs, { metrics, tracing }: Observers): Observation | undefined {
  if (!metrics && !tracing) return undefined;
  const prepared = 'operationType' in args ? (args as PreparedOperation) : undefined;
  const type = prepared?.operationType ?? 'unknown';
  const parent = prepared?.contextValue.traceContext;
  const traced =
    tracing && prepared && parent
      ? tracing.startOperation(parent, type, prepared.graphqlName, prepared.documentHash)
      : undefined;
  const started = performance.now();
  return {
    context: traced?.context,
    settled(result) {
      // Coded as the client will see them (finish codes variables' errors the same way).
      const errors = result.errors && variableErrors(result).errors;
      metrics?.operation(type, prepared?.graphqlName, errors, performance.now() - started);
      if (traced) Tracing.endOperation(traced.span, errors);
    },
  };
}
