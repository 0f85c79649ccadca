/** Every feature's resolvers. A new feature adds its map here. */
import { accountResolvers } from '../accounts/accounts.resolvers.js';
import { changeResolvers } from '../changes/changes.resolvers.js';
import { historyResolvers } from '../history/history.resolvers.js';
import { subtaskResolvers } from '../subtasks/subtasks.resolvers.js';
import { labelResolvers } from '../labels/labels.resolvers.js';
import { syncResolvers } from '../sync/sync.resolvers.js';
import { recurrenceResolvers } from '../recurrence/recurrence.resolvers.js';
import { webhookResolvers } from '../webhooks/webhooks.resolvers.js';
import { listResolvers } from '../lists/lists.resolvers.js';
import { nodeResolvers } from '../nodes/nodes.resolvers.js';
import { todoEditResolvers } from '../todos/todo-edits.resolvers.js';
import { todoPageResolvers } from '../todos/todo-pages.resolvers.js';
import { todoResolvers } from '../todos/todos.resolvers.js';
import type { Resolvers } from './resolvers-types.generated.js';
import { DateScalar, DateTimeScalar } from './scalars.js';

export const resolvers: readonly Resolvers[] = [
  todoResolvers,
  todoEditResolvers,
  todoPageResolvers,
  accountResolvers,
  listResolvers,
  changeResolvers,
  nodeResolvers,
  historyResolvers,
  syncResolvers,
  subtaskResolvers,
  labelResolvers,
  recurrenceResolvers,
  webhookResolvers,
  { Date: DateScalar, DateTime: DateTimeScalar },
];
