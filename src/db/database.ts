/**
 * Opens the configured database behind one Kysely instance, so every repository
 * runs the same code on embedded SQLite and on PostgreSQL.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, type KyselyConfig } from 'kysely';
import pg from 'pg';
import type { DatabaseLocation, SqliteSynchronous } from '../config.js';
import { SerializedSqliteDialect } from './sqlite-dialect.js';
import { registerSqlite, sqliteForKysely } from './sqlite-statements.js';
import type { Tables } from './tables.js';

export type Dialect = DatabaseLocation['dialect'];

export interface Database {
  readonly dialect: Dialect;
  readonly db: Kysely<Tables>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  readonly poolSize?: number;
  /**
   * Longest wait for the database, in ms: for a connection from the pool, for a
   * statement (PostgreSQL's statement_timeout) and for a lock (SQLite's busy timeout).
   */
  readonly timeoutMs?: number;
  readonly sqliteSynchronous?: SqliteSynchronous;
  /** Called with errors of idle pooled connections (e.g. the server restarted). */
  readonly onPoolError?: (error: Error) => void;
  /** Called with every SQL statement sent, whichever path sends it (tests count them). */
  readonly onStatement?: (sqlText: string) => void;
}

const DEFAULT_TIMEOUT_MS = 5000;

function statementLog(onStatement: ((sqlText: string) => void) | undefined): KyselyConfig['log'] {
  if (!onStatement) return undefined;
  return (event) => {
    if (event.level === 'query') onStatement(event.query.sql);
  };
}

/**
 * Keeps PostgreSQL DATE values as their 'YYYY-MM-DD' text: turning them into a
 * JavaScript Date would shift them by the process's time zone.
 */
function postgresTypes(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.DATE, (value: string) => value);
  return types;
}

export function openDatabase(location: DatabaseLocation, options: DatabaseOptions = {}): Database {
  const db = location.dialect === 'sqlite' ? openSqlite(location.file, options) : openPostgres(location.url, options);
  return {
    dialect: location.dialect,
    db,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}

function openSqlite(file: string, options: DatabaseOptions): Kysely<Tables> {
  mkdirSync(path.dirname(file), { recursive: true });
  const database = new SQLite(file);
  // WAL lets readers proceed during a write. With synchronous=NORMAL a committed
  // write survives a process crash; FULL also survives a power loss.
  database.pragma('journal_mode = WAL');
  database.pragma(`synchronous = ${options.sqliteSynchronous ?? 'NORMAL'}`);
  database.pragma(`busy_timeout = ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS}`);
  database.pragma('foreign_keys = ON');
  const statements = sqliteForKysely(database, options.onStatement);
  const db = new Kysely<Tables>({
    dialect: new SerializedSqliteDialect({ database: statements }),
    log: statementLog(options.onStatement),
  });
  registerSqlite(db as Kysely<unknown>, statements);
  return db;
}

function openPostgres(connectionString: string, options: DatabaseOptions): Kysely<Tables> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pool = new pg.Pool({
    connectionString,
    max: options.poolSize ?? 10,
    types: postgresTypes(),
    // The server never waits on PostgreSQL for ever: not for a connection, nor
    // for a statement, nor for an answer that a dead connection will never send.
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs + 1000,
  });
  // A client losing its connection must not crash the process. The pool listens
  // to idle clients only; one checked out (say, between a transaction's
  // statements) would raise an unhandled 'error', so every client gets a listener.
  // Its query in flight fails on its own; the pool replaces the client.
  pool.on('error', (error) => options.onPoolError?.(error));
  pool.on('connect', (client) => client.on('error', (error) => options.onPoolError?.(error)));
  return new Kysely<Tables>({ dialect: new PostgresDialect({ pool }), log: statementLog(options.onStatement) });
}
