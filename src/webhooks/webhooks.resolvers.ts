/**
 * Resolvers for webhook endpoints: registering, changing and deleting them,
 * and reading their delivery log. Signed-in users only; an endpoint that is
 * not the caller's is NOT_FOUND, whoever owns it.
 */
import { GraphQLError } from 'graphql';
import type { GraphQLContext } from '../graphql/context.js';
import type { Resolvers } from '../graphql/resolvers-types.generated.js';
import { parseGlobalIdOf, toGlobalId } from '../nodes/global-id.js';
import { authenticationRequired, type InputError } from '../todos/todo-input.js';
import { resolvedProblem, urlProblem } from './address-policy.js';
import type { WebhookEventType } from './outbox.js';
import { newSecret } from './signing.js';
import {
  createEndpoint,
  deleteEndpoint,
  deliveryPage,
  listEndpoints,
  updateEndpoint,
  type WebhookDeliveryRecord,
} from './webhooks.repository.js';

const notFound = (id: string): InputError => ({
  message: `No webhook endpoint with id "${id}".`,
  code: 'NOT_FOUND',
  field: 'id',
});

const noEvents: InputError = { message: 'Choose at least one event type.', code: 'REQUIRED', field: 'events' };

const signedIn = (context: GraphQLContext): number | null =>
  context.viewer.kind === 'user' ? context.viewer.user.id : null;

/** Why `url` cannot be an endpoint (not http(s), or on a refused address), or undefined. */
async function checkUrl(context: GraphQLContext, url: string): Promise<InputError | undefined> {
  const { allowPrivateAddresses } = context.webhooks;
  const problem = urlProblem(url, allowPrivateAddresses) ?? (await resolvedProblem(url, allowPrivateAddresses));
  return problem === undefined ? undefined : { message: problem, code: 'INVALID_URL', field: 'url' };
}

const failed = (error: InputError) => ({ status: false, errors: [error], endpoint: null, secret: null });

function deliveryConnection(deliveries: readonly WebhookDeliveryRecord[], first: number) {
  const edges = deliveries.slice(0, first).map((node) => ({ cursor: toGlobalId('WebhookDelivery', node.id), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: deliveries.length > first,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/** With the response cache on, the owner's cached `webhookEndpoints` answers are out of date now. */
const forgetCached = async (context: GraphQLContext, owner: number): Promise<void> => {
  await context.responseCache?.invalidate([owner]);
};

const badPage = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

export const webhookResolvers: Resolvers = {
  Query: {
    webhookEndpoints: async (_parent, _args, context) => {
      const owner = signedIn(context);
      return owner === null ? [] : listEndpoints(context.db, owner);
    },
  },
  Mutation: {
    createWebhookEndpoint: async (_parent, { input }, context) => {
      const owner = signedIn(context);
      if (owner === null) return failed(authenticationRequired);
      const events = [...new Set<WebhookEventType>(input.events)];
      if (events.length === 0) return failed(noEvents);
      const urlError = await checkUrl(context, input.url);
      if (urlError) return failed(urlError);
      const secret = newSecret();
      const { maxEndpointsPerUser, secrets } = context.webhooks;
      const endpoint = await createEndpoint(
        context.db,
        owner,
        { url: input.url, events, sealedSecret: secrets.seal(secret) },
        maxEndpointsPerUser,
      );
      if (!endpoint) {
        return failed({
          message: `You have ${maxEndpointsPerUser} webhook endpoints already, the most allowed.`,
          code: 'TOO_MANY',
          field: null,
        });
      }
      await forgetCached(context, owner);
      return { status: true, errors: [], endpoint, secret };
    },
    updateWebhookEndpoint: async (_parent, { input }, context) => {
      const owner = signedIn(context);
      if (owner === null) return failed(authenticationRequired);
      const id = parseGlobalIdOf('WebhookEndpoint', input.id);
      if (id === null) return failed(notFound(input.id));
      if (input.events != null && input.events.length === 0) return failed(noEvents);
      if (input.url != null) {
        const urlError = await checkUrl(context, input.url);
        if (urlError) return failed(urlError);
      }
      const endpoint = await updateEndpoint(context.db, owner, id, {
        ...(input.url != null && { url: input.url }),
        ...(input.events != null && { events: input.events }),
        ...(input.active != null && { active: input.active }),
      });
      if (!endpoint) return failed(notFound(input.id));
      await forgetCached(context, owner);
      return { status: true, errors: [], endpoint, secret: null };
    },
    deleteWebhookEndpoint: async (_parent, { id }, context) => {
      const owner = signedIn(context);
      if (owner === null) return { status: false, errors: [authenticationRequired], deletedId: null };
      const endpointId = parseGlobalIdOf('WebhookEndpoint', id);
      const deleted = endpointId !== null && (await deleteEndpoint(context.db, owner, endpointId));
      if (!deleted) return { status: false, errors: [notFound(id)], deletedId: null };
      await forgetCached(context, owner);
      return { status: true, errors: [], deletedId: id };
    },
  },
  WebhookEndpoint: {
    id: (endpoint) => toGlobalId('WebhookEndpoint', endpoint.id),
    deliveries: async (endpoint, { first, after }, context) => {
      const { maxPageSize } = context.bounds;
      if (first == null) throw badPage(`Give "first": pages hold at most ${maxPageSize} deliveries.`);
      if (first < 0 || first > maxPageSize) throw badPage(`"first" must be from 0 to ${maxPageSize}.`);
      const beforeId = after == null ? undefined : parseGlobalIdOf('WebhookDelivery', after);
      if (beforeId === null) throw badPage('"after" is not a delivery cursor from this server.');
      // Endpoints reach here only through their owner's queries; checked again all the same.
      if (signedIn(context) !== endpoint.ownerId) return deliveryConnection([], first);
      return deliveryConnection(await deliveryPage(context.db, endpoint.id, first, beforeId), first);
    },
  },
  WebhookDelivery: {
    id: (delivery) => toGlobalId('WebhookDelivery', delivery.id),
  },
};
