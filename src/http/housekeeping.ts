/**
 * Deleting what has outlived its time: history past HISTORY_RETENTION_DAYS,
 * idempotency keys past IDEMPOTENCY_KEY_TTL_SECONDS. Each chore runs one batch
 * before the server listens (so no request ever shares the start with it), the
 * rest of a backlog right after, then every hour.
 *
 * Every instance does it; deleting what another instance already deleted
 * deletes nothing, so they need no coordination. A failed run (the database
 * away) is logged and tried again at the next hour.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';

const EVERY_MS = 60 * 60 * 1000;

/** Deletes what is past its time, at most `batches` batches; answers how many, and whether more may remain. */
export interface Chore {
  readonly name: string;
  run(batches: number): Promise<{ readonly deleted: number; readonly more: boolean }>;
}

export interface HousekeepingOptions {
  readonly chores: readonly Chore[];
  readonly log: Logger;
}

function housekeeping(app: FastifyInstance, { chores, log }: HousekeepingOptions, done: () => void): void {
  const running = new Set<Promise<boolean>>();
  /** Runs a chore for at most `batches` batches; answers whether more may remain. */
  const run = (chore: Chore, batches = Infinity): Promise<boolean> => {
    const work = (async () => {
      try {
        const { deleted, more } = await chore.run(batches);
        if (deleted > 0)
          log.info({ chore: chore.name, deleted }, `housekeeping: deleted ${chore.name} past their time`);
        return more;
      } catch (error) {
        log.warn(
          { err: error, chore: chore.name },
          `housekeeping: deleting ${chore.name} failed; trying again in an hour`,
        );
        return false;
      }
    })();
    running.add(work);
    void work.finally(() => running.delete(work));
    return work;
  };
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    for (const chore of chores) if (await run(chore, 1)) void run(chore);
    timer = setInterval(() => {
      for (const chore of chores) void run(chore);
    }, EVERY_MS).unref();
  });
  app.addHook('onClose', async () => {
    clearInterval(timer);
    await Promise.all(running);
  });
  done();
}

export default fp(housekeeping, { name: 'housekeeping' });
