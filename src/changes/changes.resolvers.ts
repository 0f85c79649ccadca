/** The `changes` subscription and the fields of a `Change`. */
import type { Resolvers } from '../graphql/resolvers-types.generated.js';
import { parseId } from '../todos/todo-id.js';
import type { ChangeEvent } from './change-bus.js';

/** Each change as the subscription's payload, `{ changes: … }`. */
async function* payloads(events: AsyncIterable<ChangeEvent> | null): AsyncGenerator<{ changes: ChangeEvent }> {
  // A caller without a space (anonymous access off) has nothing to hear.
  if (!events) return;
  for await (const event of events) yield { changes: event };
}

export const changeResolvers: Resolvers = {
  Subscription: {
    changes: {
      subscribe: (_root, { list }, { owner, changes }) => {
        const listId = list == null ? undefined : (parseId(list) ?? 0);
        return payloads(owner === null ? null : changes.changesFor(owner, listId));
      },
    },
  },
  Change: {
    todoId: (event) => (event.todoId === null ? null : String(event.todoId)),
    // The subscriber is in the change's audience, so it may read the list; a deleted one is null.
    list: async (event, _args, { loaders }) => event.list ?? (await loaders.list.load(event.listId)) ?? null,
  },
};
