import { graphql } from '../gql';

export const ListFieldsFragment = graphql(`
  fragment ListFields on TodoList {
    id
    name
    isInbox
    access
    openCount
    doneCount
    owner {
      id
      username
    }
  }
`);

export const ListMembersFragment = graphql(`
  fragment ListMembers on TodoList {
    id
    members {
      role
      user {
        id
        username
      }
    }
  }
`);

export const ListsQuery = graphql(`
  query Lists {
    lists {
      ...ListFields
    }
  }
`);

export const ListDetailsQuery = graphql(`
  query ListDetails($list: ID!) {
    list(id: $list) {
      ...ListFields
      ...ListMembers
    }
  }
`);

export const CreateListMutation = graphql(`
  mutation CreateList($name: String!) {
    createList(input: { name: $name }) {
      status
      errors {
        ...PayloadError
      }
      list {
        ...ListFields
      }
    }
  }
`);

export const RenameListMutation = graphql(`
  mutation RenameList($list: ID!, $name: String!) {
    updateList(list: $list, input: { name: $name }) {
      status
      errors {
        ...PayloadError
      }
      list {
        id
        name
      }
    }
  }
`);

export const DeleteListMutation = graphql(`
  mutation DeleteList($list: ID!) {
    deleteList(list: $list) {
      status
      errors {
        ...PayloadError
      }
      deletedId
    }
  }
`);

/** What sharing or unsharing answers: the list's members as they are now. */
export const SharingResultFragment = graphql(`
  fragment SharingResult on TodoListPayload {
    status
    errors {
      ...PayloadError
    }
    list {
      ...ListMembers
    }
  }
`);

export const ShareListMutation = graphql(`
  mutation ShareList($list: ID!, $username: String!, $role: ListRole!) {
    shareList(list: $list, username: $username, role: $role) {
      ...SharingResult
    }
  }
`);

export const UnshareListMutation = graphql(`
  mutation UnshareList($list: ID!, $username: String!) {
    unshareList(list: $list, username: $username) {
      ...SharingResult
    }
  }
`);
