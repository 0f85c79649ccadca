/**
 * A real PostgreSQL goes away under load and comes back: stopped the way a
 * restart stops it (`fast`: sessions are told the server is shutting down) and
 * the way a crash does (`immediate`: no checkpoint, recovery from WAL on start).
 * Each time, the server answers 503 while it lasts, recovers by itself within
 * seconds of the database's return, and every acknowledged write is there. The
 * cluster is the test's own, so the PostgreSQL other tests share never stops.
 */
import { after, before, describe, it } from 'node:test';
import { postgresTarget, type TestDatabase } from '../helpers/databases.js';
import { PrivatePostgres, privatePostgresUnavailableReason, type ShutdownMode } from '../helpers/private-postgres.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { writesThroughOutage } from './outage-load.js';

const skip = postgresTarget.skip ?? (await privatePostgresUnavailableReason());

describe('a real PostgreSQL restarted under load', { skip, timeout: 180_000 }, () => {
  let cluster: PrivatePostgres;
  let server: TestServer;
  before(async () => {
    cluster = await PrivatePostgres.start();
    const db: TestDatabase = {
      location: { dialect: 'postgres', url: cluster.url },
      url: cluster.url,
      drop: () => Promise.resolve(),
    };
    server = await startTestServer(db, { DATABASE_TIMEOUT_MS: '1000' });
  });
  after(async () => {
    await server.close();
    await cluster.destroy();
  });

  for (const mode of ['fast', 'immediate'] satisfies ShutdownMode[]) {
    it(`recovers when PostgreSQL stops (${mode} mode) and starts again, losing no acknowledged write`, async (t) => {
      const figures = await writesThroughOutage(
        server,
        () => cluster.stop(mode),
        () => cluster.begin(),
      );
      t.diagnostic(figures);
    });
  }
});
