import { Migrator, type MigrationResultSet } from 'kysely';
import type { Database } from './database.js';
import { migrations } from './migrations/index.js';

/** Applies every migration not yet applied. Safe to run from several instances at once. */
export async function migrateToLatest(database: Database): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db: database.db,
    provider: {
      getMigrations: () =>
        Promise.resolve(
          Object.fromEntries(
            Object.entries(migrations).map(([name, migration]) => [
              name,
              { up: (db) => migration.up(db, database.dialect) },
            ]),
          ),
        ),
    },
  });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed`, { cause: result.error });
  }
  return result;
}
