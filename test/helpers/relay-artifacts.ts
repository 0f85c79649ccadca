/**
 * Relay without relay-compiler. A Relay app never hands the runtime a GraphQL
 * string: relay-compiler turns each `graphql` tagged document into an artifact
 * (a ConcreteRequest) that says how to normalize the response into the store
 * and how to read it back. The compiler is a native binary, not a dependency
 * here, so `compile` builds the same artifact shape it emits for the plain
 * documents these tests use (fields with literal or variable arguments, inline
 * fragments on object types, one operation), against the schema the server
 * itself reports by introspection, as the compiler's schema file would be. The
 * runtime (Environment, Network, Store, fetchQuery, commitMutation) then works
 * on it exactly as on a compiled artifact, and the text sent is the document
 * verbatim. Anything the compiler would do beyond that (fragment spreads,
 * directives, adding `id` and `__typename` selections) is refused rather than
 * imitated, so a document must select `__typename` on abstract fields itself.
 */
import { createHash } from 'node:crypto';
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  getNullableType,
  isAbstractType,
  isCompositeType,
  isListType,
  isObjectType,
  isUnionType,
  Kind,
  parse,
  validate,
  valueFromASTUntyped,
  visit,
  type ArgumentNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type IntrospectionQuery,
  type SelectionSetNode,
} from 'graphql';
import type { ConcreteRequest } from 'relay-runtime';

type Argument =
  | { readonly kind: 'Literal'; readonly name: string; readonly value: unknown }
  | { readonly kind: 'Variable'; readonly name: string; readonly variableName: string };

/** The selections of an artifact, in the shape both its reader and its normalization parts take. */
type Selection =
  | {
      readonly kind: 'ScalarField';
      readonly alias: string | null;
      readonly name: string;
      readonly args: readonly Argument[] | null;
      readonly storageKey: null;
    }
  | {
      readonly kind: 'LinkedField';
      readonly alias: string | null;
      readonly name: string;
      readonly args: readonly Argument[] | null;
      readonly storageKey: null;
      readonly concreteType: string | null;
      readonly plural: boolean;
      readonly selections: readonly Selection[];
    }
  | {
      readonly kind: 'InlineFragment';
      readonly type: string;
      readonly abstractKey: null;
      readonly selections: readonly Selection[];
    };

/** The server's schema from its introspection, what a Relay project downloads for its compiler. */
export async function introspect(graphqlUrl: string): Promise<GraphQLSchema> {
  const response = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: getIntrospectionQuery() }),
  });
  const { data } = (await response.json()) as { data: IntrospectionQuery };
  return buildClientSchema(data);
}

function argument(node: ArgumentNode): Argument {
  const name = node.name.value;
  if (node.value.kind === Kind.VARIABLE) return { kind: 'Variable', name, variableName: node.value.name.value };
  visit(node.value, {
    Variable() {
      throw new Error('relay-artifacts: a variable inside a literal argument needs relay-compiler');
    },
  });
  return { kind: 'Literal', name, value: valueFromASTUntyped(node.value) };
}

function select(schema: GraphQLSchema, set: SelectionSetNode, parent: GraphQLCompositeType): Selection[] {
  return set.selections.map((node): Selection => {
    if (node.kind === Kind.FRAGMENT_SPREAD) throw new Error('relay-artifacts: fragment spreads need relay-compiler');
    if (node.directives?.length) throw new Error('relay-artifacts: directives need relay-compiler');
    if (node.kind === Kind.INLINE_FRAGMENT) {
      const type = node.typeCondition ? schema.getType(node.typeCondition.name.value) : parent;
      if (!isObjectType(type)) throw new Error('relay-artifacts: only inline fragments on object types');
      return {
        kind: 'InlineFragment',
        type: type.name,
        abstractKey: null,
        selections: select(schema, node.selectionSet, type),
      };
    }
    const name = node.name.value;
    const alias = node.alias?.value ?? null;
    const args = node.arguments?.length ? node.arguments.map(argument) : null;
    if (name === '__typename') return { kind: 'ScalarField', alias, name, args, storageKey: null };
    const field = isUnionType(parent) ? undefined : parent.getFields()[name];
    if (!field) throw new Error(`relay-artifacts: ${parent.name} has no field ${name}`);
    const type = getNamedType(field.type);
    if (!node.selectionSet) return { kind: 'ScalarField', alias, name, args, storageKey: null };
    if (!isCompositeType(type)) throw new Error(`relay-artifacts: ${name} has no fields to select`);
    return {
      kind: 'LinkedField',
      alias,
      name,
      args,
      storageKey: null,
      concreteType: isAbstractType(type) ? null : type.name,
      plural: isListType(getNullableType(field.type)),
      selections: select(schema, node.selectionSet, type),
    };
  });
}

/** The artifact relay-compiler would emit for `text`, which must be valid against `schema`. */
export function compile(schema: GraphQLSchema, text: string): ConcreteRequest {
  const document = parse(text);
  const errors = validate(schema, document);
  if (errors.length > 0) throw new Error(`relay-artifacts: ${errors.map((error) => error.message).join(' ')}`);
  const [operation, ...others] = document.definitions;
  if (operation?.kind !== Kind.OPERATION_DEFINITION || others.length > 0) {
    throw new Error('relay-artifacts: one operation per document');
  }
  const root = schema.getRootType(operation.operation);
  if (!root) throw new Error(`relay-artifacts: the schema has no ${operation.operation} type`);
  // Relay names every operation; the compiler would refuse an anonymous one, this names it.
  const name = operation.name?.value ?? `anonymous_${operation.operation}`;
  const argumentDefinitions = (operation.variableDefinitions ?? []).map((definition) => ({
    kind: 'LocalArgument' as const,
    name: definition.variable.name.value,
    defaultValue: definition.defaultValue ? valueFromASTUntyped(definition.defaultValue) : null,
  }));
  const selections = select(schema, operation.selectionSet, root);
  return {
    kind: 'Request',
    fragment: {
      kind: 'Fragment',
      name,
      type: root.name,
      abstractKey: null,
      metadata: null,
      argumentDefinitions,
      selections,
    },
    operation: { kind: 'Operation', name, argumentDefinitions, selections },
    params: {
      id: null,
      cacheID: createHash('md5').update(text).digest('hex'),
      name,
      operationKind: operation.operation,
      text,
      metadata: {},
    },
  };
}
