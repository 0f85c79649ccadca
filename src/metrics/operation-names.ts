/**
 * Operation names as metric label values. A name comes from the client's
 * document, so the set is the client's to choose: a script sending a new name
 * with each request would otherwise make a new series each time, until
 * Prometheus (and this process) ran out of memory. The first `max` distinct
 * names keep their own series; every later one is counted as "other", and
 * operations without a name as "anonymous". Only operations that ran are
 * named (a refused one never takes a place), and names longer than
 * MAX_NAME_LENGTH count as "other". With trusted documents, every name is one
 * the team shipped, and `max` only needs to exceed how many there are.
 */
export const ANONYMOUS_OPERATION = 'anonymous';
export const OTHER_OPERATIONS = 'other';
/** Longer names count as "other": a label value is not the place for an essay. */
export const MAX_NAME_LENGTH = 64;

export class OperationNames {
  readonly #known = new Set<string>();

  constructor(private readonly max: number) {}

  /** The label value for an operation named `name`. */
  label(name: string | undefined): string {
    if (name === undefined) return ANONYMOUS_OPERATION;
    if (this.#known.has(name)) return name;
    if (this.#known.size >= this.max || name.length > MAX_NAME_LENGTH) return OTHER_OPERATIONS;
    this.#known.add(name);
    return name;
  }
}
