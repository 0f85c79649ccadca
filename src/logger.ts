import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.js';

/**
 * Structured JSON logs on stdout, one object per line.
 *
 * Lines are buffered and written together once 4 KiB have gathered, or every
 * half second, so a busy server makes one write per ~20 requests instead of one
 * per request. Writes stay synchronous: handing each one to libuv's thread pool
 * cost more than the write itself. `flushLogs` runs before every exit; a crash
 * (SIGKILL) loses at most the last half second of lines.
 *
 * Credentials are never logged on purpose (no headers, bodies or query strings);
 * the redaction list is a second line of defence. Its paths are explicit because
 * wildcard paths would slow every log call.
 */
export function createLogger(
  config: Pick<Config, 'logLevel' | 'nodeEnv'>,
  destination: DestinationStream = pino.destination({ dest: 1, sync: true, minLength: 4096, periodicFlush: 500 }),
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
