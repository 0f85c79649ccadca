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
