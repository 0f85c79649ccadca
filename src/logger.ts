import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.js';

/**
 * Structured JSON logs on stdout, one object per line.
 *
 * Writes are asynchronous: lines logged while a write is in flight go out
 * together in the next one, so a busy server makes a few large writes instead
 * of a system call per request. `flushLogs` must run before the process exits.
 *
 * Credentials are never logged on purpose (no headers, bodies or query strings);
 * the redaction list is a second line of defence. Its paths are explicit because
 * wildcard paths would slow every log call.
 */
export function createLogger(
  config: Pick<Config, 'logLevel' | 'nodeEnv'>,
  destination: DestinationStream = pino.destination({ dest: 1, sync: false }),
): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'todo-graphql', env: config.nodeEnv },
      redact: {
        paths: ['password', 'token', 'authorization', 'cookie', 'headers.authorization', 'headers.cookie'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/** Resolves once every line logged so far has been written. */
export function flushLogs(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    logger.flush(() => resolve());
  });
}
