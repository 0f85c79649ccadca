/** Row types of every table, as Kysely sees them. One interface per table. */
import type { Generated } from 'kysely';

export interface TodosTable {
  id: Generated<number>;
  description: string;
  /** SQLite stores 0/1; PostgreSQL a boolean. Read it through `Boolean()`. */
  completed: Generated<boolean | number>;
  /** Calendar date as ISO `YYYY-MM-DD` text on both dialects. */
  due_date: string;
  /** The user who created the todo; ANONYMOUS_OWNER for the shared anonymous space (a foreign key). */
  owner_id: Generated<number>;
  /** The list the todo is in (a foreign key: deleting the list deletes its todos). */
  list_id: number;
  notes: string | null;
  /** The Priority's rank: 0 LOW, 1 NORMAL, 2 HIGH, 3 URGENT (see todo.ts). */
  priority: Generated<number>;
  created_at: Generated<IsoTime>;
  updated_at: Generated<IsoTime>;
  completed_at: IsoTime | null;
  /** 1 when made, one more for each write to the row (see migration 0005). */
  version: Generated<number>;
  /** The todo this one is a subtask of (same list; subtasks are one level deep), or null. */
  parent_id: number | null;
  /** Fractional index among its siblings, compared byte by byte (see migration 0011). */
  position: string;
}

export interface ListsTable {
  id: Generated<number>;
  /** The user who owns the list, or ANONYMOUS_OWNER. */
  owner_id: number;
  name: string;
  /** Every owner has exactly one Inbox, which cannot be deleted. */
  is_inbox: Generated<boolean | number>;
  created_at: IsoTime;
  /** 1 when made, one more for each rename. */
  version: Generated<number>;
}

export interface ListMembersTable {
  list_id: number;
  user_id: number;
  /** VIEWER or EDITOR. */
  role: string;
  created_at: IsoTime;
}

/**
 * Owner id of the anonymous space. It is a row of `users` (so every owner_id is
 * a foreign key) that no one can log in as, share with or see as a user.
 */
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

/** One change to a todo or list (migration 0006). */
export interface HistoryTable {
  id: Generated<number>;
  /** The list the change happened in; for a move, the list the todo went to. */
  list_id: number;
  /** For a move, the list the todo left (null once that list is deleted). */
  previous_list_id: number | null;
  /** The todo the change is about; null for a change to the list itself. */
  todo_id: number | null;
  /** Who made the change: a user, or ANONYMOUS_OWNER. */
  actor_id: number;
  /** For SHARED and UNSHARED, the member. */
  member_id: number | null;
  /** CREATED, UPDATED, DELETED, SHARED or UNSHARED. */
  action: string;
  /** JSON `[[field, old, new], …]` (see history/field-changes.ts). */
  changes: string;
  at: IsoTime;
}

/** The first answer to a request sent with an Idempotency-Key (migration 0007). */
export interface IdempotencyKeysTable {
  /** The caller: a user, or ANONYMOUS_OWNER. */
  owner_id: number;
  key: string;
  /** SHA-256 (hex) of the request body. */
  fingerprint: string;
  /** The answer's HTTP status; null while the first request runs. */
  status: number | null;
  content_type: string | null;
  body: string | null;
  created_at: IsoTime;
}

/** What changed for whom, in commit order (migration 0008). */
export interface SyncLogTable {
  /** A bigint on PostgreSQL, which node-postgres reads as a string: read it through `Number()`. */
  seq: Generated<number | string>;
  /** Who may see the change, or just lost sight of the object. */
  user_id: number;
  type: 'Todo' | 'TodoList';
  object_id: number;
  at: IsoTime;
}

/** A user's label (migration 0009). */
export interface LabelsTable {
  id: Generated<number>;
  /** The user whose label it is: only they attach it, rename it or delete it. */
  owner_id: number;
  name: string;
  /** The name lower-cased: unique per owner. */
  name_key: string;
  /** `#rrggbb`, lower-case. */
  color: string;
  created_at: IsoTime;
}

/** Which todo carries which label (migration 0009); rows go with either. */
export interface TodoLabelsTable {
  todo_id: number;
  label_id: number;
}

/** A todo's recurrence rule (migration 0010); at most one per todo. */
export interface TodoRecurrencesTable {
  todo_id: number;
  /** RFC 5545 RRULE text, upper case, without DTSTART (the due date is the start). */
  rule: string;
  /** IANA time zone name. */
  time_zone: string;
  /** Occurrences left under COUNT, the current due date included; null when the rule has no COUNT. */
  remaining: number | null;
}

/** One occurrence of a recurring todo, completed (migration 0010). */
export interface TodoCompletionsTable {
  id: Generated<number>;
  todo_id: number;
  /** The due date completed, ISO `YYYY-MM-DD`. */
  occurrence_on: string;
  completed_at: IsoTime;
  /** A user, or ANONYMOUS_OWNER. */
  completed_by: number;
}

/** An endpoint a user registered for webhooks (migration 0012). */
export interface WebhookEndpointsTable {
  id: Generated<number>;
  owner_id: number;
  url: string;
  /** The event types it receives, as `,TODO_CREATED,LIST_UPDATED,`. */
  events: string;
  /** SQLite stores 0/1; PostgreSQL a boolean. Read it through `Boolean()`. */
  active: Generated<boolean | number>;
  /** The signing secret, encrypted (webhooks/secrets.ts). */
  secret: string;
  created_at: IsoTime;
}

/** One event for one endpoint: the outbox row, and how its delivery stands (migration 0012). */
export interface WebhookDeliveriesTable {
  /** A bigint on PostgreSQL, which node-postgres reads as a string: read it through `Number()`. */
  id: Generated<number | string>;
  endpoint_id: number;
  event_id: string;
  event_type: string;
  /** The JSON body, signed as it is, byte for byte, on every attempt. */
  body: string;
  status: 'PENDING' | 'DELIVERED' | 'FAILED';
  attempts: Generated<number>;
  next_attempt_at: IsoTime;
  /** Until when a worker holds the delivery; past it, another may take it. */
  locked_until: IsoTime | null;
  created_at: IsoTime;
}

/** One attempt to deliver (migration 0012). */
export interface WebhookAttemptsTable {
  id: Generated<number | string>;
  delivery_id: number | string;
  endpoint_id: number;
  event_id: string;
  event_type: string;
  attempt: number;
  status_code: number | null;
  error: string | null;
  delivered: boolean | number;
  at: IsoTime;
  duration_ms: number;
}

export interface Tables {
  todos: TodosTable;
  users: UsersTable;
  sessions: SessionsTable;
  login_failures: LoginFailuresTable;
  settings: SettingsTable;
  lists: ListsTable;
  list_members: ListMembersTable;
  history: HistoryTable;
  idempotency_keys: IdempotencyKeysTable;
  sync_log: SyncLogTable;
  labels: LabelsTable;
  todo_labels: TodoLabelsTable;
  todo_recurrences: TodoRecurrencesTable;
  todo_completions: TodoCompletionsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}
