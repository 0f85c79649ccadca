/** The `changes` subscription and the fields of a `Change`. */
import type { Resolvers } from '../graphql/resolvers-types.generated.js';
import { parseListId, toGlobalId } from '../nodes/global-id.js';
import type { ChangeEvent } from './change-bus.js';

/** What a caller without a space (anonymous access off) hears: nothing, and the stream ends. */
const NOTHING: AsyncIterableIterator<ChangeEvent> = {
  next: () => Promise.resolve({ value: undefined, done: true }),
  [Symbol.asyncIterator]() {
    return this;
  },
};

export const changeResolvers: Resolvers = {
  Subscription: {
    changes: {
      // The bus's iterator goes to graphql-js as it is: wrapped in an async generator,
      // a client's "complete" would wait for the next change before releasing it.
      // Subscriptions live past their request, so the log says when each starts and ends.
      subscribe: (_root, { list }, { owner, address, changes, dropSlowConsumer, log }) => {
        if (owner === null) return NOTHING;
        const listId = list == null ? undefined : (parseListId(list) ?? 0);
        const subscription = changes.changesFor(owner, listId, address, {
          ended: () => log.info({ owner, listId }, 'subscription ended'),
          overflowed: () => {
            log.warn({ owner, listId }, 'subscriber dropped: too many changes left unread');
            dropSlowConsumer();
          },
        });
        log.info({ owner, listId }, 'subscription started');
        return subscription;
      },
      resolve: (event: ChangeEvent) => event,
    },
  },
  // A subscriber sees the todo and list as they were at the change, if it may
  // read them now: a member just removed, or the readers of a list a todo left,
  // hear of the change without seeing either. (Nested fields read the database
  // afresh: a subscription's loaders cache nothing between changes.)
  Change: {
    todo: (event, _args, { owner }) => (owner !== null && event.readers.includes(owner) ? event.todo : null),
    todoId: (event) => (event.todoId === null ? null : String(event.todoId)),
    listId: (event) => toGlobalId('TodoList', event.listId),
    deletedType: (event) => (event.kind !== 'DELETED' ? null : event.todoId === null ? 'TodoList' : 'Todo'),
    deletedId: (event) =>
      event.kind !== 'DELETED'
        ? null
        : event.todoId === null
          ? toGlobalId('TodoList', event.listId)
          : String(event.todoId),
    list: (event, _args, { owner }) => (owner !== null && event.readers.includes(owner) ? event.list : null),
  },
};
