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

/** Told of every SQL statement once it has run: its text, how long it took, whether it failed. */
export type StatementObserver = (sqlText: string, ms: number, failed: boolean) => void;

/** What the PostgreSQL pool holds right now. */
export interface PoolStats {
  readonly total: number;
  readonly idle: number;
  /** Requests waiting for a connection. */
  readonly waiting: number;
}

export interface Database {
  readonly dialect: Dialect;
  readonly db: Kysely<Tables>;
  /** Tells `observer` of every statement from now on (metrics time them); returns the way to stop. */
  observeStatements(observer: StatementObserver): () => void;
  /** The pool's connections (PostgreSQL), or undefined (SQLite has one connection, no pool). */
  poolStats(): PoolStats | undefined;
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

/**
 * Where statements are reported: to the tests' `onStatement` and to every
 * observer. Kysely times them only when it has a log, and timing costs little.
 */
class StatementReports {
  readonly observers = new Set<StatementObserver>();

  constructor(private readonly onStatement: ((sqlText: string) => void) | undefined) {}

  report: StatementObserver = (sqlText, ms, failed) => {
    this.onStatement?.(sqlText);
    for (const observer of this.observers) observer(sqlText, ms, failed);
  };

  /** Kysely's `log` option, reporting each statement it runs. */
  readonly kyselyLog: KyselyConfig['log'] = (event) => {
    this.report(event.query.sql, event.queryDurationMillis, event.level === 'error');
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
  const reports = new StatementReports(options.onStatement);
  const opened =
    location.dialect === 'sqlite'
      ? { db: openSqlite(location.file, options, reports), pool: undefined }
      : openPostgres(location.url, options, reports);
  const { db, pool } = opened;
  return {
    dialect: location.dialect,
    db,
    observeStatements(observer) {
      reports.observers.add(observer);
      return () => reports.observers.delete(observer);
    },
    poolStats: () => pool && { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount },
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}

function openSqlite(file: string, options: DatabaseOptions, reports: StatementReports): Kysely<Tables> {
  mkdirSync(path.dirname(file), { recursive: true });
  const database = new SQLite(file);
  // WAL lets readers proceed during a write. With synchronous=NORMAL a committed
  // write survives a process crash; FULL also survives a power loss.
  database.pragma('journal_mode = WAL');
  database.pragma(`synchronous = ${options.sqliteSynchronous ?? 'NORMAL'}`);
  database.pragma(`busy_timeout = ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS}`);
  database.pragma('foreign_keys = ON');
  const statements = sqliteForKysely(database, reports.report);
  const db = new Kysely<Tables>({
    dialect: new SerializedSqliteDialect({ database: statements }),
    log: reports.kyselyLog,
  });
  registerSqlite(db as Kysely<unknown>, statements);
  return db;
}

function openPostgres(
  connectionString: string,
  options: DatabaseOptions,
  reports: StatementReports,
): { db: Kysely<Tables>; pool: pg.Pool } {
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
  return { db: new Kysely<Tables>({ dialect: new PostgresDialect({ pool }), log: reports.kyselyLog }), pool };
}
