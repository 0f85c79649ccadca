import type { ColumnDefinitionBuilder } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * An integer primary key that never hands out a deleted row's id again:
 * AUTOINCREMENT on SQLite, an identity column on PostgreSQL.
 */
export const generatedId =
  (dialect: Dialect) =>
  (column: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    dialect === 'postgres' ? column.primaryKey().generatedByDefaultAsIdentity() : column.primaryKey().autoIncrement();
