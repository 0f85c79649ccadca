/**
 * One page of todos, followed by the next page (after this page's end as it is
 * now) while the user has scrolled that far, or by what loads it.
 */
import { useCallback, useEffect, useRef } from 'react';
import type { ListsQuery as ListsData, TodoFilter, TodoOrder } from '../gql/graphql';
import { useLiveQuery } from '../live/use-live-query';
import { TodoPageQuery } from './operations';
import { TodoRow } from './TodoRow';

export const PAGE_SIZE = 50;

interface Props {
  /** 0 for the first page. */
  depth: number;
  after: string | null;
  /** How many pages the user has scrolled to. */
  pageCount: number;
  onShowPages: (count: number, withFocus: boolean) => void;
  /** The page whose first todo takes the focus when it appears. */
  focusedPage: number | null;
  listId: string;
  filter: TodoFilter;
  orderBy: TodoOrder;
  readOnly: boolean;
  lists: ListsData['lists'];
  selected: ReadonlySet<string>;
  onToggleSelected: (id: string, on: boolean) => void;
  onTodoRemoved: () => void;
}

export function TodoPage(props: Props) {
  const { depth, after, pageCount, onShowPages, listId, filter, orderBy } = props;
  const [{ data, fetching, error }] = useLiveQuery({
    query: TodoPageQuery,
    variables: { list: listId, first: PAGE_SIZE, after, filter, orderBy },
  });
  const showNext = useCallback((withFocus: boolean) => onShowPages(depth + 2, withFocus), [onShowPages, depth]);
  const connection = data?.list?.todos;
  const next = connection?.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;

  if (!connection) {
    if (error)
      return (
        <li>
          <span role="alert">The todos could not be loaded: {error.message}</span>
        </li>
      );
    return fetching ? (
      <li className="loading">
        <span role="status">Loading todos…</span>
      </li>
    ) : null;
  }
  return (
    <>
      {connection.edges.map(({ node }, index) => (
        <TodoRow
          key={node.id}
          todo={node}
          readOnly={props.readOnly}
          lists={props.lists}
          selected={props.selected.has(node.id)}
          onToggleSelected={props.onToggleSelected}
          onRemoved={props.onTodoRemoved}
          takeFocus={index === 0 && props.focusedPage === depth}
          // In manual order, a todo moves before the one above it or after the one below (on its page).
          neighbours={
            orderBy.field === 'POSITION' && !props.readOnly
              ? { above: connection.edges[index - 1]?.node.id, below: connection.edges[index + 1]?.node.id }
              : undefined
          }
        />
      ))}
      {next &&
        (depth + 1 < pageCount ? (
          <TodoPage {...props} depth={depth + 1} after={next} />
        ) : (
          // Not while this page is loading: its end may be about to move.
          !fetching && <LoadMore onVisible={showNext} />
        ))}
    </>
  );
}

/**
 * Asks for the next page when it scrolls into view; a button for keyboards and
 * screen readers. Tabbing to the button scrolls it into view, which loads the
 * page and removes the button: its focus then goes to the first new todo.
 */
function LoadMore({ onVisible }: { onVisible: (hadFocus: boolean) => void }) {
  const item = useRef<HTMLLIElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const element = item.current;
    if (!element) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) onVisible(document.activeElement === button.current);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [onVisible]);
  return (
    <li ref={item} className="load-more">
      <button type="button" ref={button} onClick={() => onVisible(true)}>
        Load more todos
      </button>
    </li>
  );
}
