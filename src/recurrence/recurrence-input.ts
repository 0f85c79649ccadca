/** Checks `TodoInput.recurrence`: a rule to set, null to clear it, or absent to leave it. */
import type { InputError } from '../todos/todo-input.js';
import { checkRule, type RecurrenceRule } from './rule.js';

/** The schema's `RecurrenceInput`, as resolvers receive it. */
export interface RecurrenceInputFields {
  readonly rule: string;
  readonly timeZone?: string | null;
}

export function checkRecurrenceInput(
  input: RecurrenceInputFields | null,
): { recurrence: RecurrenceRule | null } | { error: InputError } {
  if (input === null) return { recurrence: null };
  const checked = checkRule(input.rule, input.timeZone ?? 'UTC');
  if (typeof checked === 'string')
    return { error: { message: checked, code: 'INVALID_RECURRENCE', field: 'recurrence' } };
  return { recurrence: checked };
}
