/**
 * The app: who the user is decides the screen. Signing in or out starts a new
 * API client, so no cached data and no live connection outlives its session.
 */
import { useCallback, useEffect, useState } from 'react';
import { useQuery } from 'urql';
import { createApiClient } from './client';
import { ApiClientProvider } from './live/api-client';
import { MeQuery } from './accounts/operations';
import { SignInScreen } from './accounts/SignInScreen';
import { Workspace } from './Workspace';

export function App() {
  const [{ api, generation }, setSession] = useState(() => ({ api: createApiClient(), generation: 0 }));
  const newSession = useCallback(() => {
    setSession((previous) => {
      previous.api.dispose();
      return { api: createApiClient(), generation: previous.generation + 1 };
    });
  }, []);
  // A session ended by the server (signed out in another tab, expired) starts over at the sign-in screen.
  useEffect(() => api.onSessionEnded(newSession), [api, newSession]);
  return (
    <ApiClientProvider api={api}>
      <Session key={generation} onSessionChange={newSession} />
    </ApiClientProvider>
  );
}

function Session({ onSessionChange }: { onSessionChange: () => void }) {
  const [{ data, fetching, error }, refetch] = useQuery({ query: MeQuery, requestPolicy: 'network-only' });
  const [anonymous, setAnonymous] = useState(false);
  if (fetching && !data)
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  if (error && !data)
    return (
      <main className="centered">
        <p role="alert">The server cannot be reached: {error.message}</p>
        <button type="button" onClick={() => refetch({ requestPolicy: 'network-only' })}>
          Try again
        </button>
      </main>
    );
  if (data?.me || anonymous) return <Workspace user={data?.me ?? null} onSignOut={onSessionChange} />;
  return <SignInScreen onSignedIn={onSessionChange} onContinueAnonymously={() => setAnonymous(true)} />;
}
