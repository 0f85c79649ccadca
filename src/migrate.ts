/** `npm run migrate`: applies pending migrations to the configured database and exits. */
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';

if (existsSync('.env')) process.loadEnvFile('.env');

try {
  const config = loadConfig();
  const database = openDatabase(config.database, { sqliteSynchronous: config.sqliteSynchronous });
  try {
    const { results = [] } = await migrateToLatest(database);
    if (results.length === 0) console.log('Database is up to date.');
    for (const { migrationName } of results) console.log(`Applied ${migrationName}`);
  } finally {
    await database.close();
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
