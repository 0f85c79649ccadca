/** Registering webhook endpoints and making the changes they hear of, as a client would. */
import assert from 'node:assert/strict';
import type { Caller } from './accounts.js';
import { postGraphQL } from './graphql-client.js';
import type { WebhookReceiver } from './hook-receiver.js';

/** Quick retries, a local receiver allowed: what most webhook tests run with. */
export const FAST_WEBHOOKS = {
  WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true',
  WEBHOOK_BACKOFF_BASE_MS: '40',
  WEBHOOK_POLL_MS: '50',
  WEBHOOK_MAX_ATTEMPTS: '4',
  WEBHOOK_TIMEOUT_MS: '2000',
  WEBHOOK_MAX_ENDPOINTS_PER_USER: '3',
};

/** A Caller on the server at `graphqlUrl` (another instance, a restarted process), as the user with `token`. */
export function callerAt(graphqlUrl: string, token: string): Caller {
  return async <T>(query: string, variables?: Record<string, unknown>): Promise<T> => {
    const answer = await postGraphQL(graphqlUrl, { query, variables }, { credential: { token } });
    assert.equal(answer.body.errors, undefined, JSON.stringify(answer.body.errors));
    return answer.body.data as T;
  };
}

export const CREATE_ENDPOINT = `mutation ($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    status errors { code field message } endpoint { id url events active } secret
  }
}`;

export const DELIVERIES = `query {
  webhookEndpoints {
    id
    deliveries(first: 50) {
      edges { node { eventId eventType status nextAttemptAt
        attempts { attempt statusCode error delivered durationMs at } } }
    }
  }
}`;

export interface DeliveryNode {
  eventId: string;
  eventType: string;
  status: string;
  nextAttemptAt: string | null;
  attempts: { attempt: number; statusCode: number | null; error: string | null; delivered: boolean }[];
}

/** Registers an endpoint at `path` on `receiver` for `events`, and tells the receiver its secret. */
export async function registerEndpoint(
  as: Caller,
  receiver: WebhookReceiver,
  path: string,
  events: readonly string[] = ['TODO_CREATED', 'TODO_UPDATED', 'TODO_DELETED'],
): Promise<{ id: string; secret: string }> {
  const { createWebhookEndpoint: payload } = await as<{
    createWebhookEndpoint: { status: boolean; endpoint: { id: string } | null; secret: string | null };
  }>(CREATE_ENDPOINT, { input: { url: receiver.url(path), events } });
  assert.equal(payload.status, true, JSON.stringify(payload));
  assert.ok(payload.endpoint && payload.secret);
  receiver.secret(path, payload.secret);
  return { id: payload.endpoint.id, secret: payload.secret };
}

/** The caller's deliveries, of their first endpoint, newest first. */
export async function deliveriesOf(as: Caller): Promise<DeliveryNode[]> {
  const data = await as<{ webhookEndpoints: { deliveries: { edges: { node: DeliveryNode }[] } }[] }>(DELIVERIES);
  return data.webhookEndpoints.flatMap((endpoint) => endpoint.deliveries.edges.map((edge) => edge.node));
}

export async function addTodo(as: Caller, description: string, list?: string): Promise<string> {
  const data = await as<{ addTodo: { todo: { id: string } | null } }>(
    'mutation ($input: TodoInput!) { addTodo(input: $input) { todo { id } } }',
    { input: { description, list } },
  );
  assert.ok(data.addTodo.todo);
  return data.addTodo.todo.id;
}
