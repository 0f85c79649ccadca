/**
 * What an operation may cost, read from its document and the schema before
 * anything runs: the most values its answer can hold. Each field counts one,
 * and a list field counts its selection as many times as the list can be long
 * (list-bounds.ts): a page as its `first`/`last` (a variable as MAX_PAGE_SIZE),
 * the tutorial's unpaged `todos` as MAX_UNPAGED_TODOS, the lists a user sees as
 * MAX_LISTS_PER_USER, and so on. Because the code holds every list to its bound,
 * the count is a true upper bound, not a guess.
 *
 * Introspection is counted apart, against what the full standard introspection
 * query costs on this schema: GraphiQL's and codegen's queries pass, a query
 * nesting `fields { type { fields … } }` to blow the answer up does not.
 *
 * Each fragment is counted once per page size it is used at, so fragments
 * spread twice in fragments spread twice cost their author linear time.
 */
import {
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  getIntrospectionQuery,
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
  parse,
  type ArgumentNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { listFieldBounds, PAGE, type ListBounds } from './list-bounds.js';

export interface OperationCost {
  /** The most values the answer can hold, introspection aside. */
  readonly cost: number;
  /** The same, for `__schema` and `__type`. */
  readonly introspectionCost: number;
  /** Variables given as a page size (`first`/`last`): each request's values are checked before it runs. */
  readonly pageVariables: ReadonlySet<string>;
  /** A page size written in the document that no page may have, or undefined. */
  readonly badPageSize: number | undefined;
}

const PAGE_ARGUMENTS = new Set(['first', 'last']);
const INTROSPECTION = new Set(['__schema', '__type']);

export class CostMeasure {
  readonly #bounds: ReadonlyMap<string, number | typeof PAGE>;
  /** What the full standard introspection query costs: the most an operation's introspection may. */
  readonly introspectionBudget: number;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly listBounds: ListBounds,
  ) {
    this.#bounds = listFieldBounds(schema, listBounds);
    const standard = parse(
      getIntrospectionQuery({
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
      }),
    );
    this.introspectionBudget = this.measure(standard).introspectionCost;
  }

  /** The cost of the operations of `document` (all of them: one request runs one, any of them). */
  measure(document: DocumentNode): OperationCost {
    const fragments = new Map(
      document.definitions
        .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
        .map((fragment) => [fragment.name.value, fragment]),
    );
    const walk = new Walk(this.schema, this.#bounds, this.listBounds.maxPageSize, fragments);
    let cost = 0;
    let introspectionCost = 0;
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      const root = this.schema.getRootType(definition.operation);
      if (!root) continue;
      const counted = walk.selection(definition.selectionSet, root, undefined);
      cost = Math.max(cost, counted.cost);
      introspectionCost = Math.max(introspectionCost, counted.introspection);
    }
    return { cost, introspectionCost, pageVariables: walk.pageVariables, badPageSize: walk.badPageSize };
  }
}

interface Counted {
  readonly cost: number;
  readonly introspection: number;
}

const NOTHING: Counted = { cost: 0, introspection: 0 };

class Walk {
  readonly pageVariables = new Set<string>();
  badPageSize: number | undefined;
  readonly #memo = new Map<string, Counted>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly bounds: ReadonlyMap<string, number | typeof PAGE>,
    private readonly maxPageSize: number,
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  ) {}

  /** `selectionSet` on `type`, inside a page of `pageSize` (undefined outside any connection). */
  selection(selectionSet: SelectionSetNode, type: GraphQLNamedType, pageSize: number | undefined): Counted {
    let cost = 0;
    let introspection = 0;
    for (const selection of selectionSet.selections) {
      let counted: Counted;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition && this.schema.getType(selection.typeCondition.name.value);
        counted = this.selection(selection.selectionSet, condition ?? type, pageSize);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        counted = this.#fragment(selection.name.value, pageSize);
      } else {
        counted = this.#field(selection.name.value, selection, type, pageSize);
      }
      cost += counted.cost;
      introspection += counted.introspection;
    }
    return { cost, introspection };
  }

  #field(name: string, field: FieldNode, type: GraphQLNamedType, pageSize: number | undefined): Counted {
    // __schema and __type are fields of the root query type that getFields() leaves out.
    const meta = name === '__schema' ? SchemaMetaFieldDef : name === '__type' ? TypeMetaFieldDef : undefined;
    const definition = meta ?? (isObjectType(type) || isInterfaceType(type) ? type.getFields()[name] : undefined);
    // __typename, or a field validation will refuse: one value either way.
    if (!definition) return { cost: 1, introspection: 0 };
    const childPage = this.#pageSize(field.arguments ?? []) ?? pageSize;
    const fieldType: GraphQLOutputType = definition.type;
    const itemType: GraphQLNamedType = getNamedType(fieldType);
    const inner = field.selectionSet ? this.selection(field.selectionSet, itemType, childPage) : NOTHING;
    // The field's own value, then what each item of a list (or the one object) holds.
    let cost = 1 + inner.cost + inner.introspection;
    if (isListType(getNullableType(fieldType))) {
      const known = this.bounds.get(`${type.name}.${name}`) ?? 1;
      const bound = known === PAGE ? (pageSize ?? this.maxPageSize) : known;
      // A list of scalars holds a value per item; a list of objects, their selections.
      cost = 1 + bound * (field.selectionSet ? inner.cost + inner.introspection : 1);
    }
    return INTROSPECTION.has(name) ? { cost: 0, introspection: cost } : { cost, introspection: 0 };
  }

  /** The page size `first`/`last` give, the largest allowed for a variable; undefined without either. */
  #pageSize(args: readonly ArgumentNode[]): number | undefined {
    let size: number | undefined;
    for (const argument of args) {
      if (!PAGE_ARGUMENTS.has(argument.name.value)) continue;
      const { value } = argument;
      let given = this.maxPageSize;
      if (value.kind === Kind.INT) {
        given = Number(value.value);
        if (given < 0 || given > this.maxPageSize) this.badPageSize ??= given;
      } else if (value.kind === Kind.VARIABLE) {
        this.pageVariables.add(value.name.value);
      }
      size = Math.max(size ?? 0, Math.min(Math.max(given, 0), this.maxPageSize));
    }
    return size;
  }

  #fragment(name: string, pageSize: number | undefined): Counted {
    const key = `${name}:${pageSize ?? ''}`;
    const known = this.#memo.get(key);
    if (known) return known;
    const fragment = this.fragments.get(name);
    const type = fragment && this.schema.getType(fragment.typeCondition.name.value);
    // A fragment cycle is refused before this runs; memoize first all the same.
    this.#memo.set(key, NOTHING);
    const counted = fragment && type ? this.selection(fragment.selectionSet, type, pageSize) : NOTHING;
    this.#memo.set(key, counted);
    return counted;
  }
}
