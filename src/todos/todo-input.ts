/**
 * Checks a `TodoInput` and turns it into column changes. The same input serves
 * `addTodo` (description required) and `updateTodo` (only the fields present
 * change; an explicit null clears `notes` and is refused where a value is required).
 */
import type { AccountError } from '../accounts/credentials.js';
import { parseListId } from '../nodes/global-id.js';
import { parseTodoId } from './todo-id.js';
import { checkRecurrenceInput, type RecurrenceInputFields } from '../recurrence/recurrence-input.js';
import type { RecurrenceRule } from '../recurrence/rule.js';
import { priorityRank, type Priority } from './todo.js';

/** The schema's `TodoInput`, as resolvers receive it: an absent field is `undefined`, an explicit one may be null. */
export interface TodoInputFields {
  readonly description?: string | null;
  readonly notes?: string | null;
  readonly dueOn?: string | null;
  readonly priority?: Priority | null;
  readonly completed?: boolean | null;
  readonly list?: string | null;
  readonly parent?: string | null;
  /** A recurrence rule; null clears it (see src/recurrence). */
  readonly recurrence?: RecurrenceInputFields | null;
}

/** Column values to write; only the keys present change. */
export interface TodoChanges {
  description?: string;
  notes?: string | null;
  due_date?: string;
  /** Rank, as stored. */
  priority?: number;
  completed?: boolean;
  /** A list id the caller names; the caller must be allowed to change it. */
  listId?: number;
  /** The todo to make this one a subtask of; null makes it top-level. */
  parentId?: number | null;
  /** A rule to set, or null to clear it: not a column, see recurrence.repository.ts. */
  recurrence?: RecurrenceRule | null;
}

export type InputError =
  AccountError | { readonly message: string; readonly code: string; readonly field: string | null };

const MAX_DESCRIPTION = 1000;
const MAX_NOTES = 10_000;

/** Why `description` cannot be a todo's description, or null when it can. */
export function descriptionProblem(description: string): string | null {
  return description.trim() === '' || description.length > MAX_DESCRIPTION
    ? `A description has 1 to ${MAX_DESCRIPTION} characters, not only spaces.`
    : null;
}

export function checkTodoInput(
  input: TodoInputFields,
  mode: 'create' | 'update',
): { changes: TodoChanges; errors: InputError[] } {
  const changes: TodoChanges = {};
  const errors: InputError[] = [];
  const refuseNull = (field: keyof TodoInputFields) =>
    errors.push({ message: `"${field}" cannot be null.`, code: 'INVALID_VALUE', field });

  if (input.description === undefined) {
    if (mode === 'create') {
      errors.push({ message: 'A todo needs a description.', code: 'REQUIRED', field: 'description' });
    }
  } else if (input.description === null) {
    refuseNull('description');
  } else if (descriptionProblem(input.description) !== null) {
    errors.push({
      message: descriptionProblem(input.description) ?? '',
      code: 'INVALID_DESCRIPTION',
      field: 'description',
    });
  } else {
    changes.description = input.description;
  }

  if (input.notes !== undefined) {
    if (input.notes !== null && input.notes.length > MAX_NOTES) {
      errors.push({ message: `Notes have at most ${MAX_NOTES} characters.`, code: 'INVALID_NOTES', field: 'notes' });
    } else {
      changes.notes = input.notes;
    }
  }

  for (const field of ['dueOn', 'priority', 'completed', 'list'] as const) {
    if (input[field] === null) refuseNull(field);
  }
  if (typeof input.dueOn === 'string') changes.due_date = input.dueOn;
  if (typeof input.priority === 'string') changes.priority = priorityRank(input.priority);
  if (typeof input.completed === 'boolean') changes.completed = input.completed;
  if (typeof input.list === 'string') {
    const listId = parseListId(input.list);
    if (listId === null) errors.push(notFound('list', input.list));
    else changes.listId = listId;
  }
  if (input.parent === null) {
    if (mode === 'update') changes.parentId = null;
  } else if (input.parent !== undefined) {
    const parentId = parseTodoId(input.parent);
    if (parentId === null) errors.push(notFound('parent', input.parent));
    else changes.parentId = parentId;
  }
  if (input.recurrence !== undefined) {
    const from = typeof input.dueOn === 'string' ? input.dueOn : new Date().toISOString().slice(0, 10);
    const checked = checkRecurrenceInput(input.recurrence, from);
    if ('error' in checked) errors.push(checked.error);
    else changes.recurrence = checked.recurrence;
  }
  return { changes, errors };
}

/** For a caller without a space: nobody signed in while anonymous access is off. */
export const authenticationRequired: InputError = {
  message: 'Authentication required',
  code: 'UNAUTHENTICATED',
  field: null,
};

export const notFound = (field: string, id: string): InputError => ({
  message: `No ${field === 'list' ? 'list' : 'todo'} with id ${id} that you may change.`,
  code: 'NOT_FOUND',
  field,
});

/** An update sent with `ifVersion` to a todo or list someone else has written since. */
export const versionConflict = (what: 'todo' | 'list', ifVersion: number, version: number): InputError => ({
  message: `The ${what} changed since version ${ifVersion}: it is at version ${version} now. Read it again, then reapply your change.`,
  code: 'CONFLICT',
  field: 'ifVersion',
});
