/**
 * Opaque page cursors. A cursor holds the order it was made for and the sort
 * key and id of its todo, which is all a keyset query needs to continue after
 * (or before) it. base64url of JSON: opaque to clients, easy to debug.
 */
export type OrderField = 'DUE_ON' | 'PRIORITY' | 'CREATED_AT' | 'COMPLETED_AT';

export interface Cursor {
  readonly field: OrderField;
  /** The todo's value of the sort key (text or number, as stored; '' for never completed). */
  readonly key: string | number;
  readonly id: number;
}

const FIELDS: readonly OrderField[] = ['DUE_ON', 'PRIORITY', 'CREATED_AT', 'COMPLETED_AT'];
const isOrderField = (value: unknown): value is OrderField => FIELDS.some((field) => field === value);

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.field, cursor.key, cursor.id])).toString('base64url');
}

/** The cursor in `text`, or null when it is not one this server made. */
export function decodeCursor(text: string): Cursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 3) return null;
    const parts: readonly unknown[] = value;
    const [field, key, id] = parts;
    if (!isOrderField(field)) return null;
    if (typeof key !== 'string' && typeof key !== 'number') return null;
    if (typeof id !== 'number' || !Number.isSafeInteger(id)) return null;
    return { field, key, id };
  } catch {
    return null;
  }
}
