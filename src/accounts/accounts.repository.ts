/**
 * Data access for accounts: users, sessions, the failed-login record and the
 * settings table. Everything an instance needs to authenticate a request lives
 * here, in the database, so any instance can serve any request.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { preparedQuery } from '../db/prepared-query.js';
import { ANONYMOUS_OWNER, type Tables } from '../db/tables.js';

type Executor = Kysely<Tables>;

export interface UserRecord {
  readonly id: number;
  readonly username: string;
}

export interface ActiveSession {
  readonly sessionId: string;
  readonly expiresAt: Date;
  readonly user: UserRecord;
}

const now = () => new Date().toISOString();

export async function insertUser(
  db: Executor,
  user: { username: string; usernameKey: string; passwordHash: string },
): Promise<UserRecord | undefined> {
  // ON CONFLICT DO NOTHING: two registrations racing for one name cannot both win,
  // and the loser gets "taken" rather than a constraint error.
  const row = await db
    .insertInto('users')
    .values({
      username: user.username,
      username_key: user.usernameKey,
      password_hash: user.passwordHash,
      created_at: now(),
    })
    .onConflict((conflict) => conflict.column('username_key').doNothing())
    .returning(['id', 'username'])
    .executeTakeFirst();
  return row;
}

export async function findUserForLogin(
  db: Executor,
  usernameKey: string,
): Promise<(UserRecord & { passwordHash: string }) | undefined> {
  const row = await db
    .selectFrom('users')
    .select(['id', 'username', 'password_hash'])
    .where('username_key', '=', usernameKey)
    .where('id', '<>', ANONYMOUS_OWNER)
    .executeTakeFirst();
  return row && { id: row.id, username: row.username, passwordHash: row.password_hash };
}

/** A new session for `userId`, valid for `ttlSeconds`; returns its id and expiry. */
export async function createSession(
  db: Executor,
  userId: number,
  ttlSeconds: number,
): Promise<{ sessionId: string; expiresAt: Date }> {
  const sessionId = randomBytes(24).toString('base64url');
  const createdAt = new Date();
  const expiresAt = new Date(createdAt.getTime() + ttlSeconds * 1000);
  // The user's dead sessions go when a new one starts, so the table holds live ones and a few more.
  await db
    .deleteFrom('sessions')
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('expires_at', '<=', createdAt.toISOString()), eb('revoked_at', 'is not', null)]))
    .execute();
  await db
    .insertInto('sessions')
    .values({
      id: sessionId,
      user_id: userId,
      created_at: createdAt.toISOString(),
      expires_at: expiresAt.toISOString(),
      revoked_at: null,
    })
    .execute();
  return { sessionId, expiresAt };
}

const activeSessionQuery = preparedQuery((db: Executor) =>
  db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id as session_id',
      'sessions.expires_at as expires_at',
      'users.id as user_id',
      'users.username as username',
    ])
    .where('sessions.id', '=', '')
    .where('sessions.revoked_at', 'is', null)
    .where('sessions.expires_at', '>', ''),
);

/** The session and its user, unless it does not exist, was revoked or has expired. */
export async function findActiveSession(db: Executor, sessionId: string): Promise<ActiveSession | undefined> {
  const [row] = (await activeSessionQuery(db, [sessionId, now()])).rows;
  return (
    row && {
      sessionId: row.session_id,
      expiresAt: new Date(row.expires_at),
      user: { id: row.user_id, username: row.username },
    }
  );
}

/** Sessions to look up per statement: well under SQLite's and PostgreSQL's limits on parameters. */
const SESSION_BATCH = 1000;

/**
 * Which of these sessions still exist unrevoked (expiry aside: the caller times
 * that itself). A logout clears `revoked_at`'s null; a new login may delete the row.
 */
export async function unrevokedSessions(db: Executor, sessionIds: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let start = 0; start < sessionIds.length; start += SESSION_BATCH) {
    const rows = await db
      .selectFrom('sessions')
      .select('id')
      .where('id', 'in', sessionIds.slice(start, start + SESSION_BATCH))
      .where('revoked_at', 'is', null)
      .execute();
    for (const row of rows) found.add(row.id);
  }
  return found;
}

export async function revokeSession(db: Executor, sessionId: string): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ revoked_at: now() })
    .where('id', '=', sessionId)
    .where('revoked_at', 'is', null)
    .execute();
}

/**
 * Records a login attempt for `usernameKey` as a failure before its password
 * is checked, unless that would make more than `maxFailures` within the
 * window. Recording first is what makes the throttle hold for concurrent
 * attempts, on every instance: each counts the others' records, so no more
 * than `maxFailures` passwords are ever checked within a window. The caller
 * clears the records if the password matches. A refused attempt leaves no
 * record, and says when the oldest failure leaves the window.
 */
export async function claimLoginAttempt(
  db: Executor,
  usernameKey: string,
  throttle: { readonly maxFailures: number; readonly windowSeconds: number },
): Promise<{ readonly attempt: number } | { readonly refusedUntil: Date }> {
  const windowMs = throttle.windowSeconds * 1000;
  const since = new Date(Date.now() - windowMs);
  const attempt = await db
    .insertInto('login_failures')
    .values({ username_key: usernameKey, failed_at: now() })
    .returning('id')
    .executeTakeFirstOrThrow();
  const row = await db
    .selectFrom('login_failures')
    .select((eb) => [eb.fn.countAll<number | string>().as('count'), eb.fn.min('failed_at').as('oldest')])
    .where('username_key', '=', usernameKey)
    .where('failed_at', '>', since.toISOString())
    .executeTakeFirst();
  if (Number(row?.count ?? 0) <= throttle.maxFailures) return { attempt: attempt.id };
  await db.deleteFrom('login_failures').where('id', '=', attempt.id).execute();
  const oldest = row?.oldest ? new Date(row.oldest).getTime() : Date.now();
  return { refusedUntil: new Date(oldest + windowMs) };
}

/** Forgets failures older than the window (they no longer count) and, after a success, all of them. */
export async function clearFailures(db: Executor, usernameKey: string, before?: Date): Promise<void> {
  let query = db.deleteFrom('login_failures').where('username_key', '=', usernameKey);
  if (before) query = query.where('failed_at', '<=', before.toISOString());
  await query.execute();
}

/** The stored value of `key`, creating it with `create()` the first time (first writer wins). */
export async function settingOrCreate(db: Executor, key: string, create: () => string): Promise<string> {
  await db
    .insertInto('settings')
    .values({ key, value: create() })
    .onConflict((conflict) => conflict.column('key').doNothing())
    .execute();
  const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
  return row.value;
}

/** The users with these ids (for DataLoader: one query per batch); the anonymous space is none. */
export async function findUsers(db: Executor, ids: readonly number[]): Promise<UserRecord[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('users')
    .select(['id', 'username'])
    .where('id', 'in', ids)
    .where('id', '<>', ANONYMOUS_OWNER)
    .execute();
}

/** The user with this username (letter case ignored). */
export async function findUserByName(db: Executor, usernameKey: string): Promise<UserRecord | undefined> {
  return db
    .selectFrom('users')
    .select(['id', 'username'])
    .where('username_key', '=', usernameKey)
    .where('id', '<>', ANONYMOUS_OWNER)
    .executeTakeFirst();
}
