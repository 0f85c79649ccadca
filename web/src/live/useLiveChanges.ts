import { useEffect } from 'react';
import { useSubscription } from 'urql';
import { ChangesSubscription } from './operations';

const RESUBSCRIBE_AFTER_MS = 3_000;

/**
 * Keeps the live `changes` subscription open; the cache (cache.ts) applies each
 * event it brings. graphql-ws retries a lost connection itself, but some
 * closes (rate limited, a slow consumer dropped, a refused subscribe) end the
 * subscription with an error instead: it is made again after a pause, and the
 * new connection makes every screen catch up (client.ts).
 */
export function useLiveChanges(): void {
  const [{ error }, resubscribe] = useSubscription({ query: ChangesSubscription });
  useEffect(() => {
    if (!error) return;
    const timer = setTimeout(() => resubscribe({}), RESUBSCRIBE_AFTER_MS);
    return () => clearTimeout(timer);
  }, [error, resubscribe]);
}
