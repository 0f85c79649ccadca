import { useCallback, useEffect, useState } from 'react';
import { useQuery, type AnyVariables, type UseQueryArgs, type UseQueryResponse } from 'urql';
import { useApiClient } from './api-client';

/**
 * useQuery for what a screen shows while changes arrive live:
 *
 * - After each reconnection of the live connection, when changes may have been
 *   missed, it reads its data again from the server.
 * - While it has neither data nor an error, it keeps its last data. After an
 *   invalidation Graphcache can answer a query it can no longer fill with no
 *   data (and not yet fetching) until the server answers; showing "Loading…"
 *   then would unmount everything below it, and lose its state (the pages
 *   scrolled to, the filters, the selection). A null the server answered (a
 *   list no longer shared) is a field of the data, so it still shows.
 */
export function useLiveQuery<Data, Variables extends AnyVariables>(
  args: UseQueryArgs<Variables, Data>,
): UseQueryResponse<Data, Variables> {
  const [state, reexecute] = useQuery(args);
  const api = useApiClient();
  const catchUp = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  useEffect(() => api.onReconnected(catchUp), [api, catchUp]);
  // Kept as state, set while rendering: React's pattern for a value from an earlier render.
  const [last, setLast] = useState(state.data);
  if (state.data != null && state.data !== last) setLast(state.data);
  return [{ ...state, data: state.data ?? (state.error ? state.data : last) }, reexecute];
}
