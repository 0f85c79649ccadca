/** Who a list is shared with, and (for its owner) a form to share it or change and remove members. */
import { useId, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import type { ListRole } from '../gql/graphql';
import { ErrorMessages, errorsOf, type PayloadError } from '../ui/ErrorMessages';
import { ShareListMutation, UnshareListMutation } from './operations';

interface Member {
  role: ListRole;
  user: { id: string; username: string };
}

interface Props {
  listId: string;
  members: readonly Member[];
  canManage: boolean;
}

const ROLE_NAMES: Record<ListRole, string> = { VIEWER: 'Viewer', EDITOR: 'Editor' };

export function SharePanel({ listId, members, canManage }: Props) {
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<ListRole>('EDITOR');
  const [errors, setErrors] = useState<readonly PayloadError[]>([]);
  const [shareState, share] = useMutation(ShareListMutation);
  const [, unshare] = useMutation(UnshareListMutation);
  const id = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const result = await share({ list: listId, username, role });
    const payload = result.data?.shareList;
    setErrors(errorsOf(result, payload));
    if (payload?.status) setUsername('');
  }

  async function remove(member: string) {
    const result = await unshare({ list: listId, username: member });
    setErrors(errorsOf(result, result.data?.unshareList));
  }

  return (
    <section className="share-panel" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Shared with</h3>
      {members.length === 0 ? (
        <p>Nobody yet.</p>
      ) : (
        <ul className="members">
          {members.map((member) => (
            <li key={member.user.id}>
              <span>{member.user.username}</span> <span className="badge">{ROLE_NAMES[member.role]}</span>
              {canManage && (
                <button type="button" className="link" onClick={() => void remove(member.user.username)}>
                  Stop sharing with {member.user.username}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {canManage && (
        <form className="row wrap" onSubmit={(event) => void submit(event)}>
          <label htmlFor={`${id}-user`}>Username</label>
          <input id={`${id}-user`} value={username} onChange={(event) => setUsername(event.target.value)} />
          <label htmlFor={`${id}-role`}>Role</label>
          <select id={`${id}-role`} value={role} onChange={(event) => setRole(event.target.value as ListRole)}>
            <option value="EDITOR">Editor: can change todos</option>
            <option value="VIEWER">Viewer: can only read</option>
          </select>
          <button type="submit" className="primary" disabled={shareState.fetching || username.trim() === ''}>
            Share
          </button>
        </form>
      )}
      <ErrorMessages errors={errors} />
    </section>
  );
}
