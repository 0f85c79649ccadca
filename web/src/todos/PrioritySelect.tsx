import type { Priority } from '../gql/graphql';
import { PRIORITIES, PRIORITY_NAMES } from './filters';

/** A labelled choice of the API's priorities. */
export function PrioritySelect({
  id,
  value,
  onChange,
}: {
  id: string;
  value: Priority;
  onChange: (value: Priority) => void;
}) {
  return (
    <>
      <label htmlFor={id}>Priority</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value as Priority)}>
        {PRIORITIES.map((priority) => (
          <option key={priority} value={priority}>
            {PRIORITY_NAMES[priority]}
          </option>
        ))}
      </select>
    </>
  );
}
