/**
 * Limits that refuse a hostile document before it costs anything: checked once
 * per distinct document, after parsing (which the token limit already bounds)
 * and before the full validation. Each check runs on its own, so the first
 * refusal stops the work and its error names the setting that refused it.
 *
 * Depth, aliases and directives are graphql-armor's rules. Root fields, cost
 * (query-cost.ts), page sizes and credential checks are ours: armor's cost rule
 * knows neither page sizes nor how long each of our lists can be.
 */
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  GraphQLError,
  Kind,
  NoFragmentCyclesRule,
  OperationTypeNode,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationRule,
} from 'graphql';
import { withCode } from './errors.js';
import { documentTextError } from './input-text.js';
import type { ListBounds } from './list-bounds.js';
import { CostMeasure } from './query-cost.js';

export interface DocumentLimits {
  readonly maxTokens: number;
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxDirectives: number;
  readonly maxRootFields: number;
  readonly maxCost: number;
}

export const LIMIT_EXCEEDED = 'QUERY_LIMIT_EXCEEDED';

/** A refusal naming the setting (or rule) behind it. */
export function limitError(message: string, setting: string): GraphQLError {
  return new GraphQLError(`${message} (${setting})`, { extensions: { code: LIMIT_EXCEEDED, limit: setting } });
}

/** Mutations that check a password: scrypt's work is what a flood of aliases would multiply. */
const CREDENTIAL_CHECKS = new Set(['login', 'register']);

export interface CheckedDocument {
  /** Why the document may not run; empty when it keeps every limit. */
  readonly errors: readonly GraphQLError[];
  /** Variables given as page sizes, whose values each request must keep within 0..MAX_PAGE_SIZE. */
  readonly pageVariables: ReadonlySet<string>;
}

export class DocumentChecks {
  readonly #cost: CostMeasure;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly limits: DocumentLimits,
    private readonly bounds: ListBounds,
  ) {
    this.#cost = new CostMeasure(schema, bounds);
  }

  /** The first limit `document` breaks, as errors, and what each request must check of its variables. */
  check(document: DocumentNode): CheckedDocument {
    const none = new Set<string>();
    // A fragment cycle would send the counting below round for ever: refuse it first.
    const cycles = validate(this.schema, document, [NoFragmentCyclesRule]);
    if (cycles.length > 0) {
      return { errors: cycles.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED')), pageVariables: none };
    }
    const { limits } = this;
    const armorChecks: [ValidationRule, string][] = [
      [maxDepthRule({ n: limits.maxDepth, exposeLimits: true, flattenFragments: true }), 'MAX_QUERY_DEPTH'],
      [maxAliasesRule({ n: limits.maxAliases, exposeLimits: true }), 'MAX_QUERY_ALIASES'],
      [maxDirectivesRule({ n: limits.maxDirectives, exposeLimits: true }), 'MAX_QUERY_DIRECTIVES'],
    ];
    for (const [rule, setting] of armorChecks) {
      const error = armorRefusal(this.schema, document, rule);
      // armor words its refusals as syntax errors; they are not.
      if (error)
        return { errors: [limitError(error.message.replace(/^Syntax Error: /, ''), setting)], pageVariables: none };
    }
    const refusal = this.#rootFieldRefusal(document);
    if (refusal) return { errors: [refusal], pageVariables: none };

    const badText = documentTextError(this.schema, document);
    if (badText) return { errors: [badText], pageVariables: none };
    const { cost, introspectionCost, pageVariables, badPageSize } = this.#cost.measure(document);
    if (badPageSize !== undefined) {
      return { errors: [pageSizeError(badPageSize, this.bounds.maxPageSize)], pageVariables: none };
    }
    if (cost > limits.maxCost) {
      return {
        errors: [limitError(`The operation may cost ${cost}; at most ${limits.maxCost} is allowed.`, 'MAX_QUERY_COST')],
        pageVariables: none,
      };
    }
    const budget = this.#cost.introspectionBudget;
    if (introspectionCost > budget) {
      const message = `The operation's introspection may cost ${introspectionCost}; at most ${budget}, what the full introspection query costs, is allowed.`;
      return { errors: [limitError(message, 'MAX_QUERY_COST')], pageVariables: none };
    }
    return { errors: [], pageVariables };
  }

  /** Too many root fields, or more than one password check, in any operation. */
  #rootFieldRefusal(document: DocumentNode): GraphQLError | undefined {
    const fragments = new Map(
      document.definitions
        .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
        .map((fragment) => [fragment.name.value, fragment]),
    );
    const rootFields = new RootFields(fragments);
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      const { fields, credentialChecks } = rootFields.count(definition.selectionSet);
      if (fields > this.limits.maxRootFields) {
        return limitError(
          `The operation asks for ${fields} root fields; at most ${this.limits.maxRootFields} are allowed.`,
          'MAX_QUERY_ROOT_FIELDS',
        );
      }
      if (definition.operation === OperationTypeNode.MUTATION && credentialChecks > 1) {
        return limitError(
          `The operation checks a password ${credentialChecks} times: send one login or register per request.`,
          'ONE_CREDENTIAL_CHECK',
        );
      }
    }
    return undefined;
  }
}

/** A page size outside 0..MAX_PAGE_SIZE: the document (or its variables) cannot run. */
export function pageSizeError(size: unknown, maxPageSize: number): GraphQLError {
  return new GraphQLError(
    `Page sizes ("first", "last") are from 0 to ${maxPageSize} (MAX_PAGE_SIZE); ${JSON.stringify(size)} is not.`,
    { extensions: { code: 'BAD_USER_INPUT' } },
  );
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

interface RootFieldCount {
  readonly fields: number;
  readonly credentialChecks: number;
}

/**
 * Counts the fields selected directly in a selection set, through fragments,
 * each fragment counted once: a fragment spread twice in a fragment spread
 * twice… must not cost its author exponential time.
 */
class RootFields {
  readonly #memo = new Map<string, RootFieldCount>();

  constructor(private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>) {}

  count(selectionSet: SelectionSetNode): RootFieldCount {
    let fields = 0;
    let credentialChecks = 0;
    for (const selection of selectionSet.selections) {
      let counted: RootFieldCount;
      if (selection.kind === Kind.FIELD) {
        counted = { fields: 1, credentialChecks: CREDENTIAL_CHECKS.has(selection.name.value) ? 1 : 0 };
      } else if (selection.kind === Kind.INLINE_FRAGMENT) counted = this.count(selection.selectionSet);
      else counted = this.#fragment(selection.name.value);
      fields += counted.fields;
      credentialChecks += counted.credentialChecks;
    }
    return { fields, credentialChecks };
  }

  #fragment(name: string): RootFieldCount {
    const known = this.#memo.get(name);
    if (known) return known;
    const fragment = this.fragments.get(name);
    const counted = fragment ? this.count(fragment.selectionSet) : { fields: 0, credentialChecks: 0 };
    this.#memo.set(name, counted);
    return counted;
  }
}
