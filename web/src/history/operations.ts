import { graphql } from '../gql';

/** A todo's newest changes: who, when, and each field's old and new value. */
export const TodoHistoryQuery = graphql(`
  query TodoHistory($id: ID!) {
    todo(todoId: $id) {
      todo {
        id
        history(first: 20) {
          edges {
            node {
              id
              at
              action
              actor {
                id
                username
              }
              changes {
                field
                oldValue
                newValue
              }
            }
          }
          pageInfo {
            hasNextPage
          }
        }
      }
    }
  }
`);
