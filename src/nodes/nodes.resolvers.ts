/** `node` and `nodes`: any object fetched again by its id alone, as Relay does. */
import { GraphQLError } from 'graphql';
import type { UserRecord } from '../accounts/accounts.repository.js';
import type { GraphQLContext } from '../graphql/context.js';
import type { Resolvers } from '../graphql/resolvers-types.generated.js';
import type { ListRecord } from '../lists/lists.repository.js';
import { visibleLabels, type LabelRecord } from '../labels/labels.repository.js';
import type { TodoRecord } from '../todos/todo.js';
import { findTodos } from '../todos/todos.repository.js';
import { fromGlobalId } from './global-id.js';
import { findVisibleUsers } from './nodes.repository.js';

type NodeRecord = TodoRecord | ListRecord | UserRecord | LabelRecord;
type NodeType = NonNullable<ReturnType<typeof fromGlobalId>>['type'];

/**
 * The objects `ids` name, in order, each null where it names nothing the caller
 * may see. One statement per type however many ids: `nodes` takes up to
 * MAX_PAGE_SIZE of them.
 */
async function loadNodes(context: GraphQLContext, ids: readonly string[]): Promise<(NodeRecord | null)[]> {
  const { db, owner, loaders } = context;
  if (owner === null) return ids.map(() => null);
  const named = ids.map(fromGlobalId);
  const idsOf = (type: NodeType) => [...new Set(named.flatMap((node) => (node?.type === type ? [node.id] : [])))];
  const todoIds = idsOf('Todo');
  const [todos, lists, users, labels] = await Promise.all([
    todoIds.length === 0 ? [] : context.budget.read(() => findTodos(db, owner, todoIds)),
    Promise.all(idsOf('TodoList').map((id) => loaders.list.load(id))),
    findVisibleUsers(db, owner, idsOf('User')),
    visibleLabels(db, owner, idsOf('Label')),
  ]);
  const found: Record<NodeType, Map<number, NodeRecord>> = {
    Todo: new Map(todos.map((todo) => [todo.id, todo])),
    TodoList: new Map(lists.flatMap((list) => (list ? [[list.id, list] as const] : []))),
    User: new Map(users.map((user) => [user.id, user])),
    Label: new Map(labels.map((label) => [label.id, label])),
  };
  return named.map((node) => (node === null ? null : (found[node.type].get(node.id) ?? null)));
}

export const nodeResolvers: Resolvers = {
  Query: {
    node: async (_root, { id }, context) => (await loadNodes(context, [id]))[0] ?? null,
    nodes: (_root, { ids }, context) => {
      const { maxPageSize } = context.bounds;
      if (ids.length > maxPageSize) {
        throw new GraphQLError(`"nodes" takes at most ${maxPageSize} ids (MAX_PAGE_SIZE); ${ids.length} were given.`, {
          extensions: { code: 'BAD_USER_INPUT' },
        });
      }
      return loadNodes(context, ids);
    },
  },
  Node: {
    __resolveType: (node) =>
      'description' in node ? 'Todo' : 'username' in node ? 'User' : 'color' in node ? 'Label' : 'TodoList',
  },
};
