/**
 * The sync log's numbering follows commit order on PostgreSQL: a writer that
 * logs while another's log rows are still uncommitted waits for it, so a
 * reader can never see a later row before an earlier one and move its cursor
 * past a row that appears afterwards. Run on the real database, below the API,
 * because no request can hold a transaction open between its log and its commit.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type Database } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { ANONYMOUS_OWNER } from '../src/db/tables.js';
import { listEntry } from '../src/history/field-changes.js';
import { changedSince, logChanges } from '../src/sync/sync-log.repository.js';
import { postgresTarget, type TestDatabase } from './helpers/databases.js';

/** A promise and the function that settles it (Promise.withResolvers, which Node 20 lacks). */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve };
}

describe('the sync log on postgres', { skip: postgresTarget.skip }, () => {
  let testDb: TestDatabase;
  let database: Database;
  let inbox = 0;
  before(async () => {
    testDb = await postgresTarget.create();
    database = openDatabase(testDb.location);
    await migrateToLatest(database);
    const row = await database.db
      .selectFrom('lists')
      .select('id')
      .where('owner_id', '=', ANONYMOUS_OWNER)
      .executeTakeFirstOrThrow();
    inbox = row.id;
  });
  after(async () => {
    await database.close();
    await testDb.drop();
  });

  it('makes a second writer wait until the first commits, so positions are seen in order', async () => {
    const entry = listEntry('UPDATED', inbox, [['name', 'a', 'b']]);
    const firstHolds = deferred();
    const firstLogged = deferred();
    const first = database.db.transaction().execute(async (trx) => {
      await logChanges(trx, [entry]);
      firstLogged.resolve();
      await firstHolds.promise;
    });
    let second: Promise<unknown> = Promise.resolve();
    try {
      await firstLogged.promise;
      let secondDone = false;
      second = database.db
        .transaction()
        .execute((trx) => logChanges(trx, [entry]))
        .then(() => (secondDone = true));
      await sleep(300);
      assert.equal(secondDone, false, 'the second writer waits for the first to commit');
      const visible = await changedSince(database.db, ANONYMOUS_OWNER, 0, 10);
      assert.deepEqual(visible.objects, [], 'no position is visible before the one before it');
    } finally {
      firstHolds.resolve();
      await Promise.all([first, second]);
    }
    const seen = await database.db
      .selectFrom('sync_log')
      .select('seq')
      .where('user_id', '=', ANONYMOUS_OWNER)
      .orderBy('seq')
      .execute();
    assert.equal(seen.length, 2);
  });
});
