/** Acts on every selected todo at once: the API changes all of them or none. */
import { useId, useState } from 'react';
import { useMutation, type OperationResult } from 'urql';
import type { ListsQuery as ListsData } from '../gql/graphql';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { ErrorMessages, errorsOf, type PayloadError } from '../ui/ErrorMessages';
import { CompleteTodosMutation, DeleteTodosMutation, MoveTodosMutation, ReopenTodosMutation } from './operations';

interface Props {
  selected: string[];
  targets: ListsData['lists'];
  onDone: () => void;
}

export function BulkBar({ selected, targets, onDone }: Props) {
  const [, complete] = useMutation(CompleteTodosMutation);
  const [, reopen] = useMutation(ReopenTodosMutation);
  const [, move] = useMutation(MoveTodosMutation);
  const [, deleteTodos] = useMutation(DeleteTodosMutation);
  const [target, setTarget] = useState('');
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const [errors, setErrors] = useState<readonly PayloadError[]>([]);
  const id = useId();

  /** Runs a bulk mutation; `payloadOf` picks its answer out of the result. */
  async function run<Data>(
    pending: Promise<OperationResult<Data>>,
    payloadOf: (data: Data) => { status: boolean; errors?: readonly PayloadError[] | null },
  ) {
    const result = await pending;
    const payload = result.data && payloadOf(result.data);
    setErrors(errorsOf(result, payload));
    if (payload?.status) onDone();
  }

  const count = `${selected.length} selected`;
  return (
    <section className="bulk-bar" aria-label="Selected todos">
      <p>{count}</p>
      <button type="button" onClick={() => void run(complete({ todos: selected }), (data) => data.completeTodos)}>
        Complete
      </button>
      <button type="button" onClick={() => void run(reopen({ todos: selected }), (data) => data.reopenTodos)}>
        Reopen
      </button>
      <label htmlFor={`${id}-target`}>Move to</label>
      <select id={`${id}-target`} value={target} onChange={(event) => setTarget(event.target.value)}>
        <option value="">Choose a list</option>
        {targets.map((list) => (
          <option key={list.id} value={list.id}>
            {list.name}
          </option>
        ))}
      </select>
      <button
        type="button"
        disabled={target === ''}
        onClick={() => void run(move({ todos: selected, list: target }), (data) => data.moveTodos)}
      >
        Move
      </button>
      <button type="button" className="danger" onClick={() => setConfirmingDelete(true)}>
        Delete
      </button>
      <ErrorMessages errors={errors} />
      <ConfirmDialog
        open={confirmingDelete}
        title={`Delete ${selected.length} ${selected.length === 1 ? 'todo' : 'todos'}?`}
        message="The selected todos will be deleted. This cannot be undone."
        confirmLabel="Delete todos"
        onConfirm={() => {
          setConfirmingDelete(false);
          void run(deleteTodos({ todos: selected }), (data) => data.deleteTodos);
        }}
        onCancel={() => setConfirmingDelete(false)}
      />
    </section>
  );
}
