import { useState } from 'react';
import type { CombinedError } from 'urql';

/**
 * A query's data, or its last data while there is none and no error: after an
 * invalidation Graphcache can answer a query it can no longer fill with no
 * data (and not yet fetching) until the server answers. Showing "Loading…"
 * then would unmount everything below it, and lose its state (the pages
 * scrolled to, the filters, the selection). A null the server answered (a list
 * no longer shared) is a field of the data, so it still shows.
 */
export function useLastData<T>(data: T | undefined, error: CombinedError | undefined): T | undefined {
  // Kept as state, set while rendering: React's pattern for a value from an earlier render.
  const [last, setLast] = useState(data);
  if (data != null && data !== last) setLast(data);
  return data ?? (error ? data : last);
}
