/** Largest id both databases can hold in an `integer` column. */
const MAX_TODO_ID = 2_147_483_647;
const CANONICAL_POSITIVE_INTEGER = /^[1-9]\d{0,9}$/;

/**
 * Turns a client-supplied id into a row id, or null when it cannot name a todo
 * ("abc", "", "-1", "1e9", "007", out of range, null). Callers answer null with
 * "not found", so a malformed id never reaches the database.
 */
export function parseTodoId(input: string | null | undefined): number | null {
  if (input == null || !CANONICAL_POSITIVE_INTEGER.test(input)) return null;
  const id = Number(input);
  return id <= MAX_TODO_ID ? id : null;
}

/** The same rule for any row id (lists, users): ids are all positive integers. */
export const parseId = parseTodoId;
