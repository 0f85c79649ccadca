import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.js';

/**
 * Structured JSON logs, one object per line. Credentials are never logged on
 * purpose; the redaction list is a second line of defence should one slip into
 * a logged object.
 */
export function createLogger(
  config: Pick<Config, 'logLevel' | 'nodeEnv'>,
  destination: DestinationStream = process.stdout,
): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'todo-graphql', env: config.nodeEnv },
      redact: {
        paths: ['password', '*.password', 'token', '*.token', 'authorization', '*.authorization', 'cookie', '*.cookie'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
