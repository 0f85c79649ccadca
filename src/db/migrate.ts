import { Migrator, type MigrationResultSet } from 'kysely';
import type { Database } from './database.js';
import { migrations } from './migrations/index.js';

function migratorFor(database: Database): Migrator {
  return new Migrator({
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
}

/** Applies every migration not yet applied. Safe to run from several instances at once. */
export async function migrateToLatest(database: Database): Promise<MigrationResultSet> {
  return checked(await migratorFor(database).migrateToLatest());
}

/** Applies the migrations up to and including `name`: for tests of upgrades from an older schema. */
export async function migrateUpTo(database: Database, name: keyof typeof migrations): Promise<MigrationResultSet> {
  return checked(await migratorFor(database).migrateTo(name));
}

function checked(result: MigrationResultSet): MigrationResultSet {
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed`, { cause: result.error });
  }
  return result;
}
