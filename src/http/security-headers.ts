/**
 * Headers on every response, from helmet: OWASP's secure headers for an API.
 * Nothing is sniffed, framed, cached or given a referrer, and no content may
 * load from an API response; GraphiQL's page sets the policy it needs on its
 * own route. HSTS is sent over HTTPS only (directly, or through a proxy that
 * says so), where browsers heed it.
 *
 * helmet's headers do not depend on the request, so they are taken from it
 * once, at start, and set on each reply in one call. (@fastify/helmet builds
 * helmet's middleware anew for every request and sets its headers one by one,
 * which cost more than a small request's whole GraphQL work.)
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

const OPTIONS: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  strictTransportSecurity: false,
  // Headers for documents and downloads, which an API's JSON never is; each
  // costs a header validation on every response for nothing.
  crossOriginResourcePolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
};

const HSTS = 'max-age=31536000; includeSubDomains';

/** The headers helmet sets with `options`, read back from a response it was given. */
function headersOf(options: HelmetOptions): Record<string, string> {
  const request = new IncomingMessage(new Socket());
  const response = new ServerResponse(request);
  helmet(options)(request, response, () => undefined);
  return Object.fromEntries(Object.entries(response.getHeaders()).map(([name, value]) => [name, String(value)]));
}

function securityHeaders(app: FastifyInstance, _options: unknown, registered: (error?: Error) => void): void {
  const headers = { ...headersOf(OPTIONS), 'cache-control': 'no-store' };
  const overHttps = { ...headers, 'strict-transport-security': HSTS };
  app.addHook('onRequest', (request, reply, done) => {
    const https = request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';
    void reply.headers(https ? overHttps : headers);
    done();
  });
  registered();
}

export default fp(securityHeaders, { name: 'security-headers' });
