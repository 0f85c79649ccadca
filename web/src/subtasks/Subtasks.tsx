/**
 * A todo's subtasks, in their manual order: each can be checked off and moved
 * up or down, and new ones are added last. Read when shown, and again after
 * each change made here (a subtask added or moved changes the whole order).
 */
import { useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { ErrorMessages, errorsOf, type PayloadError } from '../ui/ErrorMessages';
import { UpDownButtons } from './UpDownButtons';
import { AddSubtaskMutation, MoveTodoMutation, SetSubtaskDoneMutation, SubtasksQuery } from './operations';

interface Props {
  todoId: string;
  readOnly: boolean;
}

export function Subtasks({ todoId, readOnly }: Props) {
  const [{ data, fetching, error }, reread] = useQuery({
    query: SubtasksQuery,
    variables: { id: todoId },
    requestPolicy: 'network-only',
  });
  const [description, setDescription] = useState('');
  const [errors, setErrors] = useState<readonly PayloadError[]>([]);
  const [addState, add] = useMutation(AddSubtaskMutation);
  const [moveState, move] = useMutation(MoveTodoMutation);
  const [, setDone] = useMutation(SetSubtaskDoneMutation);
  const id = useId();
  const refresh = () => reread({ requestPolicy: 'network-only' });

  async function submit(event: FormEvent) {
    // Inside the todo's own form: this one's submit is not that form's.
    event.preventDefault();
    event.stopPropagation();
    const result = await add({ input: { description, parent: todoId } });
    const payload = result.data?.addTodo;
    setErrors(errorsOf(result, payload));
    if (payload?.status) {
      setDescription('');
      refresh();
    }
  }

  async function place(subtask: string, anchor: { before: string } | { after: string }) {
    const result = await move({ todo: subtask, ...anchor });
    setErrors(errorsOf(result, result.data?.moveTodo));
    refresh();
  }

  async function check(subtask: string, completed: boolean) {
    const result = await setDone({ todo: subtask, completed });
    setErrors(errorsOf(result, result.data?.updateTodo));
  }

  if (error) return <p role="alert">The subtasks could not be read: {error.message}</p>;
  const subtasks = data?.todo.todo?.subtasks.edges.map(({ node }) => node);
  return (
    <div className="subtasks">
      {!subtasks ? (
        <p aria-live="polite">{fetching ? 'Reading the subtasks…' : 'No subtasks.'}</p>
      ) : (
        <ol aria-label="Subtasks">
          {subtasks.map((subtask, i) => {
            const previous = subtasks[i - 1];
            const next = subtasks[i + 1];
            return (
              <li key={subtask.id} className={subtask.completed ? 'done' : undefined}>
                <input
                  type="checkbox"
                  aria-label={`Done: “${subtask.description}”`}
                  checked={subtask.completed}
                  disabled={readOnly}
                  onChange={(event) => void check(subtask.id, event.target.checked)}
                />{' '}
                <span className="subtask-description">{subtask.description}</span>
                {!readOnly && (
                  <span className="push-end">
                    <UpDownButtons
                      name={subtask.description}
                      busy={moveState.fetching}
                      onUp={previous ? () => void place(subtask.id, { before: previous.id }) : undefined}
                      onDown={next ? () => void place(subtask.id, { after: next.id }) : undefined}
                    />
                  </span>
                )}
              </li>
            );
          })}
        </ol>
      )}
      {!readOnly && (
        <div className="row" role="group" aria-label="Add a subtask">
          <label htmlFor={`${id}-subtask`} className="visually-hidden">
            New subtask
          </label>
          <input
            id={`${id}-subtask`}
            value={description}
            maxLength={1000}
            placeholder="Add a subtask"
            onChange={(event) => setDescription(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter') void submit(event);
            }}
          />
          <button
            type="button"
            disabled={addState.fetching || description.trim() === ''}
            onClick={(event) => void submit(event)}
          >
            Add subtask
          </button>
        </div>
      )}
      <ErrorMessages errors={errors} />
    </div>
  );
}
