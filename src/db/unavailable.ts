/**
 * Which database errors mean "not now" rather than "wrong": the server is down
 * or restarting, the connection broke, or a statement ran out of time. A client
 * should retry those later; they are answered 503 with SERVICE_UNAVAILABLE
 * rather than as an internal error, and never hang.
 */

/** Node's socket errors, and PostgreSQL's SQLSTATEs for connection loss, shutdown, overload and timeouts. */
const CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08006', // connection_failure
  '53300', // too_many_connections
  '57014', // query_canceled: statement_timeout
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  'SQLITE_BUSY',
]);

/** node-postgres reports some losses only in words. */
const MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error/;

export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code === 'string' && CODES.has(code)) return true;
  if (MESSAGES.test(error.message)) return true;
  // pg wraps the socket error of a failed connect in an AggregateError on some Node versions.
  return error instanceof AggregateError && error.errors.some((inner) => isDatabaseUnavailable(inner));
}

export const UNAVAILABLE_MESSAGE = 'The service is temporarily unavailable: try again in a few seconds.';
/** Seconds a client is told to wait, about what a database restart takes. */
export const RETRY_AFTER_SECONDS = 5;
