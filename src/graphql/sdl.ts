/**
 * Loads the SDL: each feature folder's `*.graphql`, beside its resolvers and
 * repository (src/todos/todos.graphql is the tutorial's contract, verbatim).
 * Together they are the single source of truth for the API.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { buildSchema, type GraphQLSchema } from 'graphql';

/** The feature folders sit one level above this file, in src/ and in dist/ (where the build copies the SDL). */
const SOURCE_ROOT = new URL('../', import.meta.url);

/** The SDL files' contents, in file-name order. */
export function readTypeDefs(): string[] {
  return readdirSync(SOURCE_ROOT, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => readFileSync(new URL(name, SOURCE_ROOT), 'utf8'));
}

/** The schema without resolvers, for code generation and tooling. */
export function buildSchemaFromFiles(): GraphQLSchema {
  return buildSchema(readTypeDefs().join('\n'));
}
