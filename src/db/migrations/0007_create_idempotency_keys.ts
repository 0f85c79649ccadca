import type { Migration } from './index.js';

/**
 * Idempotency keys: the first answer to each (caller, key), so a retried
 * request is answered again rather than run again (http/idempotency.ts). A
 * row without a status is a request still running.
 */
export const createIdempotencyKeys: Migration = {
  async up(db) {
    await db.schema
      .createTable('idempotency_keys')
      .addColumn('owner_id', 'integer', (column) => column.notNull())
      .addColumn('key', 'text', (column) => column.notNull())
      // SHA-256 of the request body: the same key with another body is refused.
      .addColumn('fingerprint', 'text', (column) => column.notNull())
      .addColumn('status', 'integer')
      .addColumn('content_type', 'text')
      .addColumn('body', 'text')
      .addColumn('created_at', 'text', (column) => column.notNull())
      .addPrimaryKeyConstraint('idempotency_keys_pk', ['owner_id', 'key'])
      .execute();
    await db.schema.createIndex('idempotency_keys_by_time').on('idempotency_keys').column('created_at').execute();
  },
};
