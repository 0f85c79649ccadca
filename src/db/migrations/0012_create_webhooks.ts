import { generatedId } from './columns.js';
import type { Migration } from './index.js';

/**
 * Webhooks (src/webhooks/): the endpoints users register, the outbox of
 * deliveries, and the log of every attempt.
 *
 * A delivery row is written in the transaction of the change it announces
 * (webhooks/outbox.ts), so a change that commits always has its deliveries and
 * one that rolls back has none. Workers claim rows with a lease
 * (`locked_until`): a worker that dies mid-delivery loses its claim when the
 * lease runs out, and another sends the delivery again.
 */
export const createWebhooks: Migration = {
  async up(db, dialect) {
    const id64 = dialect === 'postgres' ? 'bigint' : 'integer';
    await db.schema
      .createTable('webhook_endpoints')
      .addColumn('id', 'integer', generatedId(dialect))
      .addColumn('owner_id', 'integer', (column) => column.notNull().references('users.id').onDelete('cascade'))
      .addColumn('url', 'text', (column) => column.notNull())
      // ",TODO_CREATED,TODO_UPDATED,": one LIKE finds an event type's endpoints.
      .addColumn('events', 'text', (column) => column.notNull())
      .addColumn('active', 'boolean', (column) => column.notNull().defaultTo(true))
      // Encrypted with a key derived from AUTH_SECRET (webhooks/secrets.ts).
      .addColumn('secret', 'text', (column) => column.notNull())
      .addColumn('created_at', 'text', (column) => column.notNull())
      .execute();
    await db.schema.createIndex('webhook_endpoints_by_owner').on('webhook_endpoints').column('owner_id').execute();

    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('id', id64, generatedId(dialect))
      .addColumn('endpoint_id', 'integer', (column) =>
        column.notNull().references('webhook_endpoints.id').onDelete('cascade'),
      )
      // The `webhook-id` header: one per event and audience, the same on every retry.
      .addColumn('event_id', 'text', (column) => column.notNull())
      .addColumn('event_type', 'text', (column) => column.notNull())
      .addColumn('body', 'text', (column) => column.notNull())
      // PENDING, DELIVERED or FAILED.
      .addColumn('status', 'text', (column) => column.notNull())
      .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'text', (column) => column.notNull())
      .addColumn('locked_until', 'text')
      .addColumn('created_at', 'text', (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex('webhook_deliveries_due')
      .on('webhook_deliveries')
      .columns(['status', 'next_attempt_at'])
      .execute();
    await db.schema
      .createIndex('webhook_deliveries_by_endpoint')
      .on('webhook_deliveries')
      .columns(['endpoint_id', 'id'])
      .execute();

    await db.schema
      .createTable('webhook_attempts')
      .addColumn('id', id64, generatedId(dialect))
      .addColumn('delivery_id', id64, (column) =>
        column.notNull().references('webhook_deliveries.id').onDelete('cascade'),
      )
      .addColumn('endpoint_id', 'integer', (column) => column.notNull())
      .addColumn('event_id', 'text', (column) => column.notNull())
      .addColumn('event_type', 'text', (column) => column.notNull())
      .addColumn('attempt', 'integer', (column) => column.notNull())
      // The receiver's HTTP status; null when there was none (error says why).
      .addColumn('status_code', 'integer')
      .addColumn('error', 'text')
      .addColumn('delivered', 'boolean', (column) => column.notNull())
      .addColumn('at', 'text', (column) => column.notNull())
      .addColumn('duration_ms', 'integer', (column) => column.notNull())
      .execute();
    await db.schema
      .createIndex('webhook_attempts_by_endpoint')
      .on('webhook_attempts')
      .columns(['endpoint_id', 'id'])
      .execute();
    await db.schema.createIndex('webhook_attempts_by_delivery').on('webhook_attempts').column('delivery_id').execute();
    await db.schema.createIndex('webhook_attempts_by_time').on('webhook_attempts').column('at').execute();
  },
};
