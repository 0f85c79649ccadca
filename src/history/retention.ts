/**
 * Deletes history older than HISTORY_RETENTION_DAYS: a first batch before the
 * server listens (so no request ever shares the start with it), the rest of a
 * backlog right after, then every hour. Every instance does it; deleting what
 * another instance already deleted deletes nothing, so they need no
 * coordination. A failed run (the database away) is logged and tried again at
 * the next hour.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Tables } from '../db/tables.js';
import { pruneHistory } from './history.repository.js';

const PRUNE_EVERY_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface RetentionOptions {
  readonly db: Kysely<Tables>;
  /** Days an entry is kept; 0 keeps every entry. */
  readonly retentionDays: number;
  readonly log: Logger;
}

function historyRetention(app: FastifyInstance, { db, retentionDays, log }: RetentionOptions, done: () => void): void {
  if (retentionDays === 0) {
    done();
    return;
  }
  let running: Promise<unknown> = Promise.resolve();
  /** Prunes at most `batches` batches; answers whether entries past retention may remain. */
  const prune = async (batches = Infinity): Promise<boolean> => {
    try {
      const cutoff = new Date(Date.now() - retentionDays * DAY_MS).toISOString();
      const { deleted, more } = await pruneHistory(db, cutoff, batches);
      if (deleted > 0) log.info({ deleted, retentionDays }, 'history: deleted entries past retention');
      return more;
    } catch (error) {
      log.warn({ err: error }, 'history: pruning failed; trying again in an hour');
      return false;
    }
  };
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    if (await prune(1)) running = prune();
    timer = setInterval(() => {
      running = prune();
    }, PRUNE_EVERY_MS).unref();
  });
  app.addHook('onClose', async () => {
    clearInterval(timer);
    await running;
  });
  done();
}

export default fp(historyRetention, { name: 'history-retention' });
