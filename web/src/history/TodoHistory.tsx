/**
 * What happened to a todo, newest first, from `Todo.history`: read when shown,
 * and read again each time, since every change anywhere adds to it.
 */
import { useQuery } from 'urql';
import type { ListsQuery as ListsData } from '../gql/graphql';
import { TodoHistoryQuery } from './operations';

const FIELD_NAMES: Record<string, string> = {
  description: 'description',
  notes: 'notes',
  priority: 'priority',
  dueOn: 'due date',
  completed: 'done',
  list: 'list',
  labels: 'labels',
};

const VERBS: Record<string, string> = {
  CREATED: 'created it',
  UPDATED: 'changed',
  DELETED: 'deleted it',
  SHARED: 'shared it',
  UNSHARED: 'unshared it',
};

/** A `labels` value: a JSON array of names. */
function labelNames(value: string): string {
  try {
    const names: unknown = JSON.parse(value);
    return Array.isArray(names) ? names.join(', ') : value;
  } catch {
    return value;
  }
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

interface Props {
  todoId: string;
  lists: ListsData['lists'];
}

export function TodoHistory({ todoId, lists }: Props) {
  const [{ data, fetching, error }] = useQuery({
    query: TodoHistoryQuery,
    variables: { id: todoId },
    requestPolicy: 'network-only',
  });
  const listName = (id: string | null | undefined) => lists.find((list) => list.id === id)?.name ?? 'another list';
  const shown = (field: string, value: string | null | undefined) => {
    if (value == null || value === '') return '(none)';
    if (field === 'list') return listName(value);
    if (field === 'completed') return value === 'true' ? 'yes' : 'no';
    if (field === 'labels') return labelNames(value);
    return value;
  };
  if (error) return <p role="alert">The history could not be read: {error.message}</p>;
  const history = data?.todo.todo?.history;
  if (!history) return <p aria-live="polite">{fetching ? 'Reading the history…' : 'No history.'}</p>;
  return (
    <ol className="history" aria-label="History">
      {history.edges.map(({ node }) => (
        <li key={node.id}>
          <time dateTime={node.at}>{timeFormat.format(new Date(node.at))}</time>{' '}
          <strong>{node.actor?.username ?? 'Someone'}</strong> {VERBS[node.action] ?? node.action}
          {node.action === 'UPDATED' && (
            <ul>
              {node.changes.map((change) => (
                <li key={change.field}>
                  {FIELD_NAMES[change.field] ?? change.field}: {shown(change.field, change.oldValue)} →{' '}
                  {shown(change.field, change.newValue)}
                </li>
              ))}
            </ul>
          )}
        </li>
      ))}
      {history.pageInfo.hasNextPage && <li>… and earlier changes</li>}
    </ol>
  );
}
