import { graphql } from '../gql';

export const TodoFieldsFragment = graphql(`
  fragment TodoFields on Todo {
    id
    description
    notes
    completed
    completedAt
    priority
    dueOn
    updatedAt
    list {
      id
      name
    }
    labels {
      ...LabelFields
    }
    recurrence {
      rule
      timeZone
      summary
    }
  }
`);

/** One page of a list's todos; the panel stacks pages as the user scrolls. */
export const TodoPageQuery = graphql(`
  query TodoPage($list: ID!, $first: Int!, $after: String, $filter: TodoFilter, $orderBy: TodoOrder) {
    list(id: $list) {
      id
      todos(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
        totalCount
        edges {
          cursor
          node {
            ...TodoFields
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`);

/** What adding or changing a todo answers. */
export const TodoResultFragment = graphql(`
  fragment TodoResult on TodoPayload {
    status
    errors {
      ...PayloadError
    }
    todo {
      ...TodoFields
    }
  }
`);

export const AddTodoMutation = graphql(`
  mutation AddTodo($input: TodoInput!) {
    addTodo(input: $input) {
      ...TodoResult
    }
  }
`);

export const UpdateTodoMutation = graphql(`
  mutation UpdateTodo($todo: ID!, $input: TodoInput!) {
    updateTodo(todo: $todo, input: $input) {
      ...TodoResult
    }
  }
`);

/** What completing or reopening answers: only the fields those change. */
export const CompletionResultFragment = graphql(`
  fragment CompletionResult on BulkTodosPayload {
    status
    errors {
      ...PayloadError
    }
    todos {
      id
      completed
      completedAt
    }
  }
`);

export const CompleteTodosMutation = graphql(`
  mutation CompleteTodos($todos: [ID!]!) {
    completeTodos(todos: $todos) {
      ...CompletionResult
    }
  }
`);

export const ReopenTodosMutation = graphql(`
  mutation ReopenTodos($todos: [ID!]!) {
    reopenTodos(todos: $todos) {
      ...CompletionResult
    }
  }
`);

export const MoveTodosMutation = graphql(`
  mutation MoveTodos($todos: [ID!]!, $list: ID!) {
    moveTodos(todos: $todos, list: $list) {
      status
      errors {
        ...PayloadError
      }
      todos {
        ...TodoFields
      }
    }
  }
`);

export const DeleteTodosMutation = graphql(`
  mutation DeleteTodos($todos: [ID!]!) {
    deleteTodos(todos: $todos) {
      status
      errors {
        ...PayloadError
      }
      deletedIds
    }
  }
`);
