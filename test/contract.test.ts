/**
 * The tutorial's SDL is served verbatim: every type, field, argument and
 * nullability it declares, checked through introspection of the running server.
 * Descriptions and new API may be added beside it; nothing in it may change.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  isObjectType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { MissingResolverError, buildExecutableSchema } from '../src/graphql/schema.js';
import { readTypeDefs } from '../src/graphql/sdl.js';
import { sqliteTarget, type TestDatabase } from './helpers/databases.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const tutorialSdl = readFileSync(new URL('fixtures/tutorial-schema.graphql', import.meta.url), 'utf8');

/** A type's fields as `name(arg: Type, …): Type` lines, which is what the contract fixes. */
function signature(type: GraphQLNamedType): string[] {
  if (!isObjectType(type)) return [type.toString()];
  return Object.values(type.getFields()).map((field) => {
    const args = field.args.map((arg) => `${arg.name}: ${arg.type.toString()}`).join(', ');
    return `${field.name}(${args}): ${field.type.toString()}`;
  });
}

describe('the tutorial contract', () => {
  let db: TestDatabase;
  let server: TestServer;
  let served: GraphQLSchema;

  before(async () => {
    db = await sqliteTarget.create();
    server = await startTestServer(db);
    served = buildClientSchema(await server.data<IntrospectionQuery>(getIntrospectionQuery()));
  });
  after(async () => {
    await server.close();
    await db.drop();
  });

  it('serves every type, field, argument and nullability of the tutorial SDL', () => {
    const tutorial = buildSchema(tutorialSdl);
    assert.equal(served.getQueryType()?.name, tutorial.getQueryType()?.name);
    assert.equal(served.getMutationType()?.name, tutorial.getMutationType()?.name);
    for (const type of Object.values(tutorial.getTypeMap())) {
      if (type.name.startsWith('__')) continue;
      const servedType = served.getType(type.name);
      assert.ok(servedType, `type ${type.name} is served`);
      const servedFields = new Set(signature(servedType));
      for (const field of signature(type)) {
        assert.ok(servedFields.has(field), `${type.name}.${field} is served exactly`);
      }
    }
  });

  it('describes every type and field it serves', () => {
    for (const type of Object.values(served.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Boolean', 'ID', 'Int', 'Float'].includes(type.name)) continue;
      assert.ok(type.description, `type ${type.name} has a description`);
      if (!isObjectType(type)) continue;
      for (const field of Object.values(type.getFields())) {
        assert.ok(field.description, `${type.name}.${field.name} has a description`);
      }
    }
  });
});

describe('schema assembly', () => {
  it('refuses to build when a root field has no resolver, naming the field', () => {
    const typeDefs = [...readTypeDefs(), 'extend type Query { forgotten: String }'];
    assert.throws(
      () => buildExecutableSchema(typeDefs),
      (error: unknown) => error instanceof MissingResolverError && /Query\.forgotten/.test(error.message),
    );
  });

  it('refuses to build when a resolver names a field the SDL does not have', () => {
    assert.throws(
      () => buildExecutableSchema(readTypeDefs(), [{ Query: { todoz: () => null } } as never]),
      /Query\.todoz defined in resolvers, but not in schema/,
    );
  });
});
