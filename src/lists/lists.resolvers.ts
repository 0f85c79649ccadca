/** Resolvers for lists: the caller's lists, one list, creating, renaming and deleting them. */
import type { GraphQLContext } from '../graphql/context.js';
import type { Resolvers } from '../graphql/resolvers-types.generated.js';
import { parseId } from '../todos/todo-id.js';
import { deleteList, insertList, listLists, renameList } from './lists.repository.js';

const MAX_NAME = 100;

const authenticationRequired = {
  message: 'Authentication required',
  code: 'UNAUTHENTICATED',
  field: null,
};

const listNotFound = (id: string) => ({
  message: `No list with id ${id} that you own.`,
  code: 'NOT_FOUND',
  field: 'list',
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

const ownerOf = ({ owner }: GraphQLContext) => owner;

export const listResolvers: Resolvers = {
  Query: {
    lists: async (_root, _args, context) => {
      const owner = ownerOf(context);
      return owner === null ? [] : listLists(context.db, owner);
    },
    list: async (_root, { id }, { loaders }) => {
      const listId = parseId(id);
      return listId === null ? null : ((await loaders.list.load(listId)) ?? null);
    },
  },

  Mutation: {
    createList: async (_root, { input }, context) => {
      const owner = ownerOf(context);
      if (owner === null) return { status: false, errors: [authenticationRequired], list: null };
      const problem = checkName(input.name);
      if (problem || typeof input.name !== 'string')
        return { status: false, errors: [problem ?? authenticationRequired], list: null };
      return { status: true, errors: [], list: await insertList(context.db, owner, input.name) };
    },
    updateList: async (_root, { list, input }, context) => {
      const owner = ownerOf(context);
      if (owner === null) return { status: false, errors: [authenticationRequired], list: null };
      const listId = parseId(list);
      if (listId === null) return { status: false, errors: [listNotFound(list)], list: null };
      if (input.name === undefined)
        return { status: true, errors: [], list: (await context.loaders.list.load(listId)) ?? null };
      const problem = checkName(input.name);
      if (problem || typeof input.name !== 'string')
        return { status: false, errors: problem ? [problem] : [], list: null };
      const renamed = await renameList(context.db, owner, listId, input.name);
      return renamed
        ? { status: true, errors: [], list: renamed }
        : { status: false, errors: [listNotFound(list)], list: null };
    },
    deleteList: async (_root, { list }, context) => {
      const owner = ownerOf(context);
      if (owner === null) return { status: false, errors: [authenticationRequired], deletedId: null };
      const listId = parseId(list);
      const deleted = listId !== null && (await deleteList(context.db, owner, listId));
      if (deleted) return { status: true, errors: [], deletedId: list };
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
    owner: async (list, _args, { loaders }) => (await loaders.user.load(list.ownerId)) ?? null,
    openCount: async (list, _args, { loaders }) => (await loaders.counts.load(list.id)).open,
    doneCount: async (list, _args, { loaders }) => (await loaders.counts.load(list.id)).done,
  },
};
