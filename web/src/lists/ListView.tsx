/** One list: its name and what its owner may do with it (rename, share, delete), then its todos. */
import { useId, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import type { ListsQuery as ListsData } from '../gql/graphql';
import { useLiveQuery } from '../live/use-live-query';
import { TodoPanel } from '../todos/TodoPanel';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { ErrorMessages, errorsOf, type PayloadError } from '../ui/ErrorMessages';
import { DeleteListMutation, ListDetailsQuery, RenameListMutation } from './operations';
import { SharePanel } from './SharePanel';

interface Props {
  listId: string;
  lists: ListsData['lists'];
  onDeleted: () => void;
}

const ROLE_NOTE = {
  OWNER: null,
  EDITOR: 'Shared with you: you can add, change and delete its todos.',
  VIEWER: 'Shared with you to view: only its owner and editors can change it.',
} as const;

export function ListView({ listId, lists, onDeleted }: Props) {
  const [{ data, fetching, error }] = useLiveQuery({ query: ListDetailsQuery, variables: { list: listId } });
  const [renameState, rename] = useMutation(RenameListMutation);
  const [, deleteList] = useMutation(DeleteListMutation);
  const [editingName, setEditingName] = useState<string | null>(null);
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const [sharing, setSharing] = useState(false);
  const [errors, setErrors] = useState<readonly PayloadError[]>([]);
  const id = useId();

  const list = data?.list;
  if (!list) {
    if (fetching) return <p role="status">Loading…</p>;
    if (error) return <p role="alert">The list could not be loaded: {error.message}</p>;
    return <p role="alert">This list no longer exists, or it is no longer shared with you.</p>;
  }
  const owner = list.access === 'OWNER';

  async function submitRename(event: FormEvent) {
    event.preventDefault();
    if (editingName === null) return;
    const result = await rename({ list: listId, name: editingName });
    const payload = result.data?.updateList;
    setErrors(errorsOf(result, payload));
    if (payload?.status) setEditingName(null);
  }

  async function confirmDelete() {
    setConfirmingDelete(false);
    const result = await deleteList({ list: listId });
    const payload = result.data?.deleteList;
    setErrors(errorsOf(result, payload));
    if (payload?.status) onDeleted();
  }

  return (
    <section className="list-view" aria-labelledby={`${id}-name`}>
      <header className="list-header">
        {editingName === null ? (
          <h2 id={`${id}-name`}>{list.name}</h2>
        ) : (
          <form className="row" onSubmit={(event) => void submitRename(event)}>
            <h2 id={`${id}-name`} className="visually-hidden">
              {list.name}
            </h2>
            <label htmlFor={`${id}-rename`} className="visually-hidden">
              List name
            </label>
            <input
              id={`${id}-rename`}
              value={editingName}
              maxLength={100}
              autoFocus
              onChange={(event) => setEditingName(event.target.value)}
            />
            <button type="submit" className="primary" disabled={renameState.fetching}>
              Save
            </button>
            <button type="button" onClick={() => setEditingName(null)}>
              Cancel
            </button>
          </form>
        )}
        {owner && !list.isInbox && editingName === null && (
          <div className="row">
            <button type="button" onClick={() => setEditingName(list.name)}>
              Rename
            </button>
            <button type="button" aria-expanded={sharing} onClick={() => setSharing(!sharing)}>
              Share
            </button>
            <button type="button" className="danger" onClick={() => setConfirmingDelete(true)}>
              Delete list
            </button>
          </div>
        )}
      </header>
      {ROLE_NOTE[list.access] && (
        <p className="role-note">
          {ROLE_NOTE[list.access]} Owner: {list.owner?.username}.
        </p>
      )}
      <ErrorMessages errors={errors} />
      {(sharing || (!owner && list.members.length > 0)) && (
        <SharePanel listId={list.id} members={list.members} canManage={owner} />
      )}
      <ConfirmDialog
        open={confirmingDelete}
        title={`Delete “${list.name}”?`}
        message={`The list and its ${list.openCount + list.doneCount} todos will be deleted for everyone it is shared with. This cannot be undone.`}
        confirmLabel="Delete list"
        onConfirm={() => void confirmDelete()}
        onCancel={() => setConfirmingDelete(false)}
      />
      <TodoPanel listId={list.id} lists={lists} readOnly={list.access === 'VIEWER'} />
    </section>
  );
}
