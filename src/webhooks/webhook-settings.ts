import type { ListBounds } from '../graphql/list-bounds.js';
import { WEBHOOK_EVENT_TYPES } from './outbox.js';
import type { SecretBox } from './signing.js';

/** What the webhook resolvers need from the configuration. */
export interface WebhookSettings {
  /** Most endpoints one user may register (WEBHOOK_MAX_ENDPOINTS_PER_USER). */
  readonly maxEndpointsPerUser: number;
  /** Whether endpoints may be on loopback, private or link-local addresses (WEBHOOK_ALLOW_PRIVATE_ADDRESSES). */
  readonly allowPrivateAddresses: boolean;
  /** Seals secrets before they are stored. */
  readonly secrets: SecretBox;
}

/** The bounds of the webhook schema's list fields, for the cost rule (graphql/list-bounds.ts). */
export function webhookListBounds(bounds: ListBounds): Record<string, number | 'page'> {
  return {
    'Query.webhookEndpoints': bounds.maxWebhookEndpointsPerUser,
    'WebhookEndpoint.events': WEBHOOK_EVENT_TYPES.length,
    'WebhookDeliveryConnection.edges': 'page',
    'WebhookDelivery.attempts': bounds.maxWebhookAttempts,
    // Each payload says one thing when it fails.
    'WebhookEndpointPayload.errors': 1,
    'DeleteWebhookEndpointPayload.errors': 1,
  };
}
