/**
 * A list's todos: the form for a new one, the filter bar, the bulk actions for
 * the todos selected, and the todos themselves, a page at a time as the user
 * scrolls. Each page is its own query, after the end of the page before it as
 * that page is now: when a change moves todos between pages, each page reads
 * itself again and the next follows, so none repeats or skips a todo.
 */
import { useCallback, useRef, useState } from 'react';
import type { ListsQuery as ListsData } from '../gql/graphql';
import { useLiveQuery } from '../live/use-live-query';
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
  const [pageCount, setPageCount] = useState(1);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const summary = useRef<HTMLParagraphElement>(null);
  const changeView = useCallback((next: TodoView) => {
    setView(next);
    setPageCount(1);
    setSelected(new Set());
  }, []);
  // Where focus goes when what had it (a bulk action's bar, a deleted todo's editor) is gone.
  const focusSummary = useCallback(() => summary.current?.focus(), []);
  // The page asked for from a focused "Load more" button: its first todo takes the focus the button had.
  const [focusedPage, setFocusedPage] = useState<number | null>(null);
  const showPages = useCallback((count: number, withFocus: boolean) => {
    setPageCount((shown) => Math.max(shown, count));
    setFocusedPage(withFocus ? count - 1 : null);
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
  const [{ data }] = useLiveQuery({
    query: TodoPageQuery,
    variables: { list: listId, first: PAGE_SIZE, after: null, filter, orderBy },
  });
  const totalCount = data?.list?.todos.totalCount;

  return (
    <div className="todo-panel">
      {!readOnly && <NewTodoForm listId={listId} />}
      <FilterBar view={view} onChange={changeView} />
      {!readOnly && selected.size > 0 && (
        <BulkBar
          selected={[...selected]}
          targets={targets}
          onDone={() => {
            setSelected(new Set());
            focusSummary();
          }}
        />
      )}
      <p className="summary" role="status" ref={summary} tabIndex={-1}>
        {totalCount === undefined
          ? ''
          : totalCount === 0
            ? 'Nothing here. Add a todo above, or change the filters.'
            : `${totalCount} ${totalCount === 1 ? 'todo' : 'todos'}`}
      </p>
      <ul className="todos" aria-label="Todos">
        <TodoPage
          // A new filter or order starts the pages over.
          key={JSON.stringify(view)}
          depth={0}
          after={null}
          pageCount={pageCount}
          onShowPages={showPages}
          focusedPage={focusedPage}
          listId={listId}
          filter={filter}
          orderBy={orderBy}
          readOnly={readOnly}
          lists={lists}
          selected={selected}
          onToggleSelected={toggle}
          onTodoRemoved={focusSummary}
        />
      </ul>
    </div>
  );
}
