/**
 * A list's todos: the form for a new one, the filter bar, the bulk actions for
 * the todos selected, and the todos themselves, a page at a time as the user
 * scrolls. Each page is its own query by cursor, so any page can be read again
 * alone when a change makes it stale, and none repeats or skips a todo.
 */
import { useCallback, useState } from 'react';
import { useQuery } from 'urql';
import type { ListsQuery as ListsData } from '../gql/graphql';
import { BulkBar } from './BulkBar';
import { FilterBar } from './FilterBar';
import { DEFAULT_VIEW, toApi, type TodoView } from './filters';
import { NewTodoForm } from './NewTodoForm';
import { TodoPageQuery } from './operations';
import { PAGE_SIZE, TodoPage } from './TodoPage';

interface Props {
  listId: string;
  lists: ListsData['lists'];
  readOnly: boolean;
}

export function TodoPanel({ listId, lists, readOnly }: Props) {
  const [view, setView] = useState<TodoView>(DEFAULT_VIEW);
  const [pageCursors, setPageCursors] = useState<readonly (string | null)[]>([null]);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const changeView = useCallback((next: TodoView) => {
    setView(next);
    setPageCursors([null]);
    setSelected(new Set());
  }, []);
  const toggle = useCallback((id: string, on: boolean) => {
    setSelected((previous) => {
      const next = new Set(previous);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  }, []);
  const { filter, orderBy } = toApi(view);
  const targets = lists.filter((list) => list.id !== listId && list.access !== 'VIEWER');
  // The first page's query, which its TodoPage runs too (urql asks the server once), says how many match.
  const [{ data }] = useQuery({
    query: TodoPageQuery,
    variables: { list: listId, first: PAGE_SIZE, after: null, filter, orderBy },
  });
  const totalCount = data?.list?.todos.totalCount;

  return (
    <div className="todo-panel">
      {!readOnly && <NewTodoForm listId={listId} />}
      <FilterBar view={view} onChange={changeView} />
      {!readOnly && selected.size > 0 && (
        <BulkBar selected={[...selected]} targets={targets} onDone={() => setSelected(new Set())} />
      )}
      <p className="summary" role="status">
        {totalCount === undefined
          ? ''
          : totalCount === 0
            ? 'Nothing here. Add a todo above, or change the filters.'
            : `${totalCount} ${totalCount === 1 ? 'todo' : 'todos'}`}
      </p>
      <ul className="todos" aria-label="Todos">
        {pageCursors.map((after, index) => (
          <TodoPage
            key={after ?? 'first'}
            listId={listId}
            after={after}
            filter={filter}
            orderBy={orderBy}
            isLast={index === pageCursors.length - 1}
            readOnly={readOnly}
            lists={lists}
            selected={selected}
            onToggleSelected={toggle}
            onMore={(cursor) =>
              setPageCursors((cursors) => (cursors.includes(cursor) ? cursors : [...cursors, cursor]))
            }
          />
        ))}
      </ul>
    </div>
  );
}
