import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { settingOrCreate } from './accounts.repository.js';

/**
 * The secret that signs session tokens: AUTH_SECRET when set (required in
 * production, and the same on every instance); otherwise one generated on first
 * start and kept in the database, so that a laptop's tokens survive restarts
 * without any setup.
 */
export function resolveAuthSecret(config: Pick<Config, 'authSecret'>, database: Database): Promise<string> {
  if (config.authSecret !== undefined) return Promise.resolve(config.authSecret);
  return settingOrCreate(database.db, 'auth_secret', () => randomBytes(48).toString('base64url'));
}
