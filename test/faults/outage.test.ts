/**
 * Outages and slow databases are answered, not suffered: while PostgreSQL is
 * gone, /readyz says so and every operation gets a clean 503 SERVICE_UNAVAILABLE
 * (no hang, no crash, no 500), and the server recovers by itself once it is
 * back. A statement stuck behind a lock ends at DATABASE_TIMEOUT_MS, and an
 * operation past REQUEST_TIMEOUT_MS is answered TIMEOUT, on both databases.
 *
 * Here the outage is a network one, through a TCP proxy the test controls: the
 * server's connections are reset and new ones refused, as in a partition.
 * postgres-restart.test.ts restarts and crashes a real PostgreSQL, and
 * redis-outage.test.ts kills Redis under load.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { postgresTarget, sqliteTarget, type TestDatabase } from '../helpers/databases.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call } from '../helpers/accounts.js';
import { CREATE, writesThroughOutage } from './outage-load.js';

describe('a PostgreSQL outage under load', { skip: postgresTarget.skip, timeout: 120_000 }, () => {
  let db: TestDatabase;
  let outage: TcpProxy;
  let server: TestServer;
  before(async () => {
    db = await postgresTarget.create();
    const direct = new URL(db.url);
    outage = await TcpProxy.start({ host: direct.hostname, port: Number(direct.port || 5432) });
    const proxied = new URL(db.url);
    proxied.port = String(outage.port);
    server = await startTestServer(
      { ...db, location: { dialect: 'postgres', url: proxied.toString() }, url: proxied.toString() },
      { DATABASE_TIMEOUT_MS: '1000' },
    );
  });
  after(async () => {
    await server.close();
    await outage.cut();
    await db.drop();
  });

  it('answers 503 while it lasts, reports not ready, and recovers by itself', async (t) => {
    const figures = await writesThroughOutage(
      server,
      () => outage.cut(),
      () => outage.restore(),
    );
    t.diagnostic(figures);
  });

  it('ends a statement stuck behind a lock at DATABASE_TIMEOUT_MS, and an operation at REQUEST_TIMEOUT_MS', async () => {
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    try {
      await locker.query('begin; lock table todos in access exclusive mode');
      const stuck = await call(server, CREATE, { d: 'behind a lock' });
      assert.equal(stuck.status, 503);
      assert.equal(stuck.body.errors?.[0]?.extensions?.code, 'SERVICE_UNAVAILABLE');
      const budget = await startTestServer(db, { DATABASE_TIMEOUT_MS: '10000', REQUEST_TIMEOUT_MS: '300' });
      try {
        const slow = await call(budget, '{ todos { success } }');
        assert.equal(slow.status, 503);
        assert.equal(slow.body.errors?.[0]?.extensions?.code, 'TIMEOUT');
      } finally {
        await locker.query('rollback');
        await budget.close();
      }
    } finally {
      await locker.end();
    }
  });
});

describe('a SQLite database locked by another process', { skip: sqliteTarget.skip }, () => {
  let db: TestDatabase;
  let server: TestServer;
  before(async () => {
    db = await sqliteTarget.create();
    server = await startTestServer(db, { DATABASE_TIMEOUT_MS: '300' });
  });
  after(async () => {
    await server.close();
    await db.drop();
  });

  it('answers a write that cannot get the lock 503, then writes again once it is free', async () => {
    assert.equal(db.location.dialect, 'sqlite');
    const other = new Database(db.location.file);
    try {
      other.exec('begin immediate');
      const locked = await call(server, CREATE, { d: 'locked out' });
      assert.equal(locked.status, 503, JSON.stringify(locked.body));
      assert.equal(locked.body.errors?.[0]?.extensions?.code, 'SERVICE_UNAVAILABLE');
      other.exec('rollback');
      assert.equal((await call(server, CREATE, { d: 'let in' })).status, 200);
    } finally {
      other.close();
    }
  });
});
