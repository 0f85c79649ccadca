/**
 * Text that no database can store as it was sent: the NUL character, which
 * PostgreSQL refuses in text (SQLite would store it, and its LIKE would stop
 * reading a pattern there and match everything), and unpaired UTF-16
 * surrogates, which are not Unicode and would be stored as U+FFFD.
 *
 * Every `String` a client sends, written in the document or in its variables,
 * is checked before anything runs, so both databases answer the same
 * BAD_USER_INPUT and nothing is stored. `ID`s are not: they are read as
 * numbers, and one that is not a number is simply not found.
 */
import {
  BREAK,
  GraphQLError,
  GraphQLString,
  Kind,
  TypeInfo,
  getNamedType,
  isInputObjectType,
  isListType,
  isNonNullType,
  typeFromAST,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';

const STRING = GraphQLString.name;

const isStorable = (text: string): boolean => !text.includes('\u0000') && text.isWellFormed();

const refusal = (where: string) =>
  new GraphQLError(
    `${where} holds text that cannot be stored: the NUL character (U+0000) or an unpaired surrogate. Send valid Unicode text without NUL.`,
    { extensions: { code: 'BAD_USER_INPUT' } },
  );

/** A `String` literal of `document` that is not storable text, as an error; undefined when there is none. */
export function documentTextError(schema: GraphQLSchema, document: DocumentNode): GraphQLError | undefined {
  const typeInfo = new TypeInfo(schema);
  const found = { unstorable: false };
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      [Kind.STRING](node) {
        const type = typeInfo.getInputType();
        if (!type || getNamedType(type).name !== STRING || isStorable(node.value)) return undefined;
        found.unstorable = true;
        return BREAK;
      },
    }),
  );
  return found.unstorable ? refusal('A string in the document') : undefined;
}

/** The first `String` in the variables of `operation` that is not storable text, as an error naming it. */
export function variablesTextError(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): GraphQLError | undefined {
  if (!variables) return undefined;
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type);
    if (!type || !(name in variables)) continue;
    const path = firstUnstorable(variables[name], type as GraphQLInputType, `$${name}`);
    if (path !== undefined) return refusal(`Variable "${path}"`);
  }
  return undefined;
}

/**
 * Follows the value along its input type, depth-first without recursion
 * (variables nest as deep as a megabyte of JSON allows): the path of the first
 * unstorable string, or undefined. Values of the wrong shape are left to the
 * variables' coercion, which words its own refusal.
 */
function firstUnstorable(value: unknown, type: GraphQLInputType, path: string): string | undefined {
  const pending: [unknown, GraphQLInputType, string][] = [[value, type, path]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, itemType, where] = next;
    const nullable = isNonNullType(itemType) ? itemType.ofType : itemType;
    if (isListType(nullable)) {
      const of: GraphQLInputType = nullable.ofType;
      if (Array.isArray(item))
        item.forEach((element: unknown, index) => pending.push([element, of, `${where}[${index}]`]));
      else pending.push([item, of, where]);
    } else if (isInputObjectType(nullable)) {
      if (typeof item !== 'object' || item === null) continue;
      const fields = nullable.getFields();
      for (const [key, element] of Object.entries(item)) {
        const field = fields[key];
        if (field) pending.push([element, field.type, `${where}.${key}`]);
      }
    } else if (nullable.name === STRING && typeof item === 'string' && !isStorable(item)) {
      return where;
    }
  }
  return undefined;
}
