import { useState } from 'react';

/**
 * A query's last data while it reads again. After an invalidation Graphcache
 * can answer a query it can no longer fill with no data until the server
 * answers; showing "Loading…" then would unmount everything below it, and lose
 * its state (the pages scrolled to, the filters, the selection).
 */
export function useLastData<T>(data: T | null | undefined, fetching: boolean): T | null | undefined {
  // Kept as state, set while rendering: React's pattern for a value from an earlier render.
  const [last, setLast] = useState(data);
  if (data != null && data !== last) setLast(data);
  return data ?? (fetching ? last : data);
}
