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
    api.dispose();
    const next = createApiClient();
    setSession((previous) => ({ api: next, generation: previous.generation + 1 }));
  }, [api]);
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
  // A session that ended (expired, signed out elsewhere) is answered 401, and its cookie cleared: sign in again.
  const sessionEnded = error?.response instanceof Response && error.response.status === 401;
  if (fetching && !data)
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  if (error && !data && !sessionEnded)
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
