/** Talking to the accounts API as a client would: by session cookie, by bearer token, or anonymously. */
import assert from 'node:assert/strict';
import type { TestServer } from './server.js';

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: {
    data?: Record<string, Record<string, unknown> | boolean | null> | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
}

/** How a request proves who it is. */
export type Credential = { readonly token: string } | { readonly cookie: string } | undefined;

export const PASSWORD = 'correct-horse-battery';

export async function call(
  server: TestServer,
  query: string,
  variables?: Record<string, unknown>,
  credential?: Credential,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(server.graphqlUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(credential && 'token' in credential ? { authorization: `Bearer ${credential.token}` } : {}),
      ...(credential && 'cookie' in credential ? { cookie: credential.cookie } : {}),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
    // A request the server never answers fails the test rather than hanging it.
    signal: AbortSignal.timeout(15_000),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
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
