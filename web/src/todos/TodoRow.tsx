/** One todo: done or not, what and when, and (for those who may change it) select and edit. */
import { useEffect, useRef, useState } from 'react';
import { useMutation } from 'urql';
import type { ListsQuery as ListsData, TodoFieldsFragment } from '../gql/graphql';
import { formatDate, todayUtc } from '../ui/dates';
import { ErrorMessages, errorsOf, type PayloadError } from '../ui/ErrorMessages';
import { PRIORITY_NAMES } from './filters';
import { CompleteTodosMutation, ReopenTodosMutation } from './operations';
import { TodoEditor } from './TodoEditor';
import { MoveTodoMutation } from '../subtasks/operations';
import { UpDownButtons } from '../subtasks/UpDownButtons';
import { LabelChips } from '../labels/LabelChips';
import { RecurrenceBadge } from '../recurrence/RecurrenceBadge';

interface Props {
  todo: TodoFieldsFragment;
  readOnly: boolean;
  lists: ListsData['lists'];
  selected: boolean;
  onToggleSelected: (id: string, on: boolean) => void;
  /** Called once the todo is deleted from its editor, so focus can go somewhere that still exists. */
  onRemoved: () => void;
  /** Focus this row's done box when it appears (the first of a page asked for by keyboard). */
  takeFocus?: boolean;
  /** In manual order: the todos above and below, which "Up" and "Down" move it beside. */
  neighbours?: { above: string | undefined; below: string | undefined };
}

export function TodoRow({
  todo,
  readOnly,
  lists,
  selected,
  onToggleSelected,
  onRemoved,
  takeFocus = false,
  neighbours,
}: Props) {
  const [editing, setEditing] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  // A todo that leaves the page (deleted, moved, filtered out) leaves the selection too,
  // so a bulk action never reaches todos the user no longer sees.
  useEffect(() => () => onToggleSelected(todo.id, false), [todo.id, onToggleSelected]);
  const [errors, setErrors] = useState<readonly PayloadError[]>([]);
  const [, complete] = useMutation(CompleteTodosMutation);
  const [, reopen] = useMutation(ReopenTodosMutation);
  const [moveState, move] = useMutation(MoveTodoMutation);
  // Optimistic: the box shows the click at once; a refused change (or a failed request) puts it back.
  // (Graphcache's own optimistic layer stalled the page's queries when the live
  // event for the same todo overtook the mutation's answer: docs/web-app.md.)
  const [pendingDone, setPendingDone] = useState<boolean | null>(null);
  const completed = pendingDone ?? todo.completed;
  const overdue = !completed && todo.dueOn < todayUtc();

  async function setDone(done: boolean) {
    setPendingDone(done);
    const result = done ? await complete({ todos: [todo.id] }) : await reopen({ todos: [todo.id] });
    const { data } = result;
    const payload = data ? ('completeTodos' in data ? data.completeTodos : data.reopenTodos) : undefined;
    setPendingDone(null);
    setErrors(errorsOf(result, payload));
  }

  async function place(anchor: { before: string } | { after: string }) {
    const result = await move({ todo: todo.id, ...anchor });
    setErrors(errorsOf(result, result.data?.moveTodo));
  }

  return (
    <li className={`todo${completed ? ' done' : ''}`} data-todo-id={todo.id}>
      <div className="todo-line">
        {!readOnly && (
          <input
            type="checkbox"
            className="select"
            aria-label={`Select “${todo.description}”`}
            checked={selected}
            onChange={(event) => onToggleSelected(todo.id, event.target.checked)}
          />
        )}
        <input
          type="checkbox"
          className="done-box"
          autoFocus={takeFocus}
          aria-label={`Done: “${todo.description}”`}
          checked={completed}
          // One change at a time: a quick second click would race the first.
          disabled={readOnly || pendingDone !== null}
          onChange={(event) => void setDone(event.target.checked)}
        />
        <span className="description">{todo.description}</span>
        <span className={`due${overdue ? ' overdue' : ''}`}>
          {overdue ? 'Overdue: ' : 'Due '}
          <time dateTime={todo.dueOn}>{formatDate(todo.dueOn)}</time>
        </span>
        <RecurrenceBadge recurrence={todo.recurrence} />
        {todo.priority !== 'NORMAL' && (
          <span className={`badge priority-${todo.priority.toLowerCase()}`}>{PRIORITY_NAMES[todo.priority]}</span>
        )}
        {neighbours && (
          <UpDownButtons
            name={todo.description}
            busy={moveState.fetching}
            onUp={neighbours.above ? () => void place({ before: neighbours.above ?? '' }) : undefined}
            onDown={neighbours.below ? () => void place({ after: neighbours.below ?? '' }) : undefined}
          />
        )}
        <LabelChips labels={todo.labels} />
        {!readOnly && (
          <button
            ref={editButton}
            type="button"
            className="link"
            aria-expanded={editing}
            onClick={() => setEditing(!editing)}
          >
            Edit<span className="visually-hidden"> “{todo.description}”</span>
          </button>
        )}
      </div>
      {todo.notes && !editing && <p className="notes">{todo.notes}</p>}
      <ErrorMessages errors={errors} />
      {editing && (
        <TodoEditor
          todo={todo}
          lists={lists}
          onClose={() => {
            setEditing(false);
            editButton.current?.focus();
          }}
          onRemoved={onRemoved}
        />
      )}
    </li>
  );
}
