/** `node` and `nodes`: any object fetched again by its id alone, as Relay does. */
import { GraphQLError } from 'graphql';
import type { UserRecord } from '../accounts/accounts.repository.js';
import type { GraphQLContext } from '../graphql/context.js';
import type { Resolvers } from '../graphql/resolvers-types.generated.js';
import type { ListRecord } from '../lists/lists.repository.js';
import type { TodoRecord } from '../todos/todo.js';
import { findTodo } from '../todos/todos.repository.js';
import { fromGlobalId } from './global-id.js';
import { findVisibleUsers } from './nodes.repository.js';

type NodeRecord = TodoRecord | ListRecord | UserRecord;

/** The object `id` names, if the caller may see it. */
async function loadNode(context: GraphQLContext, id: string): Promise<NodeRecord | null> {
  const { db, owner, loaders } = context;
  const named = fromGlobalId(id);
  if (named === null || owner === null) return null;
  switch (named.type) {
    case 'Todo':
      return (await context.budget.read(() => findTodo(db, owner, named.id))) ?? null;
    case 'TodoList':
      return (await loaders.list.load(named.id)) ?? null;
    case 'User':
      return (await findVisibleUsers(db, owner, [named.id]))[0] ?? null;
  }
}

export const nodeResolvers: Resolvers = {
  Query: {
    node: (_root, { id }, context) => loadNode(context, id),
    nodes: (_root, { ids }, context) => {
      const { maxPageSize } = context.bounds;
      if (ids.length > maxPageSize) {
        throw new GraphQLError(`"nodes" takes at most ${maxPageSize} ids (MAX_PAGE_SIZE); ${ids.length} were given.`, {
          extensions: { code: 'BAD_USER_INPUT' },
        });
      }
      return Promise.all(ids.map((id) => loadNode(context, id)));
    },
  },
  Node: {
    __resolveType: (node) => ('description' in node ? 'Todo' : 'username' in node ? 'User' : 'TodoList'),
  },
};
