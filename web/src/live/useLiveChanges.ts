import { useSubscription } from 'urql';
import { ChangesSubscription } from './operations';

/** Keeps the live `changes` subscription open; the cache (cache.ts) applies each event it brings. */
export function useLiveChanges(): void {
  useSubscription({ query: ChangesSubscription });
}
