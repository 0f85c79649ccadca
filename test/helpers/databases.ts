/**
 * The databases every black-box suite runs on: a fresh SQLite file, and a fresh
 * PostgreSQL database on TEST_DATABASE_URL (default: the local server). Without a
 * reachable PostgreSQL the PostgreSQL suites are skipped with the reason, except
 * under CI=true, where that is a failure.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { DatabaseLocation } from '../../src/config.js';

export interface TestDatabase {
  readonly location: DatabaseLocation;
  /** The value to put in DATABASE_URL for a server process. */
  readonly url: string;
  drop(): Promise<void>;
}

export interface DatabaseTarget {
  readonly name: 'sqlite' | 'postgres';
  /** Set when this target cannot run here; the suite is skipped with this reason. */
  readonly skip?: string;
  create(): Promise<TestDatabase>;
}

const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const sqliteTarget: DatabaseTarget = {
  name: 'sqlite',
  create() {
    const dir = mkdtempSync(path.join(tmpdir(), 'todo-graphql-test-'));
    const file = path.join(dir, 'todo.db');
    return Promise.resolve({
      location: { dialect: 'sqlite', file },
      url: `sqlite://${file}`,
      drop: () => {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    });
  },
};

async function postgresUnavailableReason(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    const reason = `PostgreSQL at ${adminUrl} is not reachable (${(error as Error).message})`;
    if (process.env.CI === 'true') throw new Error(`${reason}; under CI it is required.`);
    return `${reason}; set TEST_DATABASE_URL to run these tests.`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function withAdmin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

const postgresSkip = await postgresUnavailableReason();

export const postgresTarget: DatabaseTarget = {
  name: 'postgres',
  ...(postgresSkip ? { skip: postgresSkip } : {}),
  async create() {
    const name = `todo_test_${randomBytes(6).toString('hex')}`;
    await withAdmin(`create database ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return {
      location: { dialect: 'postgres', url: url.toString() },
      url: url.toString(),
      drop: () => withAdmin(`drop database if exists ${name} with (force)`),
    };
  },
};

export const databaseTargets: readonly DatabaseTarget[] = [sqliteTarget, postgresTarget];
