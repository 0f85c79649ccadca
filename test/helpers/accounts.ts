/** Talking to the accounts API as a client would: by session cookie, by bearer token, or anonymously. */
import assert from 'node:assert/strict';
import { postGraphQL, type Credential, type GraphQLAnswer } from './graphql-client.js';
import type { TestServer } from './server.js';

export type { Credential };

export type Answer = GraphQLAnswer<Record<string, Record<string, unknown> | boolean | null>>;

export const PASSWORD = 'correct-horse-battery';

export function call(
  server: TestServer,
  query: string,
  variables?: Record<string, unknown>,
  credential?: Credential,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return postGraphQL(server.graphqlUrl, { query, variables }, { credential, headers });
}

export const REGISTER = `mutation ($input: RegisterInput!) {
  register(input: $input) { status error { message code field } user { id username } token }
}`;
export const LOGIN = `mutation ($username: String!, $password: String!) {
  login(username: $username, password: $password) { status error { message code field } user { id username } token }
}`;
export const WHO = '{ isAuthenticated me { id username } }';

/** The `name=value` part of the session cookie a response sets. */
export function sessionCookieOf(answer: Answer): string {
  const header = answer.headers.getSetCookie().find((value) => value.startsWith('todo_session='));
  assert.ok(header, 'the response sets the session cookie');
  return header.split(';')[0] ?? '';
}

export async function register(server: TestServer, username: string, password = PASSWORD) {
  const answer = await call(server, REGISTER, { input: { username, password } });
  const payload = answer.body.data?.register as { status: boolean; token: string; user: { id: string } };
  assert.equal(payload.status, true, JSON.stringify(answer.body));
  return { token: payload.token, cookie: sessionCookieOf(answer), id: payload.user.id };
}

/** Runs operations as one user: answers the data, failing the test on any GraphQL error. */
export type Caller = <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>) => Promise<T>;

/** Registers `username` and answers a Caller for them, with their user id and token. */
export async function signedIn(server: TestServer, username: string): Promise<Caller & { id: string; token: string }> {
  const { token, id } = await register(server, username);
  const as = async <T>(query: string, variables?: Record<string, unknown>): Promise<T> => {
    const answer = await call(server, query, variables, { token });
    assert.equal(answer.body.errors, undefined, JSON.stringify(answer.body.errors));
    return answer.body.data as T;
  };
  return Object.assign(as, { id, token });
}
