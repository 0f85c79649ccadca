/**
 * Checks a `LabelInput` and the label ids a mutation or filter names. Errors
 * come back in the payload, each naming its field.
 */
import { parseGlobalIdOf } from '../nodes/global-id.js';
import type { InputError } from '../todos/todo-input.js';

/** Most labels one user owns. */
export const MAX_LABELS_PER_USER = 200;
/** Most labels on one todo, whoever owns them; and most label ids one call or filter names. */
export const MAX_LABELS_PER_TODO = 20;

const MAX_NAME = 50;
export const DEFAULT_COLOR = '#808080';
const COLOR = /^#[0-9a-f]{6}$/i;

/** The schema's `LabelInput`, as resolvers receive it. */
export interface LabelInputFields {
  readonly name?: string | null;
  readonly color?: string | null;
}

/** What to write; only the keys present change. */
export interface LabelFields {
  name?: string;
  color?: string;
}

export function checkLabelInput(
  input: LabelInputFields,
  mode: 'create' | 'update',
): { fields: LabelFields; errors: InputError[] } {
  const fields: LabelFields = {};
  const errors: InputError[] = [];
  if (input.name == null) {
    if (input.name === null || mode === 'create') {
      errors.push({ message: 'A label needs a name.', code: 'REQUIRED', field: 'name' });
    }
  } else {
    const name = input.name.trim();
    if (name === '' || name.length > MAX_NAME) {
      errors.push({
        message: `A label's name has 1 to ${MAX_NAME} characters, not only spaces.`,
        code: 'INVALID_NAME',
        field: 'name',
      });
    } else fields.name = name;
  }
  if (input.color === null) {
    errors.push({ message: '"color" cannot be null.', code: 'INVALID_VALUE', field: 'color' });
  } else if (input.color !== undefined) {
    if (COLOR.test(input.color)) fields.color = input.color.toLowerCase();
    else {
      errors.push({
        message: 'A colour is written #rrggbb, in hexadecimal (for example #1e90ff).',
        code: 'INVALID_COLOR',
        field: 'color',
      });
    }
  }
  return { fields, errors };
}

export const labelNotFound = (field: string, id: string): InputError => ({
  message: `No label with id ${id} that you may use here.`,
  code: 'NOT_FOUND',
  field,
});

export const nameTaken = (name: string): InputError => ({
  message: `You already have a label called "${name}" (letter case aside).`,
  code: 'NAME_TAKEN',
  field: 'name',
});

/** The row ids of the labels `ids` name, each once; the ids that name none are errors. */
export function labelIds(ids: readonly string[]): { ids: number[]; errors: InputError[] } {
  if (ids.length > MAX_LABELS_PER_TODO) {
    return {
      ids: [],
      errors: [{ message: `At most ${MAX_LABELS_PER_TODO} labels per call.`, code: 'TOO_MANY', field: 'labels' }],
    };
  }
  const parsed = ids.map((id) => parseGlobalIdOf('Label', id));
  const bad = ids.filter((_, index) => parsed[index] === null);
  if (bad.length > 0) return { ids: [], errors: bad.map((id) => labelNotFound('labels', id)) };
  return { ids: [...new Set(parsed.filter((id) => id !== null))], errors: [] };
}
