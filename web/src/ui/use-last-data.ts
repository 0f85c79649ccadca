import { useRef } from 'react';

/**
 * A query's last data while it reads again. After an invalidation Graphcache
 * can answer a query it can no longer fill with no data until the server
 * answers; showing "Loading…" then would unmount everything below it, and lose
 * its state (the pages scrolled to, the filters, the selection).
 */
export function useLastData<T>(data: T | null | undefined, fetching: boolean): T | null | undefined {
  const last = useRef(data);
  if (data != null) last.current = data;
  return data ?? (fetching ? last.current : data);
}
