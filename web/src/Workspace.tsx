/** The signed-in (or anonymous) screen: the lists beside the chosen list's todos. */
import { useCallback, useEffect, useState } from 'react';
import { useMutation } from 'urql';
import { LogoutMutation } from './accounts/operations';
import { ListsNav } from './lists/ListsNav';
import { ListView } from './lists/ListView';
import { ListsQuery } from './lists/operations';
import { LiveIndicator } from './live/LiveIndicator';
import { useLiveQuery } from './live/use-live-query';
import { useLiveChanges } from './live/useLiveChanges';
import { ErrorMessages, errorsOf, type PayloadError } from './ui/ErrorMessages';

interface Props {
  user: { id: string; username: string } | null;
  onSignOut: () => void;
}

/** The list in the address (`?list=<id>`), so a list can be bookmarked and Back works. */
function useSelectedListId(): [string | null, (id: string) => void] {
  const read = () => new URLSearchParams(location.search).get('list');
  const [selected, setSelected] = useState(read);
  useEffect(() => {
    const onPop = () => setSelected(read());
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  const select = useCallback((id: string) => {
    history.pushState(null, '', `?list=${encodeURIComponent(id)}`);
    setSelected(id);
  }, []);
  return [selected, select];
}

export function Workspace({ user, onSignOut }: Props) {
  const [{ data, fetching, error }] = useLiveQuery({ query: ListsQuery });
  const [logoutState, logout] = useMutation(LogoutMutation);
  const [selectedId, select] = useSelectedListId();
  const [signOutError, setSignOutError] = useState<readonly PayloadError[]>([]);
  useLiveChanges();

  const lists = data?.lists ?? [];
  const selected = lists.find((list) => list.id === selectedId) ?? lists.find((list) => list.isInbox) ?? lists[0];

  return (
    <div className="workspace">
      <header className="top-bar">
        <h1>Todos</h1>
        <LiveIndicator />
        <div className="account">
          {user ? <span>Signed in as {user.username}</span> : <span>Not signed in</span>}
          <button
            type="button"
            disabled={logoutState.fetching}
            onClick={() => {
              if (!user) onSignOut();
              else
                void logout({}).then((result) => {
                  if (result.data?.logout.status) onSignOut();
                  else setSignOutError(errorsOf(result, null));
                });
            }}
          >
            {user ? 'Sign out' : 'Sign in'}
          </button>
          <ErrorMessages errors={signOutError} />
        </div>
      </header>
      <ListsNav lists={lists} selectedId={selected?.id ?? null} onSelect={select} canCreate={user !== null} />
      <main className="list-main">
        {error && !data && <p role="alert">The lists could not be loaded: {error.message}</p>}
        {fetching && !data && (
          <p className="loading" role="status">
            Loading lists…
          </p>
        )}
        {selected && (
          <ListView key={selected.id} listId={selected.id} lists={lists} onDeleted={() => select(lists[0]?.id ?? '')} />
        )}
      </main>
    </div>
  );
}
