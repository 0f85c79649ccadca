/** Assembles the executable schema: the SDL of every feature folder plus every feature's resolvers. */
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import type { Resolvers } from './resolvers-types.generated.js';
import { resolvers as featureResolvers } from './resolvers.js';
import { readTypeDefs } from './sdl.js';

export class MissingResolverError extends Error {
  constructor(readonly fields: readonly string[]) {
    super(`No resolver for ${fields.join(', ')}: every root field needs one (see src/graphql/resolvers.ts)`);
    this.name = 'MissingResolverError';
  }
}

export function buildExecutableSchema(
  typeDefs: readonly string[] = readTypeDefs(),
  resolvers: readonly Resolvers[] = featureResolvers,
): GraphQLSchema {
  const schema = makeExecutableSchema({
    typeDefs: [...typeDefs],
    resolvers: [...resolvers],
    // A resolver for a field the SDL does not have is a typo or a leftover.
    resolverValidationOptions: { requireResolversToMatchSchema: 'error' },
  });
  assertRootResolvers(schema);
  return schema;
}

/**
 * Root fields have no parent object to read a default value from, so one without
 * a resolver would answer null (or fail non-null checks) on every call. Refuse to
 * start instead, naming each such field.
 */
function assertRootResolvers(schema: GraphQLSchema): void {
  const missing: string[] = [];
  for (const type of [schema.getQueryType(), schema.getMutationType()]) {
    for (const field of Object.values(type?.getFields() ?? {})) {
      if (!field.resolve) missing.push(`${type?.name}.${field.name}`);
    }
  }
  const subscriptionType = schema.getSubscriptionType();
  for (const field of Object.values(subscriptionType?.getFields() ?? {})) {
    if (!field.subscribe) missing.push(`${subscriptionType?.name}.${field.name}`);
  }
  if (missing.length > 0) throw new MissingResolverError(missing);
}
