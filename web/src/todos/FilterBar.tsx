/** Filters and order, each an argument of the API's `todos` connection. */
import { useEffect, useId, useState } from 'react';
import type { TodoOrderField } from '../gql/graphql';
import { PRIORITIES, PRIORITY_NAMES, type TodoView } from './filters';

const ORDER_NAMES: Record<TodoOrderField, string> = {
  CREATED_AT: 'Created',
  DUE_ON: 'Due date',
  PRIORITY: 'Priority',
  COMPLETED_AT: 'Completed',
  POSITION: 'Manual',
};

const SEARCH_DELAY_MS = 300;
const WIDE_SCREEN = matchMedia('(min-width: 721px)');

export function FilterBar({ view, onChange }: { view: TodoView; onChange: (view: TodoView) => void }) {
  const id = useId();
  const [text, setText] = useState(view.text);
  // The search asks the server once typing pauses, not on every key.
  useEffect(() => {
    if (text === view.text) return;
    const timer = setTimeout(() => onChange({ ...view, text }), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [text, view, onChange]);

  return (
    // Folded away on a phone's narrow screen until asked for; open on wider ones.
    <details className="filters" open={WIDE_SCREEN.matches}>
      <summary>Filter and sort</summary>
      <fieldset className="filter-bar">
        <legend className="visually-hidden">Filter and sort</legend>
        <label htmlFor={`${id}-status`}>Show</label>
        <select
          id={`${id}-status`}
          value={view.status}
          onChange={(event) => onChange({ ...view, status: event.target.value as TodoView['status'] })}
        >
          <option value="all">All</option>
          <option value="open">Open</option>
          <option value="done">Done</option>
        </select>
        <label htmlFor={`${id}-priority`}>Priority</label>
        <select
          id={`${id}-priority`}
          value={view.priority}
          onChange={(event) => onChange({ ...view, priority: event.target.value as TodoView['priority'] })}
        >
          <option value="any">Any</option>
          {PRIORITIES.map((priority) => (
            <option key={priority} value={priority}>
              {PRIORITY_NAMES[priority]}
            </option>
          ))}
        </select>
        <span className="check">
          <input
            id={`${id}-overdue`}
            type="checkbox"
            checked={view.overdue}
            onChange={(event) => onChange({ ...view, overdue: event.target.checked })}
          />
          <label htmlFor={`${id}-overdue`}>Overdue only</label>
        </span>
        <label htmlFor={`${id}-search`}>Search</label>
        <input id={`${id}-search`} type="search" value={text} onChange={(event) => setText(event.target.value)} />
        <label htmlFor={`${id}-order`}>Sort by</label>
        <select
          id={`${id}-order`}
          value={view.order}
          onChange={(event) => onChange({ ...view, order: event.target.value as TodoOrderField })}
        >
          {Object.entries(ORDER_NAMES).map(([field, name]) => (
            <option key={field} value={field}>
              {name}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-direction`} className="visually-hidden">
          Direction
        </label>
        <select
          id={`${id}-direction`}
          value={view.direction}
          onChange={(event) => onChange({ ...view, direction: event.target.value as TodoView['direction'] })}
        >
          <option value="ASC">Ascending</option>
          <option value="DESC">Descending</option>
        </select>
      </fieldset>
    </details>
  );
}
