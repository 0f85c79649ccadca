import { graphql } from '../gql';

/** A todo's subtasks in manual order. */
export const SubtasksQuery = graphql(`
  query Subtasks($id: ID!) {
    todo(todoId: $id) {
      todo {
        id
        subtasks(first: 100) {
          edges {
            node {
              id
              description
              completed
              position
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

export const AddSubtaskMutation = graphql(`
  mutation AddSubtask($input: TodoInput!) {
    addTodo(input: $input) {
      status
      errors {
        ...PayloadError
      }
      todo {
        id
      }
    }
  }
`);

/** Places a todo right before or after another of its list, as that one's sibling. */
export const MoveTodoMutation = graphql(`
  mutation MoveTodo($todo: ID!, $before: ID, $after: ID) {
    moveTodo(todo: $todo, before: $before, after: $after) {
      status
      errors {
        ...PayloadError
      }
      todo {
        id
        position
        version
      }
    }
  }
`);

export const SetSubtaskDoneMutation = graphql(`
  mutation SetSubtaskDone($todo: ID!, $completed: Boolean!) {
    updateTodo(todo: $todo, input: { completed: $completed }) {
      status
      errors {
        ...PayloadError
      }
      todo {
        id
        completed
      }
    }
  }
`);
