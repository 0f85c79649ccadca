/** Adds a todo to the list: a description, and optionally a due date (default today) and a priority. */
import { useId, useRef, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import type { Priority } from '../gql/graphql';
import { todayUtc } from '../ui/dates';
import { ErrorMessages, errorsOf, type PayloadError } from '../ui/ErrorMessages';
import { AddTodoMutation } from './operations';
import { PrioritySelect } from './PrioritySelect';

export function NewTodoForm({ listId }: { listId: string }) {
  const [description, setDescription] = useState('');
  const [dueOn, setDueOn] = useState('');
  const [priority, setPriority] = useState<Priority>('NORMAL');
  const [errors, setErrors] = useState<readonly PayloadError[]>([]);
  const [addState, addTodo] = useMutation(AddTodoMutation);
  const descriptionInput = useRef<HTMLInputElement>(null);
  const id = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const result = await addTodo({ input: { description, priority, list: listId, dueOn: dueOn || todayUtc() } });
    const payload = result.data?.addTodo;
    setErrors(errorsOf(result, payload));
    if (payload?.status) {
      setDescription('');
      descriptionInput.current?.focus();
    }
  }

  return (
    <form className="new-todo" onSubmit={(event) => void submit(event)} aria-label="Add a todo">
      <span className="grow">
        <label htmlFor={`${id}-description`}>New todo</label>
        <input
          id={`${id}-description`}
          ref={descriptionInput}
          value={description}
          maxLength={1000}
          placeholder="What needs doing?"
          onChange={(event) => setDescription(event.target.value)}
        />
      </span>
      <span>
        <label htmlFor={`${id}-due`}>Due</label>
        <input id={`${id}-due`} type="date" value={dueOn} onChange={(event) => setDueOn(event.target.value)} />
      </span>
      <span>
        <PrioritySelect id={`${id}-priority`} value={priority} onChange={setPriority} />
      </span>
      <button type="submit" className="primary" disabled={addState.fetching || description.trim() === ''}>
        Add
      </button>
      <ErrorMessages errors={errors} />
    </form>
  );
}
