import { graphql } from '../gql';

/** What a chip shows. */
export const LabelFieldsFragment = graphql(`
  fragment LabelFields on Label {
    id
    name
    color
  }
`);

/** The user's own labels, the ones they can attach. */
export const LabelsQuery = graphql(`
  query Labels {
    labels {
      ...LabelFields
    }
  }
`);

export const CreateLabelMutation = graphql(`
  mutation CreateLabel($input: LabelInput!) {
    createLabel(input: $input) {
      status
      errors {
        ...PayloadError
      }
      label {
        ...LabelFields
      }
    }
  }
`);

/** What attaching or detaching answers: each todo's labels as they are now. */
export const LabelsResultFragment = graphql(`
  fragment LabelsResult on BulkTodosPayload {
    status
    errors {
      ...PayloadError
    }
    todos {
      id
      labels {
        ...LabelFields
      }
    }
  }
`);

export const LabelTodosMutation = graphql(`
  mutation LabelTodos($todos: [ID!]!, $labels: [ID!]!) {
    labelTodos(todos: $todos, labels: $labels) {
      ...LabelsResult
    }
  }
`);

export const UnlabelTodosMutation = graphql(`
  mutation UnlabelTodos($todos: [ID!]!, $labels: [ID!]!) {
    unlabelTodos(todos: $todos, labels: $labels) {
      ...LabelsResult
    }
  }
`);
