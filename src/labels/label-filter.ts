/** `TodoFilter.labels`: todos carrying at least one of the labels named. */
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { Tables } from '../db/tables.js';
import { parseGlobalIdOf } from '../nodes/global-id.js';
import { MAX_LABELS_PER_TODO } from './label-input.js';

/** Why `labels` cannot filter a page, or null when it can. */
export function checkLabelFilter(labels: readonly string[] | null | undefined): string | null {
  return labels && labels.length > MAX_LABELS_PER_TODO
    ? `"filter.labels" names at most ${MAX_LABELS_PER_TODO} labels.`
    : null;
}

/**
 * The todos carrying any of `labels`. An id that names no label matches
 * nothing, like a label on no todo the caller can read: the page reads only
 * such todos, so the filter shows nothing the todos' own `labels` would not.
 */
export function carryingAnyOf(eb: ExpressionBuilder<Tables, 'todos'>, labels: readonly string[]): Expression<SqlBool> {
  const ids = labels.flatMap((id) => parseGlobalIdOf('Label', id) ?? []);
  return eb(
    'todos.id',
    'in',
    eb
      .selectFrom('todo_labels')
      .select('todo_labels.todo_id')
      .where('todo_labels.label_id', 'in', ids.length > 0 ? [...new Set(ids)] : [0]),
  );
}
