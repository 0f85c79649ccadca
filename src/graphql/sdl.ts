/** Loads the SDL in schema/*.graphql: the single source of truth for the API. */
import { readFileSync, readdirSync } from 'node:fs';
import { buildSchema, type GraphQLSchema } from 'graphql';

/** schema/ sits two levels above this file both in src/graphql and in dist/graphql. */
const SCHEMA_DIR = new URL('../../schema/', import.meta.url);

/** The SDL files' contents, in file-name order. */
export function readTypeDefs(): string[] {
  return readdirSync(SCHEMA_DIR)
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => readFileSync(new URL(name, SCHEMA_DIR), 'utf8'));
}

/** The schema without resolvers, for code generation and tooling. */
export function buildSchemaFromFiles(): GraphQLSchema {
  return buildSchema(readTypeDefs().join('\n'));
}
