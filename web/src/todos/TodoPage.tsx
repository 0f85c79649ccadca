/** One page of todos; the last page shown loads the next when it scrolls into view. */
import { useCallback, useEffect, useRef } from 'react';
import { useQuery } from 'urql';
import type { ListsQuery as ListsData, TodoFilter, TodoOrder } from '../gql/graphql';
import { useCatchUp } from '../live/api-client';
import { TodoPageQuery } from './operations';
import { TodoRow } from './TodoRow';

export const PAGE_SIZE = 50;

interface Props {
  listId: string;
  after: string | null;
  filter: TodoFilter;
  orderBy: TodoOrder;
  isLast: boolean;
  readOnly: boolean;
  lists: ListsData['lists'];
  selected: ReadonlySet<string>;
  onToggleSelected: (id: string, on: boolean) => void;
  onMore: (after: string) => void;
}

export function TodoPage(props: Props) {
  const { listId, after, filter, orderBy, isLast, onMore } = props;
  const [{ data, fetching, error }, refetch] = useQuery({
    query: TodoPageQuery,
    variables: { list: listId, first: PAGE_SIZE, after, filter, orderBy },
  });
  useCatchUp(useCallback(() => refetch({ requestPolicy: 'network-only' }), [refetch]));
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
      {connection.edges.map(({ node }) => (
        <TodoRow
          key={node.id}
          todo={node}
          readOnly={props.readOnly}
          lists={props.lists}
          selected={props.selected.has(node.id)}
          onToggleSelected={props.onToggleSelected}
        />
      ))}
      {isLast && next && <LoadMore onVisible={() => onMore(next)} />}
    </>
  );
}

/** Asks for the next page when it scrolls into view; a button for keyboards and screen readers. */
function LoadMore({ onVisible }: { onVisible: () => void }) {
  const item = useRef<HTMLLIElement>(null);
  useEffect(() => {
    const element = item.current;
    if (!element) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) onVisible();
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [onVisible]);
  return (
    <li ref={item} className="load-more">
      <button type="button" onClick={onVisible}>
        Load more todos
      </button>
    </li>
  );
}
