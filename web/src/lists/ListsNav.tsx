/** The user's lists (their own, then those shared with them) and a form for a new one. */
import { useId, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import type { ListsQuery as ListsData } from '../gql/graphql';
import { ErrorMessages, errorsOf, type PayloadError } from '../ui/ErrorMessages';
import { CreateListMutation } from './operations';

type List = ListsData['lists'][number];

interface Props {
  lists: readonly List[];
  selectedId: string | null;
  onSelect: (id: string) => void;
  canCreate: boolean;
}

export function ListsNav({ lists, selectedId, onSelect, canCreate }: Props) {
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<readonly PayloadError[]>([]);
  const [createState, createList] = useMutation(CreateListMutation);
  const id = useId();

  async function create(event: FormEvent) {
    event.preventDefault();
    const result = await createList({ name });
    const payload = result.data?.createList;
    setErrors(errorsOf(result, payload));
    if (payload?.list) {
      setName('');
      onSelect(payload.list.id);
    }
  }

  return (
    <nav className="lists-nav" aria-label="Lists">
      <h2 className="visually-hidden">Lists</h2>
      <ul>
        {lists.map((list) => (
          <li key={list.id}>
            <a
              href={`?list=${encodeURIComponent(list.id)}`}
              aria-current={list.id === selectedId ? 'page' : undefined}
              onClick={(event) => {
                event.preventDefault();
                onSelect(list.id);
              }}
            >
              <span className="list-name">{list.name}</span>
              {list.access !== 'OWNER' && list.owner && <span className="shared-by">from {list.owner.username}</span>}
              <span className="count">
                {list.openCount}
                <span className="visually-hidden"> open</span>
              </span>
            </a>
          </li>
        ))}
      </ul>
      {canCreate && (
        <form className="new-list" onSubmit={(event) => void create(event)}>
          <label htmlFor={`${id}-name`}>New list</label>
          <div className="row">
            <input id={`${id}-name`} value={name} maxLength={100} onChange={(event) => setName(event.target.value)} />
            <button type="submit" disabled={createState.fetching || name.trim() === ''}>
              Add list
            </button>
          </div>
          <ErrorMessages errors={errors} />
        </form>
      )}
    </nav>
  );
}
