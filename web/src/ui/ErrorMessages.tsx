/**
 * A payload's errors, announced to screen readers. The server's messages are
 * written for people; the code picks a friendlier one where the context of a
 * screen says more.
 */
import { useState } from 'react';
import type { CombinedError } from 'urql';
import { graphql } from '../gql';

/** Why a mutation was refused, as every payload of the API says it; each operation selects it. */
export const PayloadErrorFragment = graphql(`
  fragment PayloadError on Error {
    code
    message
    field
  }
`);

export interface PayloadError {
  readonly code: string;
  readonly message: string;
  readonly field?: string | null;
}

const FRIENDLIER: Record<string, string> = {
  INVALID_CREDENTIALS: 'That username and password do not match an account.',
  USERNAME_TAKEN: 'That username is taken. Pick another one.',
  RATE_LIMITED: 'Too many attempts. Wait a minute and try again.',
  UNAUTHENTICATED: 'Your session has ended. Sign in again.',
  CANNOT_DELETE_INBOX: 'The Inbox cannot be deleted.',
};

/**
 * What a form shows after a mutation: the payload's errors, or, when no
 * payload came back, why the request itself failed (offline, session ended,
 * rate limited).
 */
export function errorsOf(
  result: { readonly error?: CombinedError | undefined },
  payload: { readonly errors?: readonly PayloadError[] | null } | null | undefined,
): readonly PayloadError[] {
  if (payload) return payload.errors ?? [];
  if (!result.error) return [];
  const [first] = result.error.graphQLErrors;
  const code = first?.extensions.code;
  return [
    first
      ? { code: typeof code === 'string' ? code : 'ERROR', message: first.message }
      : { code: 'NETWORK', message: 'The server could not be reached. Check the connection and try again.' },
  ];
}

export function messageOf(error: PayloadError): string {
  // The server's NOT_FOUND names the todo or list by its id, which means nothing to a person.
  if (error.code === 'NOT_FOUND' && error.field !== 'username')
    return 'That no longer exists, or you may no longer change it.';
  return FRIENDLIER[error.code] ?? error.message;
}

export function ErrorMessages({ errors }: { errors: readonly PayloadError[] | null | undefined }) {
  // A new alert element for every new answer: screen readers announce an alert
  // when it appears, not when the same text is set again.
  const [answer, setAnswer] = useState({ errors, count: 0 });
  if (answer.errors !== errors) setAnswer({ errors, count: answer.count + 1 });
  if (!errors?.length) return null;
  return (
    <div className="errors" role="alert" key={answer.count}>
      {errors.map((error, index) => (
        <p key={index} data-code={error.code}>
          {messageOf(error)}
        </p>
      ))}
    </div>
  );
}
