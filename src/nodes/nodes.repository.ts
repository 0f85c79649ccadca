/** The reads behind `node` and `nodes` that no other feature has. */
import type { Kysely } from 'kysely';
import type { UserRecord } from '../accounts/accounts.repository.js';
import { ANONYMOUS_OWNER, type Tables } from '../db/tables.js';
import { accessibleListIds } from '../lists/list-access.js';

/**
 * The users among `ids` that `owner` may see: themself, and whoever owns or is
 * a member of a list they may read, which is where the API shows users anyway.
 */
export async function findVisibleUsers(
  db: Kysely<Tables>,
  owner: number,
  ids: readonly number[],
): Promise<UserRecord[]> {
  if (ids.length === 0) return [];
  const readable = accessibleListIds(db, owner, 'read');
  return db
    .selectFrom('users')
    .select(['users.id', 'users.username'])
    .where('users.id', 'in', ids)
    .where('users.id', '<>', ANONYMOUS_OWNER)
    .where((eb) =>
      eb.or([
        eb('users.id', '=', owner),
        eb('users.id', 'in', db.selectFrom('lists').select('lists.owner_id').where('lists.id', 'in', readable)),
        eb(
          'users.id',
          'in',
          db.selectFrom('list_members').select('list_members.user_id').where('list_members.list_id', 'in', readable),
        ),
      ]),
    )
    .execute();
}
