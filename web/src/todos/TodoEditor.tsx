/** Changes a todo's fields (only those edited are sent), moves it, or deletes it after asking. */
import { useId, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import type { ListsQuery as ListsData, Priority, TodoFieldsFragment, TodoInput } from '../gql/graphql';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { ErrorMessages, errorsOf, type PayloadError } from '../ui/ErrorMessages';
import { DeleteTodosMutation, UpdateTodoMutation } from './operations';
import { PrioritySelect } from './PrioritySelect';
import { TodoHistory } from '../history/TodoHistory';
import { Subtasks } from '../subtasks/Subtasks';
import { TodoLabels } from '../labels/TodoLabels';

interface Props {
  todo: TodoFieldsFragment;
  lists: ListsData['lists'];
  onClose: () => void;
  onRemoved: () => void;
}

export function TodoEditor({ todo, lists, onClose, onRemoved }: Props) {
  // The todo as the editor opened it: only what the user changed is sent, so a
  // change someone else makes meanwhile (arriving live in `todo`) is not undone.
  const [original] = useState(todo);
  const [description, setDescription] = useState(todo.description);
  const [notes, setNotes] = useState(todo.notes ?? '');
  const [priority, setPriority] = useState<Priority>(todo.priority);
  const [dueOn, setDueOn] = useState(todo.dueOn);
  const [listId, setListId] = useState(todo.list.id);
  const [errors, setErrors] = useState<readonly PayloadError[]>([]);
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const [showingHistory, setShowingHistory] = useState(false);
  const [showingSubtasks, setShowingSubtasks] = useState(false);
  const [updateState, update] = useMutation(UpdateTodoMutation);
  const [, deleteTodos] = useMutation(DeleteTodosMutation);
  const id = useId();
  const writable = lists.filter((list) => list.access !== 'VIEWER' || list.id === todo.list.id);

  async function save(event: FormEvent) {
    event.preventDefault();
    const input: TodoInput = {};
    if (description !== original.description) input.description = description;
    if (notes !== (original.notes ?? '')) input.notes = notes === '' ? null : notes;
    if (priority !== original.priority) input.priority = priority;
    if (dueOn !== original.dueOn) input.dueOn = dueOn;
    if (listId !== original.list.id) input.list = listId;
    if (Object.keys(input).length === 0) {
      onClose();
      return;
    }
    const result = await update({ todo: todo.id, input });
    const payload = result.data?.updateTodo;
    setErrors(errorsOf(result, payload));
    if (payload?.status) onClose();
  }

  async function remove() {
    setConfirmingDelete(false);
    const result = await deleteTodos({ todos: [todo.id] });
    const payload = result.data?.deleteTodos;
    setErrors(errorsOf(result, payload));
    if (payload?.status) onRemoved();
  }

  return (
    <form className="todo-editor" aria-label={`Edit “${todo.description}”`} onSubmit={(event) => void save(event)}>
      <label htmlFor={`${id}-description`}>Description</label>
      <input
        id={`${id}-description`}
        value={description}
        maxLength={1000}
        required
        onChange={(event) => setDescription(event.target.value)}
      />
      <label htmlFor={`${id}-notes`}>Notes</label>
      <textarea
        id={`${id}-notes`}
        value={notes}
        maxLength={10000}
        rows={3}
        onChange={(event) => setNotes(event.target.value)}
      />
      <div className="row wrap">
        <span>
          <PrioritySelect id={`${id}-priority`} value={priority} onChange={setPriority} />
        </span>
        <span>
          <label htmlFor={`${id}-due`}>Due date</label>
          <input
            id={`${id}-due`}
            type="date"
            value={dueOn}
            required
            onChange={(event) => setDueOn(event.target.value)}
          />
        </span>
        <span>
          <label htmlFor={`${id}-list`}>List</label>
          <select id={`${id}-list`} value={listId} onChange={(event) => setListId(event.target.value)}>
            {writable.map((list) => (
              <option key={list.id} value={list.id}>
                {list.name}
              </option>
            ))}
          </select>
        </span>
      </div>
      <TodoLabels todoId={todo.id} labels={todo.labels} />
      <ErrorMessages errors={errors} />
      <div className="row">
        <button type="submit" className="primary" disabled={updateState.fetching}>
          Save
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="danger push-end" onClick={() => setConfirmingDelete(true)}>
          Delete
        </button>
      </div>
      <details onToggle={(event) => setShowingSubtasks(event.currentTarget.open)}>
        <summary>Subtasks</summary>
        {showingSubtasks && <Subtasks todoId={todo.id} readOnly={false} />}
      </details>
      <details onToggle={(event) => setShowingHistory(event.currentTarget.open)}>
        <summary>History</summary>
        {showingHistory && <TodoHistory todoId={todo.id} lists={lists} />}
      </details>
      <ConfirmDialog
        open={confirmingDelete}
        title="Delete this todo?"
        message={`“${todo.description}” will be deleted. This cannot be undone.`}
        confirmLabel="Delete todo"
        onConfirm={() => void remove()}
        onCancel={() => setConfirmingDelete(false)}
      />
    </form>
  );
}
