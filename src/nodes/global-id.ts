/**
 * Ids unique across types, as Relay's store and other normalized caches key
 * objects by id alone. A todo keeps the tutorial's integer id ("10"); a list's
 * and a user's id is opaque: base64url of "TodoList:10" / "User:10". Clients
 * treat every id as an opaque string. Where an id is taken, a list's plain
 * integer id is still accepted, so clients written before global ids work on.
 */
import { parseId } from '../todos/todo-id.js';

export type GlobalType = 'TodoList' | 'User' | 'Label';

const GLOBAL_ID = /^(TodoList|User|Label):(\d+)$/;

/** Types with global ids: those `node` looks up, and history entries, which it does not. */
type IdType = GlobalType | 'HistoryEntry' | 'WebhookEndpoint' | 'WebhookDelivery';

export const toGlobalId = (type: IdType, id: number): string => Buffer.from(`${type}:${id}`).toString('base64url');

/** The row id of the `type` object `input` names, in its one canonical spelling; null for anything else. */
export function parseGlobalIdOf(type: IdType, input: string): number | null {
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(input)) return null;
  const [named, digits] = Buffer.from(input, 'base64url').toString('utf8').split(':');
  const id = parseId(digits);
  return named === type && id !== null && toGlobalId(type, id) === input ? id : null;
}

/** What an id names: a todo by its integer, or a list, user or label by its global id; null when it names nothing. */
export function fromGlobalId(input: string): { type: GlobalType | 'Todo'; id: number } | null {
  const todoId = parseId(input);
  if (todoId !== null) return { type: 'Todo', id: todoId };
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(input)) return null;
  const match = GLOBAL_ID.exec(Buffer.from(input, 'base64url').toString('utf8'));
  const id = parseId(match?.[2]);
  // Only the canonical spelling: one object, one id.
  return match && id !== null && toGlobalId(match[1] as GlobalType, id) === input
    ? { type: match[1] as GlobalType, id }
    : null;
}

/** The row id of the list `input` names (its global id, or its plain integer id), or null. */
export function parseListId(input: string | null | undefined): number | null {
  if (input == null) return null;
  const named = fromGlobalId(input);
  return named?.type === 'TodoList' || named?.type === 'Todo' ? named.id : null;
}
