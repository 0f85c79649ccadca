/**
 * Compile-time checks, run by `npm run typecheck` (part of `npm test`): resolver
 * code that no longer matches the SDL must fail the build. Each `@ts-expect-error`
 * below fails the type check if the generated types ever stop catching it.
 */
import type { Resolvers } from '../src/graphql/resolvers-types.generated.js';

export const wrongPayloadType: Resolvers = {
  Query: {
    // @ts-expect-error TodosResult.success is Boolean!, not a string
    todos: () => ({ success: 'yes', errors: null, todos: [] }),
  },
};

export const missingRequiredField: Resolvers = {
  Mutation: {
    // @ts-expect-error DeleteTodoResult.success is non-null and must be returned
    deleteTodo: () => ({ errors: null }),
  },
};

export const wrongArgumentName: Resolvers = {
  Query: {
    // @ts-expect-error todo's argument is todoId, not id
    todo: (_root, { id }: { id: string }) => ({ success: id === '' }),
  },
};

export const unknownField: Resolvers = {
  Query: {
    // @ts-expect-error Query has no field todoz
    todoz: () => null,
  },
};
