/**
 * What a change changed, field by field, as history records it: each value
 * written the way the field's GraphQL type serializes it (an enum's name, a
 * date `YYYY-MM-DD`, `true`/`false`, a list's global id), so a client shows an
 * entry without knowing how anything is stored.
 */
import type { Selectable } from 'kysely';
import type { TodosTable } from '../db/tables.js';
import { toGlobalId } from '../nodes/global-id.js';
import { priorityOfRank } from '../todos/todo.js';

export type HistoryAction = 'CREATED' | 'UPDATED' | 'DELETED' | 'SHARED' | 'UNSHARED';
export const HISTORY_ACTIONS: readonly HistoryAction[] = ['CREATED', 'UPDATED', 'DELETED', 'SHARED', 'UNSHARED'];

/** A field, its value before and its value after; null where there was none. */
export type ChangedField = readonly [field: string, oldValue: string | null, newValue: string | null];

/**
 * The most fields one entry names: a todo's tracked fields (see trackedFields:
 * labels among them), and a recurring todo's `recurrence` and
 * `completedOccurrence` (src/recurrence).
 */
export const MAX_CHANGED_FIELDS = 11;

/** A change about to be recorded, by whoever the caller is. */
export interface NewHistoryEntry {
  readonly action: HistoryAction;
  readonly listId: number;
  readonly previousListId: number | null;
  readonly todoId: number | null;
  readonly memberId: number | null;
  readonly changes: readonly ChangedField[];
}

export type TrackedTodo = Pick<
  Selectable<TodosTable>,
  'id' | 'description' | 'notes' | 'priority' | 'due_date' | 'completed' | 'list_id' | 'parent_id' | 'position'
> & {
  /**
   * The todo's labels as history shows them (see labels/label-edits.repository.ts), given
   * on both sides by the writes that change them, and by no other: a write that
   * does not name them does not read them.
   */
  readonly labels?: string | null;
};

function trackedFields(todo: TrackedTodo): [string, string | null][] {
  const labels: [string, string | null][] = todo.labels === undefined ? [] : [['labels', todo.labels]];
  return [
    ['description', todo.description],
    ['notes', todo.notes],
    ['priority', priorityOfRank(todo.priority)],
    ['dueOn', todo.due_date],
    ['completed', String(Boolean(todo.completed))],
    ['list', toGlobalId('TodoList', todo.list_id)],
    ['parent', todo.parent_id === null ? null : String(todo.parent_id)],
    ['position', todo.position],
    ...labels,
  ];
}

/** The fields that differ between two states of a todo; a side that does not exist has nulls. */
export function todoChanges(before: TrackedTodo | undefined, after: TrackedTodo | undefined): ChangedField[] {
  const old = new Map(before ? trackedFields(before) : []);
  const now = new Map(after ? trackedFields(after) : []);
  const fields = [...new Set([...old.keys(), ...now.keys()])];
  return fields.flatMap((field): ChangedField[] => {
    const from = old.get(field) ?? null;
    const to = now.get(field) ?? null;
    return from === to ? [] : [[field, from, to]];
  });
}

/**
 * The entry for a todo going from `before` to `after` (made when there is no
 * before, deleted when there is no after). A write that changed no field it
 * tracks (completing a completed todo) gives an entry without changes: history
 * leaves it out, but the todo's version moved, and sync still tells its readers.
 */
export function todoEntry(
  before: TrackedTodo | undefined,
  after: TrackedTodo | undefined,
): NewHistoryEntry | undefined {
  const todo = after ?? before;
  if (!todo) return undefined;
  const moved = before !== undefined && after !== undefined && before.list_id !== after.list_id;
  return {
    action: before === undefined ? 'CREATED' : after === undefined ? 'DELETED' : 'UPDATED',
    listId: todo.list_id,
    previousListId: moved ? before.list_id : null,
    todoId: todo.id,
    memberId: null,
    changes: todoChanges(before, after),
  };
}

/** An entry about a list itself: made, renamed, or (un)shared with `memberId`. */
export function listEntry(
  action: HistoryAction,
  listId: number,
  changes: readonly ChangedField[],
  memberId: number | null = null,
): NewHistoryEntry {
  return { action, listId, previousListId: null, todoId: null, memberId, changes };
}

/** Parses what `encodeChanges` stored; anything else reads as no changes rather than failing a page. */
export function decodeChanges(text: string): ChangedField[] {
  try {
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value)) return [];
    return value.filter(
      (item): item is ChangedField =>
        Array.isArray(item) &&
        item.length === 3 &&
        typeof item[0] === 'string' &&
        item.slice(1).every((part: unknown) => part === null || typeof part === 'string'),
    );
  } catch {
    return [];
  }
}

export const encodeChanges = (changes: readonly ChangedField[]): string => JSON.stringify(changes);
