/** Resolvers for lists: the caller's lists, one list, creating, renaming and deleting them. */
import { publishDeletedList, publishList } from '../changes/publish.js';
import type { GraphQLContext } from '../graphql/context.js';
import type { Resolvers } from '../graphql/resolvers-types.generated.js';
import { parseListId, toGlobalId } from '../nodes/global-id.js';
import { findUserByName, type UserRecord } from '../accounts/accounts.repository.js';
import { authenticationRequired, versionConflict, type InputError } from '../todos/todo-input.js';
import { usernameKey } from '../accounts/credentials.js';
import {
  deleteList,
  findLists,
  insertList,
  listLists,
  renameList,
  shareList,
  unshareList,
} from './lists.repository.js';

const MAX_NAME = 100;

const listNotFound = (id: string) => ({
  message: `No list with id ${id} that you own.`,
  code: 'NOT_FOUND',
  field: 'list',
});

/** `who` (a username, or null for the caller) sees as many lists as one user may. */
const tooManyLists = (max: number, who: string | null) => ({
  message:
    who === null
      ? `You already see ${max} lists (your own and those shared with you), the most one user may (MAX_LISTS_PER_USER).`
      : `"${who}" already sees ${max} lists (their own and those shared with them), the most one user may (MAX_LISTS_PER_USER).`,
  code: 'TOO_MANY',
  field: who === null ? null : 'username',
});

function checkName(name: string | null | undefined) {
  if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NAME) {
    return {
      message: `A list name has 1 to ${MAX_NAME} characters, not only spaces.`,
      code: 'INVALID_NAME',
      field: 'name',
    };
  }
  return null;
}

/**
 * Who to add to or remove from which list, by whom; or why not. A list the
 * caller does not own is not found, before anything is said about the user.
 */
async function membershipChange(
  context: GraphQLContext,
  list: string,
  username: string,
): Promise<{ error: InputError } | { owner: number; listId: number; user: UserRecord }> {
  const { viewer, db } = context;
  if (viewer.kind !== 'user') return { error: authenticationRequired };
  const listId = parseListId(list);
  const [owned] = listId === null ? [] : await findLists(db, viewer.user.id, [listId], 'own');
  if (!owned) return { error: listNotFound(list) };
  const user = await findUserByName(db, usernameKey(username));
  if (!user) return { error: { message: `No user named "${username}".`, code: 'NOT_FOUND', field: 'username' } };
  if (user.id === viewer.user.id) {
    return { error: { message: 'A list cannot be shared with its owner.', code: 'INVALID_VALUE', field: 'username' } };
  }
  return { owner: viewer.user.id, listId: owned.id, user };
}

export const listResolvers: Resolvers = {
  Query: {
    lists: async (_root, _args, context) => {
      const { owner } = context;
      return owner === null ? [] : listLists(context.db, owner);
    },
    list: async (_root, { id }, { loaders }) => {
      const listId = parseListId(id);
      return listId === null ? null : ((await loaders.list.load(listId)) ?? null);
    },
  },

  Mutation: {
    createList: async (_root, { input }, context) => {
      const { owner } = context;
      if (owner === null) return { status: false, errors: [authenticationRequired], list: null };
      const problem = checkName(input.name);
      if (problem || typeof input.name !== 'string')
        return { status: false, errors: [problem ?? authenticationRequired], list: null };
      const { maxListsPerUser, maxMembersPerList } = context.bounds;
      const created = await insertList(context.db, owner, input.name, { maxListsPerUser, maxMembersPerList });
      if (created === 'TOO_MANY_LISTS') {
        return { status: false, errors: [tooManyLists(maxListsPerUser, null)], list: null };
      }
      await publishList(context, 'CREATED', created);
      return { status: true, errors: [], list: created };
    },
    updateList: async (_root, { list, input, ifVersion }, context) => {
      const { owner } = context;
      if (owner === null) return { status: false, errors: [authenticationRequired], list: null };
      const listId = parseListId(list);
      if (listId === null) return { status: false, errors: [listNotFound(list)], list: null };
      if (input.name === undefined) {
        // Nothing to change, on a list the caller owns; anything else is not found.
        const [owned] = await findLists(context.db, owner, [listId], 'own');
        if (!owned) return { status: false, errors: [listNotFound(list)], list: null };
        if (ifVersion != null && owned.version !== ifVersion) {
          return { status: false, errors: [versionConflict('list', ifVersion, owned.version)], list: null };
        }
        return { status: true, errors: [], list: owned };
      }
      const problem = checkName(input.name);
      if (problem || typeof input.name !== 'string')
        return { status: false, errors: problem ? [problem] : [], list: null };
      const renamed = await renameList(context.db, owner, listId, input.name, ifVersion ?? undefined);
      if (!renamed) return { status: false, errors: [listNotFound(list)], list: null };
      if ('conflict' in renamed) {
        return { status: false, errors: [versionConflict('list', ifVersion ?? 0, renamed.conflict)], list: null };
      }
      await publishList(context, 'UPDATED', renamed);
      return { status: true, errors: [], list: renamed };
    },
    shareList: async (_root, { list, username, role }, context) => {
      const change = await membershipChange(context, list, username);
      if ('error' in change) return { status: false, errors: [change.error], list: null };
      const { maxListsPerUser, maxMembersPerList } = context.bounds;
      const refusal = await shareList(context.db, change.owner, change.listId, change.user.id, role, {
        maxListsPerUser,
        maxMembersPerList,
      });
      if (refusal !== undefined) {
        const error = {
          NOT_FOUND: listNotFound(list),
          TOO_MANY_LISTS: tooManyLists(maxListsPerUser, change.user.username),
          TOO_MANY_MEMBERS: {
            message: `A list is shared with at most ${maxMembersPerList} users (MAX_MEMBERS_PER_LIST).`,
            code: 'TOO_MANY',
            field: 'list',
          },
        }[refusal];
        return { status: false, errors: [error], list: null };
      }
      const shared = (await context.loaders.list.load(change.listId)) ?? null;
      if (shared) await publishList(context, 'SHARED', shared);
      return { status: true, errors: [], list: shared };
    },
    unshareList: async (_root, { list, username }, context) => {
      const change = await membershipChange(context, list, username);
      if ('error' in change) return { status: false, errors: [change.error], list: null };
      if (!(await unshareList(context.db, change.owner, change.listId, change.user.id))) {
        return { status: false, errors: [listNotFound(list)], list: null };
      }
      const unshared = (await context.loaders.list.load(change.listId)) ?? null;
      // The member just removed hears that they were.
      if (unshared) await publishList(context, 'UNSHARED', unshared, [change.user.id]);
      return { status: true, errors: [], list: unshared };
    },
    deleteList: async (_root, { list }, context) => {
      const { owner } = context;
      if (owner === null) return { status: false, errors: [authenticationRequired], deletedId: null };
      const listId = parseListId(list);
      // Who could read the list, read as it goes: its members go with it.
      const audience = listId === null ? undefined : await deleteList(context.db, owner, listId);
      if (listId !== null && audience !== undefined) {
        await publishDeletedList(context, listId, audience);
        return { status: true, errors: [], deletedId: toGlobalId('TodoList', listId) };
      }
      const existing = listId === null ? undefined : await context.loaders.list.load(listId);
      return {
        status: false,
        errors: [
          existing?.isInbox && existing.ownerId === owner
            ? { message: 'The Inbox cannot be deleted.', code: 'CANNOT_DELETE_INBOX', field: 'list' }
            : listNotFound(list),
        ],
        deletedId: null,
      };
    },
  },

  TodoList: {
    id: (list) => toGlobalId('TodoList', list.id),
    owner: async (list, _args, { loaders }) => (await loaders.user.load(list.ownerId)) ?? null,
    openCount: async (list, _args, { loaders }) => (await loaders.counts.load(list.id)).open,
    doneCount: async (list, _args, { loaders }) => (await loaders.counts.load(list.id)).done,
    access: async (list, _args, { owner, loaders }) => {
      if (list.ownerId === owner) return 'OWNER';
      const members = await loaders.members.load(list.id);
      return members.find((member) => member.userId === owner)?.role ?? 'VIEWER';
    },
    members: async (list, _args, { loaders }) =>
      (await loaders.members.load(list.id)).map((member) => ({
        user: { id: member.userId, username: member.username },
        role: member.role,
      })),
  },
};
