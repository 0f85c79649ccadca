/**
 * Opaque page cursors. A cursor holds the order it was made for and the sort
 * key and id of its todo, which is all a keyset query needs to continue after
 * (or before) it. base64url of JSON: opaque to clients, easy to debug.
 */
import { isIsoDate } from './due-date.js';
import { PRIORITIES } from './todo.js';

export type OrderField = 'DUE_ON' | 'PRIORITY' | 'CREATED_AT' | 'COMPLETED_AT' | 'POSITION';

export interface Cursor {
  readonly field: OrderField;
  /** The todo's value of the sort key (text or number, as stored; '' for never completed). */
  readonly key: string | number;
  readonly id: number;
}

const FIELDS: readonly OrderField[] = ['DUE_ON', 'PRIORITY', 'CREATED_AT', 'COMPLETED_AT', 'POSITION'];
const isOrderField = (value: unknown): value is OrderField => FIELDS.some((field) => field === value);

/** Largest id an `integer` column holds on both databases. */
const MAX_ID = 2_147_483_647;
/** A fractional index as made by fractional-indexing (base 62), at most MAX_POSITION_LENGTH long. */
const POSITION_KEY = /^[A-Za-z][0-9A-Za-z]{1,99}$/;
/** A time as the server stores it: `toISOString()`. */
const STORED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Whether `key` is a value the `field` column can hold. A cursor is opaque but
 * not trusted: a forged one with a key of the wrong type would reach the
 * database, where PostgreSQL refuses it and SQLite compares it all the same.
 */
function fitsColumn(field: OrderField, key: unknown): key is string | number {
  switch (field) {
    case 'DUE_ON':
      return typeof key === 'string' && isIsoDate(key);
    case 'PRIORITY':
      return Number.isInteger(key) && (key as number) >= 0 && (key as number) < PRIORITIES.length;
    case 'CREATED_AT':
      return typeof key === 'string' && STORED_TIME.test(key);
    case 'COMPLETED_AT':
      return key === '' || (typeof key === 'string' && STORED_TIME.test(key));
    case 'POSITION':
      return typeof key === 'string' && POSITION_KEY.test(key);
  }
}

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
    if (!isOrderField(field) || !fitsColumn(field, key)) return null;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > MAX_ID) return null;
    return { field, key, id };
  } catch {
    return null;
  }
}
