/**
 * Entry point: reads the configuration, then runs one server process, or with
 * WORKERS > 1 a cluster of them on one port (src/cluster.ts).
 */
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { runPrimary } from './cluster.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { runInstance } from './instance.js';

// Settings in a local .env file, for development; real environment variables win.
if (existsSync('.env')) process.loadEnvFile('.env');

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

await (config.workers > 1 && cluster.isPrimary ? runPrimary(config) : runInstance(config));
