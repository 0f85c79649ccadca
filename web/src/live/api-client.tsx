/**
 * Gives the screens the API client: urql's Provider for queries, and the live
 * connection's status and reconnections for the header and the data hooks.
 */
import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import { Provider } from 'urql';
import type { ApiClient, LiveStatus } from '../client';

const ApiClientContext = createContext<ApiClient | null>(null);

export function ApiClientProvider({ api, children }: { api: ApiClient; children: ReactNode }) {
  return (
    <ApiClientContext.Provider value={api}>
      <Provider value={api.client}>{children}</Provider>
    </ApiClientContext.Provider>
  );
}

export function useApiClient(): ApiClient {
  const api = useContext(ApiClientContext);
  if (!api) throw new Error('useApiClient outside ApiClientProvider');
  return api;
}

export function useLiveStatus(): LiveStatus {
  const api = useApiClient();
  return useSyncExternalStore(api.onStatus, api.status);
}
