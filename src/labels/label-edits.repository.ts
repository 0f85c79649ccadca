/**
 * Writes that change which labels todos carry: attaching, detaching, and
 * deleting a label (which detaches it everywhere). Each is a write to every
 * todo it touches, as any other: in one transaction, the todo's version moves
 * on by one, and history and the sync log record it (`recordChanges`).
 *
 * Locks are taken labels first, then todos (in id order, `lockTodos`), by
 * every write here, so none can wait on another in a cycle: attaching holds
 * its labels FOR KEY SHARE (renames, FOR NO KEY UPDATE, do not wait for it),
 * deleting holds its label FOR UPDATE (so no attach slips in meanwhile).
 */
import { writeTransaction } from '../db/transaction.js';
import { todoEntry } from '../history/field-changes.js';
import { recordChanges } from '../history/history.repository.js';
import { accessibleListIds } from '../lists/list-access.js';
import { lockTodos, todoColumns, toTodoRecord, type TodoRow } from '../todos/todos.repository.js';
import type { TodoRecord } from '../todos/todo.js';
import { MAX_LABELS_PER_TODO } from './label-input.js';
import { byName, labelsOn, visibleLabels, type Executor, type LabelRecord } from './labels.repository.js';

export type LabelEditResult =
  | { readonly ok: true; readonly todos: TodoRecord[] }
  | { readonly ok: false; readonly missing: 'labels' | 'todos'; readonly ids: readonly number[] }
  | { readonly ok: false; readonly tooMany: number };

/**
 * A todo's labels as history records them: a JSON array of their names, by
 * name; null for none. Names, not ids, so an entry still reads after the
 * label is renamed or deleted, as what the todo carried at the time.
 */
export function labelsValue(labels: readonly LabelRecord[]): string | null {
  return labels.length === 0 ? null : JSON.stringify([...labels].sort(byName).map((label) => label.name));
}

/** Moves the versions of `ids` on; with `writer`, only of those in a list the writer may change now. */
function touchTodos(trx: Executor, ids: readonly number[], writer?: number): Promise<TodoRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return trx
    .updateTable('todos')
    .set((eb) => ({ version: eb('version', '+', 1), updated_at: new Date().toISOString() }))
    .where('id', 'in', ids)
    .$if(writer !== undefined, (update) => update.where('list_id', 'in', accessibleListIds(trx, writer ?? 0, 'write')))
    .returning(todoColumns)
    .execute();
}

/**
 * Records each written todo's change in labels (history, sync log), and
 * answers the todos, in the order of `ids`.
 */
async function record(
  trx: Executor,
  actor: number,
  ids: readonly number[],
  locked: ReadonlyMap<number, TodoRow>,
  written: readonly TodoRow[],
  before: ReadonlyMap<number, LabelRecord[]>,
): Promise<TodoRecord[]> {
  const after = await labelsOn(
    trx,
    written.map((row) => row.id),
  );
  const entries = written.map((row) => {
    const was = locked.get(row.id);
    return todoEntry(was && { ...was, labels: labelsValue(before.get(row.id) ?? []) }, {
      ...row,
      labels: labelsValue(after.get(row.id) ?? []),
    });
  });
  await recordChanges(trx, actor, entries);
  const byId = new Map(written.map((row) => [row.id, toTodoRecord(row)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/**
 * Attaches `owner`'s labels `labelIds` to every todo of `todoIds` (each one
 * `owner` may change), or to none: a label that is not theirs, a todo out of
 * reach, or a todo that would carry more than MAX_LABELS_PER_TODO labels
 * refuses the whole call.
 */
export function attachLabels(
  db: Executor,
  owner: number,
  todoIds: readonly number[],
  labelIds: readonly number[],
): Promise<LabelEditResult> {
  return writeTransaction(db, async (trx, rollback): Promise<LabelEditResult> => {
    const labels = await trx
      .selectFrom('labels')
      .select('id')
      .where('id', 'in', labelIds)
      .where('owner_id', '=', owner)
      .orderBy('id')
      .forKeyShare()
      .execute();
    if (labels.length < labelIds.length) return { ok: false, missing: 'labels', ids: absent(labelIds, labels) };
    if (todoIds.length === 0) return { ok: true, todos: [] };
    const { locked, written, before } = await writeTodos(trx, owner, todoIds, rollback);
    await trx
      .insertInto('todo_labels')
      .values(todoIds.flatMap((todo_id) => labelIds.map((label_id) => ({ todo_id, label_id }))))
      .onConflict((conflict) => conflict.columns(['todo_id', 'label_id']).doNothing())
      .execute();
    const counts = await trx
      .selectFrom('todo_labels')
      .select(['todo_id', (eb) => eb.fn.countAll<number | string>().as('count')])
      .where('todo_id', 'in', todoIds)
      .groupBy('todo_id')
      .execute();
    const over = counts.find((row) => Number(row.count) > MAX_LABELS_PER_TODO);
    if (over) rollback({ ok: false, tooMany: over.todo_id });
    return { ok: true, todos: await record(trx, owner, todoIds, locked, written, before) };
  });
}

/** The ids of `wanted` that are not among `found`. */
const absent = (wanted: readonly number[], found: readonly { id: number }[]): number[] => {
  const ids = new Set(found.map((row) => row.id));
  return wanted.filter((id) => !ids.has(id));
};

/**
 * Locks `todoIds` and writes each (version, updated_at) if `owner` may change
 * it, or rolls back naming those they may not; answers them as they were and
 * are, with the labels they carried before.
 */
async function writeTodos(
  trx: Executor,
  owner: number,
  todoIds: readonly number[],
  rollback: (answer: LabelEditResult) => never,
) {
  const locked = await lockTodos(trx, todoIds);
  const written = await touchTodos(trx, todoIds, owner);
  if (written.length < todoIds.length) rollback({ ok: false, missing: 'todos', ids: absent(todoIds, written) });
  const before = await labelsOn(trx, todoIds);
  return { locked, written, before };
}

/**
 * Takes `labelIds` (each one `owner` may see) off every todo of `todoIds`
 * (each one `owner` may change), or off none. A label a todo does not carry is
 * simply not there to take off; the todo is written all the same.
 */
export function detachLabels(
  db: Executor,
  owner: number,
  todoIds: readonly number[],
  labelIds: readonly number[],
): Promise<LabelEditResult> {
  return writeTransaction(db, async (trx, rollback): Promise<LabelEditResult> => {
    const visible = await visibleLabels(trx, owner, labelIds);
    if (visible.length < labelIds.length) return { ok: false, missing: 'labels', ids: absent(labelIds, visible) };
    if (todoIds.length === 0) return { ok: true, todos: [] };
    const { locked, written, before } = await writeTodos(trx, owner, todoIds, rollback);
    await trx.deleteFrom('todo_labels').where('todo_id', 'in', todoIds).where('label_id', 'in', labelIds).execute();
    return { ok: true, todos: await record(trx, owner, todoIds, locked, written, before) };
  });
}

/**
 * Deletes a label `owner` owns, taking it off every todo that carries it,
 * wherever that todo is now: the label is the owner's to withdraw, even from a
 * list they can no longer change. Answers those todos (for live events), or
 * undefined when there is no such label.
 */
export function deleteLabel(db: Executor, owner: number, id: number): Promise<TodoRecord[] | undefined> {
  return writeTransaction(db, async (trx) => {
    const label = await trx
      .selectFrom('labels')
      .select('id')
      .where('id', '=', id)
      .where('owner_id', '=', owner)
      .forUpdate()
      .executeTakeFirst();
    if (!label) return undefined;
    const carrying = () => trx.selectFrom('todo_labels').select('todo_id').where('label_id', '=', id).execute();
    const carried = (await carrying()).map((row) => row.todo_id);
    const locked = carried.length === 0 ? new Map<number, TodoRow>() : await lockTodos(trx, carried);
    // Read again under the todos' locks: a todo that lost the label meanwhile is not written.
    const todoIds = (await carrying()).map((row) => row.todo_id).filter((todo) => locked.has(todo));
    const before = await labelsOn(trx, todoIds);
    await trx.deleteFrom('labels').where('id', '=', id).execute();
    const written = await touchTodos(trx, todoIds);
    return record(trx, owner, todoIds, locked, written, before);
  });
}
