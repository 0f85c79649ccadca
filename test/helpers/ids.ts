/** Ids as clients see them, turned back into the rows a test looks at directly. */
import { fromGlobalId } from '../../src/nodes/global-id.js';

/** The row id behind a list's or a user's global id (or a todo's integer id). */
export function rowIdOf(id: string): number {
  const named = fromGlobalId(id);
  if (named === null) throw new Error(`"${id}" is not an id of this API`);
  return named.id;
}
