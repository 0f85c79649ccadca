/**
 * Rules and completions of recurring todos. Every write path that may set a
 * rule or complete a todo (createTodoItem, updateTodos, markTodoDone) calls
 * `applyRecurrence` inside its own transaction, after its own statement and
 * with the todos it locked, so a completion, the due date's move and the
 * history entry that shows them commit together or not at all.
 */
import { sql, type Kysely } from 'kysely';
import type { Tables } from '../db/tables.js';
import type { ChangedField, NewHistoryEntry } from '../history/field-changes.js';
import type { TodoRow } from '../todos/todos.repository.js';
import { countOf, nextOccurrence, type RecurrenceRule } from './rule.js';

type Executor = Kysely<Tables>;

/** A todo's rule as stored. */
export interface StoredRecurrence extends RecurrenceRule {
  readonly todoId: number;
  /** Occurrences left under COUNT, the current due date included; null without COUNT. */
  readonly remaining: number | null;
}

/** A completed occurrence of a recurring todo. */
export interface CompletionRecord {
  readonly id: number;
  readonly todoId: number;
  readonly occurrenceOn: string;
  readonly completedAt: string;
  readonly completedBy: number;
}

/** The rules of those of `todoIds` that have one. */
export async function findRecurrences(
  db: Executor,
  todoIds: readonly number[],
): Promise<Map<number, StoredRecurrence>> {
  if (todoIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('todo_recurrences')
    .select(['todo_id', 'rule', 'time_zone', 'remaining'])
    .where('todo_id', 'in', todoIds)
    .execute();
  return new Map(
    rows.map((row) => [
      row.todo_id,
      { todoId: row.todo_id, rule: row.rule, timeZone: row.time_zone, remaining: row.remaining },
    ]),
  );
}

/** The newest `first` completions of each of `todoIds`, newest first, in one statement. */
export async function findCompletions(
  db: Executor,
  todoIds: readonly number[],
  first: number,
): Promise<Map<number, CompletionRecord[]>> {
  const pages = new Map(todoIds.map((id) => [id, [] as CompletionRecord[]]));
  if (todoIds.length === 0 || first === 0) return pages;
  const ranked = db
    .selectFrom('todo_completions')
    .select(['id', 'todo_id', 'occurrence_on', 'completed_at', 'completed_by'])
    .select(sql<number>`row_number() over (partition by todo_id order by id desc)`.as('rank'))
    .where('todo_id', 'in', todoIds);
  const rows = await db
    .selectFrom(ranked.as('ranked'))
    .selectAll()
    .where('rank', '<=', first)
    .orderBy('todo_id')
    .orderBy('id', 'desc')
    .execute();
  for (const row of rows) {
    pages.get(row.todo_id)?.push({
      id: row.id,
      todoId: row.todo_id,
      occurrenceOn: row.occurrence_on,
      completedAt: row.completed_at,
      completedBy: row.completed_by,
    });
  }
  return pages;
}

/** How history writes a rule: the RRULE, then its zone. */
const label = (rule: RecurrenceRule | undefined): string | null => (rule ? `${rule.rule} (${rule.timeZone})` : null);

/** What one write does to recurring todos, on top of its own statement. */
export interface RecurrenceWrite {
  /** Each todo as it was, locked by the write; absent for a todo it made. */
  readonly before: ReadonlyMap<number, TodoRow>;
  /** Each todo as the write's own statement left it. */
  readonly rows: readonly TodoRow[];
  /** A rule to set on every todo of the write, or null to clear it; undefined leaves rules as they are. */
  readonly recurrence?: RecurrenceRule | null;
  readonly now: string;
}

/**
 * Sets or clears the write's rule, then turns each todo this write completed
 * that has a rule back into an open todo due on its next occurrence, with the
 * completion recorded. A todo whose rule has no next occurrence (COUNT used up,
 * UNTIL passed) stays completed. Answers the todos as they are now, and the
 * fields to add to each one's history entry. A write that sets no rule and
 * completes nothing costs no statement here.
 */
export async function applyRecurrence(
  db: Executor,
  actor: number,
  { before, rows, recurrence, now }: RecurrenceWrite,
): Promise<{ rows: TodoRow[]; changes: Map<number, ChangedField[]> }> {
  const changes = new Map<number, ChangedField[]>();
  const completed = rows.filter((row) => Boolean(row.completed) && !before.get(row.id)?.completed);
  if (recurrence === undefined && completed.length === 0) return { rows: [...rows], changes };
  const add = (id: number, change: ChangedField) => changes.set(id, [...(changes.get(id) ?? []), change]);

  const rules = await findRecurrences(
    db,
    recurrence === undefined ? completed.map((row) => row.id) : rows.map((row) => row.id),
  );
  if (recurrence !== undefined) {
    for (const row of rows) {
      const old = rules.get(row.id);
      if (recurrence === null) {
        if (old) await db.deleteFrom('todo_recurrences').where('todo_id', '=', row.id).execute();
        rules.delete(row.id);
      } else {
        // Sending a rule, even the same one, starts its COUNT again from the due date.
        const values = { rule: recurrence.rule, time_zone: recurrence.timeZone, remaining: countOf(recurrence) };
        await db
          .insertInto('todo_recurrences')
          .values({ todo_id: row.id, ...values })
          .onConflict((conflict) => conflict.column('todo_id').doUpdateSet(values))
          .execute();
        rules.set(row.id, { todoId: row.id, ...recurrence, remaining: values.remaining });
      }
      if (label(old) !== label(recurrence ?? undefined))
        add(row.id, ['recurrence', label(old), label(recurrence ?? undefined)]);
    }
  }

  const after = new Map(rows.map((row) => [row.id, row]));
  for (const row of completed) {
    const rule = rules.get(row.id);
    if (!rule) continue;
    const occurrence = row.due_date;
    const usedUp = rule.remaining !== null && rule.remaining <= 1;
    const next = usedUp ? null : nextOccurrence(rule, occurrence);
    await db
      .insertInto('todo_completions')
      .values({ todo_id: row.id, occurrence_on: occurrence, completed_at: now, completed_by: actor })
      .execute();
    if (rule.remaining !== null) {
      await db
        .updateTable('todo_recurrences')
        .set({ remaining: Math.max(rule.remaining - 1, 0) })
        .where('todo_id', '=', row.id)
        .execute();
    }
    add(row.id, ['completedOccurrence', null, occurrence]);
    if (next === null) continue;
    // The same write, not another: the version already moved by one.
    const reopened = await db
      .updateTable('todos')
      .set({ completed: sql<boolean>`false`, completed_at: null, due_date: next })
      .where('id', '=', row.id)
      .returning(['completed', 'completed_at', 'due_date'])
      .executeTakeFirstOrThrow();
    after.set(row.id, { ...row, ...reopened });
  }
  return { rows: rows.map((row) => after.get(row.id) ?? row), changes };
}

/** `entry` with `extra` fields added to what it changed. */
export function withChanges(
  entry: NewHistoryEntry | undefined,
  extra: readonly ChangedField[] | undefined,
): NewHistoryEntry | undefined {
  if (!entry || !extra || extra.length === 0) return entry;
  return { ...entry, changes: [...entry.changes, ...extra] };
}
