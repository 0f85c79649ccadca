/**
 * The labels part of a todo's editor: the user's own labels as boxes to tick
 * (each tick attaches or detaches at once), and a new label made and attached
 * in one go. Other members' labels on the todo are shown, not ticked.
 */
import { useId, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import type { LabelFieldsFragment } from '../gql/graphql';
import { ErrorMessages, errorsOf, type PayloadError } from '../ui/ErrorMessages';
import { LabelChips } from './LabelChips';
import { CreateLabelMutation, LabelTodosMutation, LabelsQuery, UnlabelTodosMutation } from './operations';

interface Props {
  todoId: string;
  labels: readonly LabelFieldsFragment[];
}

export function TodoLabels({ todoId, labels }: Props) {
  const [{ data }] = useQuery({ query: LabelsQuery });
  const [, attach] = useMutation(LabelTodosMutation);
  const [, detach] = useMutation(UnlabelTodosMutation);
  const [creating, create] = useMutation(CreateLabelMutation);
  const [errors, setErrors] = useState<readonly PayloadError[]>([]);
  const [name, setName] = useState('');
  const [color, setColor] = useState('#1e90ff');
  const id = useId();
  const own = data?.labels ?? [];
  const on = new Set(labels.map((label) => label.id));
  const others = labels.filter((label) => !own.some((mine) => mine.id === label.id));

  async function toggle(label: string, attached: boolean) {
    const result = attached
      ? await attach({ todos: [todoId], labels: [label] })
      : await detach({ todos: [todoId], labels: [label] });
    const payload = result.data
      ? 'labelTodos' in result.data
        ? result.data.labelTodos
        : result.data.unlabelTodos
      : undefined;
    setErrors(errorsOf(result, payload));
  }

  async function add() {
    const made = await create({ input: { name, color } });
    const payload = made.data?.createLabel;
    setErrors(errorsOf(made, payload));
    if (!payload?.label) return;
    setName('');
    await toggle(payload.label.id, true);
  }

  return (
    <fieldset className="todo-labels">
      <legend>Labels</legend>
      <LabelChips labels={others} />
      <div className="row wrap">
        {own.map((label) => (
          <label key={label.id} className="label-choice">
            <input
              type="checkbox"
              checked={on.has(label.id)}
              onChange={(event) => void toggle(label.id, event.target.checked)}
            />
            <span className="label-dot" style={{ backgroundColor: label.color }} aria-hidden="true" />
            {label.name}
          </label>
        ))}
      </div>
      <div className="row wrap">
        <label htmlFor={`${id}-name`}>New label</label>
        <input id={`${id}-name`} value={name} maxLength={50} onChange={(event) => setName(event.target.value)} />
        <label htmlFor={`${id}-color`}>Colour</label>
        <input id={`${id}-color`} type="color" value={color} onChange={(event) => setColor(event.target.value)} />
        <button type="button" disabled={creating.fetching || name.trim() === ''} onClick={() => void add()}>
          Add label
        </button>
      </div>
      <ErrorMessages errors={errors} />
    </fieldset>
  );
}
