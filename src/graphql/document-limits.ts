/**
 * Limits that refuse a hostile document before it costs anything: checked once
 * per distinct document, after parsing (which the token limit already bounds)
 * and before the full validation. Each check runs on its own, so the first
 * refusal stops the work and its error names the setting that refused it.
 *
 * Depth, aliases and directives are graphql-armor's rules. Root fields and cost
 * are ours: armor's cost rule does not count page sizes, and the cost of a page
 * is what a client can really multiply.
 */
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  GraphQLError,
  Kind,
  NoFragmentCyclesRule,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationRule,
} from 'graphql';
import { withCode } from './errors.js';

export interface DocumentLimits {
  readonly maxTokens: number;
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxDirectives: number;
  readonly maxRootFields: number;
  readonly maxCost: number;
  /** What `first`/`last` from a variable counts as: the most a page may hold. */
  readonly maxPageSize: number;
}

export const LIMIT_EXCEEDED = 'QUERY_LIMIT_EXCEEDED';

/** A refusal naming the setting behind it. */
export function limitError(message: string, setting: string): GraphQLError {
  return new GraphQLError(`${message} (${setting})`, { extensions: { code: LIMIT_EXCEEDED, limit: setting } });
}

/** The first limit `document` breaks, as errors; empty when it keeps them all. */
export function checkLimits(schema: GraphQLSchema, document: DocumentNode, limits: DocumentLimits): GraphQLError[] {
  // A fragment cycle would send the counting below round for ever: refuse it first.
  const cycles = validate(schema, document, [NoFragmentCyclesRule]);
  if (cycles.length > 0) return cycles.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED'));
  const armorChecks: [ValidationRule, string][] = [
    [maxDepthRule({ n: limits.maxDepth, exposeLimits: true, flattenFragments: true }), 'MAX_QUERY_DEPTH'],
    [maxAliasesRule({ n: limits.maxAliases, exposeLimits: true }), 'MAX_QUERY_ALIASES'],
    [maxDirectivesRule({ n: limits.maxDirectives, exposeLimits: true }), 'MAX_QUERY_DIRECTIVES'],
  ];
  for (const [rule, setting] of armorChecks) {
    const error = armorRefusal(schema, document, rule);
    // armor words its refusals as syntax errors; they are not.
    if (error) return [limitError(error.message.replace(/^Syntax Error: /, ''), setting)];
  }
  const fragments = new Map(
    document.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const measure = new Measure(fragments, limits.maxPageSize);
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const rootFields = measure.fields(definition.selectionSet);
    if (rootFields > limits.maxRootFields) {
      return [
        limitError(
          `The operation asks for ${rootFields} root fields; at most ${limits.maxRootFields} are allowed.`,
          'MAX_QUERY_ROOT_FIELDS',
        ),
      ];
    }
    const cost = measure.cost(definition.selectionSet);
    if (cost > limits.maxCost) {
      return [limitError(`The operation may cost ${cost}; at most ${limits.maxCost} is allowed.`, 'MAX_QUERY_COST')];
    }
  }
  return [];
}

/** armor's rules throw their refusal out of validate() rather than report it. */
function armorRefusal(schema: GraphQLSchema, document: DocumentNode, rule: ValidationRule): GraphQLError | undefined {
  try {
    return validate(schema, document, [rule])[0];
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
}

/**
 * Counts over a document's selections, each fragment once: a fragment spread
 * twice in a fragment spread twice… must not cost its author exponential time.
 */
class Measure {
  readonly #fields = new Map<string, number>();
  readonly #costs = new Map<string, number>();

  constructor(
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    private readonly maxPageSize: number,
  ) {}

  /** The fields selected directly in `selectionSet`, through fragments. */
  fields(selectionSet: SelectionSetNode): number {
    let count = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) count += 1;
      else if (selection.kind === Kind.INLINE_FRAGMENT) count += this.fields(selection.selectionSet);
      else count += this.#fragment(selection.name.value, this.#fields, (set) => this.fields(set));
    }
    return count;
  }

  /**
   * How many values the selection may produce at most: each field counts one,
   * and a field paged by `first`/`last` counts its selection that many times (a
   * variable as the largest page allowed). Unpaged lists count once: they are a
   * user's few lists and members, or the tutorial's `todos`, which predates paging.
   */
  cost(selectionSet: SelectionSetNode): number {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) cost += this.cost(selection.selectionSet);
      else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        cost += this.#fragment(selection.name.value, this.#costs, (set) => this.cost(set));
      } else {
        let pageSize = 1;
        for (const argument of selection.arguments ?? []) {
          if (argument.name.value !== 'first' && argument.name.value !== 'last') continue;
          if (argument.value.kind === Kind.INT) pageSize = Number(argument.value.value);
          else if (argument.value.kind === Kind.VARIABLE) pageSize = this.maxPageSize;
        }
        cost += 1 + pageSize * (selection.selectionSet ? this.cost(selection.selectionSet) : 0);
      }
    }
    return cost;
  }

  #fragment(name: string, memo: Map<string, number>, measure: (selectionSet: SelectionSetNode) => number): number {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const fragment = this.fragments.get(name);
    const value = fragment ? measure(fragment.selectionSet) : 0;
    memo.set(name, value);
    return value;
  }
}
