/** Resolvers for accounts: who is calling, and register, login, logout. */
import { toGlobalId } from '../nodes/global-id.js';
import type { Resolvers } from '../graphql/resolvers-types.generated.js';

export const accountResolvers: Resolvers = {
  User: {
    id: (user) => toGlobalId('User', user.id),
  },
  Query: {
    isAuthenticated: (_root, _args, { viewer }) => viewer.kind === 'user',
    me: (_root, _args, { viewer }) => (viewer.kind === 'user' ? viewer.user : null),
  },

  Mutation: {
    register: (_root, { input }, context) => context.accounts.register(context, input),
    login: (_root, { username, password }, context) => context.accounts.login(context, username, password),
    logout: async (_root, _args, context) => {
      const result = await context.accounts.logout(context);
      // Subscriptions opened with this session close too.
      if (context.viewer.kind === 'user') context.changes.endSession(context.viewer.sessionId);
      return result;
    },
  },
};
