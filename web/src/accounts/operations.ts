import { graphql } from '../gql';

export const MeQuery = graphql(`
  query Me {
    me {
      id
      username
    }
  }
`);

/** Anonymous callers may read their space's lists only where the server allows anonymous use. */
export const AnonymousProbeQuery = graphql(`
  query AnonymousProbe {
    isAuthenticated
    lists {
      id
    }
  }
`);

/** What registering or signing in answers. */
export const SignInResultFragment = graphql(`
  fragment SignInResult on LoginPayload {
    status
    error {
      ...PayloadError
    }
    user {
      id
      username
    }
  }
`);

export const RegisterMutation = graphql(`
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      ...SignInResult
    }
  }
`);

export const LoginMutation = graphql(`
  mutation Login($username: String!, $password: String!) {
    login(username: $username, password: $password) {
      ...SignInResult
    }
  }
`);

export const LogoutMutation = graphql(`
  mutation Logout {
    logout {
      status
    }
  }
`);
