/** Every feature's resolvers. A new feature adds its map here. */
import { accountResolvers } from '../accounts/accounts.resolvers.js';
import { todoResolvers } from '../todos/todos.resolvers.js';
import type { Resolvers } from './resolvers-types.generated.js';

export const resolvers: readonly Resolvers[] = [todoResolvers, accountResolvers];
