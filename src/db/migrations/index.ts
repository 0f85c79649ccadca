/**
 * Versioned schema migrations, applied in the order of their names. A migration,
 * once released, is never edited: change the schema by adding the next one.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { createTodos } from './0001_create_todos.js';
import { createAccounts } from './0002_create_accounts.js';
import { createLists } from './0003_create_lists.js';
import { addForeignKeys } from './0004_add_foreign_keys.js';
import { addVersions } from './0005_add_versions.js';
import { createHistory } from './0006_create_history.js';
import { createIdempotencyKeys } from './0007_create_idempotency_keys.js';
import { createSyncLog } from './0008_create_sync_log.js';
import { createLabels } from './0009_create_labels.js';
import { addRecurrence } from './0010_add_recurrence.js';
import { addSubtasksAndPositions } from './0011_add_subtasks_and_positions.js';
import { createWebhooks } from './0012_create_webhooks.js';

export interface Migration {
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
}

export const migrations: Readonly<Record<string, Migration>> = {
  '0001_create_todos': createTodos,
  '0002_create_accounts': createAccounts,
  '0003_create_lists': createLists,
  '0004_add_foreign_keys': addForeignKeys,
  '0005_add_versions': addVersions,
  '0006_create_history': createHistory,
  '0007_create_idempotency_keys': createIdempotencyKeys,
  '0008_create_sync_log': createSyncLog,
  '0009_create_labels': createLabels,
  '0010_add_recurrence': addRecurrence,
  '0011_add_subtasks_and_positions': addSubtasksAndPositions,
  '0012_create_webhooks': createWebhooks,
};
