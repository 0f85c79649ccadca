import { graphql } from '../gql';

/** Every change the user may see; the cache (cache.ts) applies each one. */
export const ChangesSubscription = graphql(`
  subscription Changes {
    changes {
      kind
      todoId
      listId
      deletedType
      deletedId
      todo {
        ...TodoFields
      }
      list {
        ...ListFields
      }
    }
  }
`);
