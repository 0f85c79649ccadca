/** Row types of every table, as Kysely sees them. One interface per table. */
import type { Generated } from 'kysely';

export interface TodosTable {
  id: Generated<number>;
  description: string;
  /** SQLite stores 0/1; PostgreSQL a boolean. Read it through `Boolean()`. */
  completed: Generated<boolean | number>;
  /** Calendar date as ISO `YYYY-MM-DD` text on both dialects. */
  due_date: string;
  /** The user the todo belongs to; ANONYMOUS_OWNER for the shared anonymous space. */
  owner_id: Generated<number>;
}

/** Owner id of the anonymous space: user ids start at 1. */
export const ANONYMOUS_OWNER = 0;

/** Times are ISO-8601 UTC text (`toISOString()`) on both dialects. */
type IsoTime = string;

export interface UsersTable {
  id: Generated<number>;
  username: string;
  /** Lower-cased username, unique. */
  username_key: string;
  /** scrypt hash in the format of src/accounts/passwords.ts. */
  password_hash: string;
  created_at: IsoTime;
}

export interface SessionsTable {
  /** Random, unguessable; the JWT's `sid` claim. */
  id: string;
  user_id: number;
  created_at: IsoTime;
  expires_at: IsoTime;
  revoked_at: IsoTime | null;
}

export interface LoginFailuresTable {
  id: Generated<number>;
  username_key: string;
  failed_at: IsoTime;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface Tables {
  todos: TodosTable;
  users: UsersTable;
  sessions: SessionsTable;
  login_failures: LoginFailuresTable;
  settings: SettingsTable;
}
