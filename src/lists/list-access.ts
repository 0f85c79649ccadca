/**
 * Who may do what with a list: the one place the rule lives. Every query that
 * reads or changes lists or todos takes its list ids from here, so a list the
 * caller may not act on is, to the caller, a list that does not exist.
 *
 * - `own`: lists the caller owns (renaming, deleting, sharing).
 * - `write`: owned lists and lists shared with the caller as EDITOR (changing todos).
 * - `read`: owned lists and every list shared with the caller.
 */
import { sql, type Kysely } from 'kysely';
import type { Tables } from '../db/tables.js';

export type ListAccess = 'own' | 'write' | 'read';

export type ListRole = 'VIEWER' | 'EDITOR';

/** A subquery of the ids of the lists `owner` may act on at `access`. */
export function accessibleListIds(db: Kysely<Tables>, owner: number, access: ListAccess) {
  const owned = db.selectFrom('lists').select('lists.id').where('lists.owner_id', '=', owner);
  if (access === 'own') return owned;
  const shared = db
    .selectFrom('list_members')
    .select('list_members.list_id as id')
    .where('list_members.user_id', '=', owner);
  // The role as a literal, not a parameter: prepared queries bind only the values their callers pass.
  return owned.union(access === 'write' ? shared.where('list_members.role', '=', sql.lit('EDITOR')) : shared);
}
