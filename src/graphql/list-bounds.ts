/**
 * How long each list in an answer can be. The cost rule multiplies by these
 * bounds, so they must hold: each is a documented cap that the code enforces
 * (a page's `first`/`last`, the tutorial's unpaged `todos`, the lists a user
 * sees, a list's members, a bulk operation's ids), or a fact of the code (an
 * input type has few fields, so it has few errors).
 *
 * Every list-typed field of the schema needs an entry: `listFieldBounds`
 * throws at start naming any field without one, so a new list field cannot
 * slip past the cost rule uncounted.
 */
import {
  getNullableType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  type GraphQLSchema,
} from 'graphql';
import { MAX_CHANGED_FIELDS } from '../history/field-changes.js';
import { MAX_LABELS_PER_TODO, MAX_LABELS_PER_USER } from '../labels/label-input.js';
import { MAX_COMPLETIONS, MAX_NEXT_OCCURRENCES } from '../recurrence/recurrence.resolvers.js';
import { webhookListBounds } from '../webhooks/webhook-settings.js';

export interface ListBounds {
  /** Most todos one page of a connection holds (MAX_PAGE_SIZE). */
  readonly maxPageSize: number;
  /** Most todos the tutorial's unpaged `todos` answers (MAX_UNPAGED_TODOS); past it, it asks for pages. */
  readonly maxUnpagedTodos: number;
  /** Most lists a user sees, owned and shared (MAX_LISTS_PER_USER). */
  readonly maxListsPerUser: number;
  /** Most members a list is shared with (MAX_MEMBERS_PER_LIST). */
  readonly maxMembersPerList: number;
  /** Most webhook endpoints a user has (WEBHOOK_MAX_ENDPOINTS_PER_USER). */
  readonly maxWebhookEndpointsPerUser: number;
  /** Most attempts one webhook delivery gets (WEBHOOK_MAX_ATTEMPTS). */
  readonly maxWebhookAttempts: number;
}

/** Most ids one bulk operation takes. */
export const MAX_BULK = 100;

/** An input type's errors: at most one per field, and no input type has this many fields. */
const INPUT_ERRORS = 10;

/** A connection's edges: as many as its page, which the cost rule reads from `first`/`last`. */
export const PAGE = 'page';

/** The bound of each list field, `Type.field`: a number, or PAGE for a connection's edges. */
export function listFieldBounds(schema: GraphQLSchema, bounds: ListBounds): ReadonlyMap<string, number | typeof PAGE> {
  const known: Record<string, number | typeof PAGE> = {
    // The tutorial's payloads say one thing when they fail.
    'TodoResult.errors': 1,
    'TodosResult.errors': 1,
    'DeleteTodoResult.errors': 1,
    'TodosResult.todos': bounds.maxUnpagedTodos,
    'TodoPayload.errors': INPUT_ERRORS,
    'TodoListPayload.errors': INPUT_ERRORS,
    'DeleteTodoListPayload.errors': INPUT_ERRORS,
    'BulkTodosPayload.errors': MAX_BULK,
    'BulkTodosPayload.todos': MAX_BULK,
    'DeleteTodosPayload.errors': MAX_BULK,
    'DeleteTodosPayload.deletedIds': MAX_BULK,
    'Query.lists': bounds.maxListsPerUser,
    // Refused past MAX_PAGE_SIZE ids.
    'Query.nodes': bounds.maxPageSize,
    'TodoList.members': bounds.maxMembersPerList,
    'TodoConnection.edges': PAGE,
    'HistoryConnection.edges': PAGE,
    // `first` of changesSince, which is a page size.
    'SyncPage.changes': PAGE,
    'HistoryEntry.changes': MAX_CHANGED_FIELDS,
    // Refused past these when made and attached.
    'Query.labels': MAX_LABELS_PER_USER,
    'Todo.labels': MAX_LABELS_PER_TODO,
    'LabelPayload.errors': INPUT_ERRORS,
    'DeleteLabelPayload.errors': INPUT_ERRORS,
    // Refused past these `first`s.
    'Recurrence.nextOccurrences': MAX_NEXT_OCCURRENCES,
    'Todo.completions': MAX_COMPLETIONS,
    ...webhookListBounds(bounds),
    ...introspectionBounds(schema),
  };
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const key = `${type.name}.${field.name}`;
      if (isListType(getNullableType(field.type)) && !(key in known)) missing.push(key);
    }
  }
  if (missing.length > 0) {
    throw new Error(`No bound for the list field(s) ${missing.join(', ')}: add each to src/graphql/list-bounds.ts`);
  }
  return new Map(Object.entries(known));
}

/** Introspection's lists are as long as this schema makes them, and no longer. */
function introspectionBounds(schema: GraphQLSchema): Record<string, number> {
  const types = Object.values(schema.getTypeMap());
  const longest = (lengths: readonly number[]) => Math.max(0, ...lengths);
  const outputFields = types
    .filter((type) => isObjectType(type) || isInterfaceType(type))
    .map((type) => Object.values(type.getFields()));
  const inputFields = types.filter((type) => isInputObjectType(type)).map((type) => Object.keys(type.getFields()));
  const directives = schema.getDirectives();
  const args = [
    ...outputFields.flat().map((field) => field.args.length),
    ...directives.map((directive) => directive.args.length),
  ];
  return {
    '__Schema.types': types.length,
    '__Schema.directives': directives.length,
    '__Type.fields': longest(outputFields.map((fields) => fields.length)),
    '__Type.inputFields': longest(inputFields.map((fields) => fields.length)),
    '__Type.interfaces': longest(
      types.filter((type) => isObjectType(type) || isInterfaceType(type)).map((type) => type.getInterfaces().length),
    ),
    '__Type.possibleTypes': longest(
      types.filter((type) => isAbstractType(type)).map((type) => schema.getPossibleTypes(type).length),
    ),
    '__Type.enumValues': longest(types.filter((type) => isEnumType(type)).map((type) => type.getValues().length)),
    '__Field.args': longest(args),
    '__Directive.args': longest(args),
    '__Directive.locations': longest(directives.map((directive) => directive.locations.length)),
  };
}
