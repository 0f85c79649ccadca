/** Checks `TodoInput.recurrence`: a rule to set, null to clear it, or absent to leave it. */
import type { InputError } from '../todos/todo-input.js';
import { checkRule, repeatsAfter, type RecurrenceRule } from './rule.js';

/** The schema's `RecurrenceInput`, as resolvers receive it. */
export interface RecurrenceInputFields {
  readonly rule: string;
  readonly timeZone?: string | null;
}

const invalid = (message: string): { error: InputError } => ({
  error: { message, code: 'INVALID_RECURRENCE', field: 'recurrence' },
});

/**
 * `from` is the due date the input sets, or else today. A rule that would
 * never repeat from there (no day satisfies it) is refused when it is written,
 * rather than found out at a completion.
 */
export function checkRecurrenceInput(
  input: RecurrenceInputFields | null,
  from: string,
): { recurrence: RecurrenceRule | null } | { error: InputError } {
  if (input === null) return { recurrence: null };
  const checked = checkRule(input.rule, input.timeZone ?? 'UTC');
  if (typeof checked === 'string') return invalid(checked);
  if (!repeatsAfter(checked, from)) return invalid('The rule never repeats: no day within its reach satisfies it.');
  return { recurrence: checked };
}
