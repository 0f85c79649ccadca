/**
 * The web app at `/`: the page and its hashed scripts and styles, built from
 * web/ into dist/web by `npm run build`. It is an ordinary client of
 * /graphql; the server only hands out its files.
 *
 * The page is revalidated on every visit, so a deployment reaches users at
 * their next load; the files it names carry a hash of their content and are
 * cached for a year. The page's Content-Security-Policy allows scripts,
 * styles and connections (WebSocket included) from this origin only.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Where the build puts the app (web/vite.config.ts): dist/web, from src/http and dist/http alike. */
export const WEB_APP_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

export const WEB_APP_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const ONE_YEAR_SECONDS = 365 * 24 * 3600;

/** Serves the app; refuses to start without its build. */
async function webApp(app: FastifyInstance): Promise<void> {
  const indexFile = path.join(WEB_APP_DIR, 'index.html');
  if (!existsSync(indexFile))
    throw new Error(`The web app is missing from ${WEB_APP_DIR}: run npm run build, or set WEB_APP=false`);
  const page = readFileSync(indexFile);
  app.get('/', async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', WEB_APP_CSP)
      .header('cache-control', 'no-cache')
      .send(page),
  );
  await app.register(fastifyStatic, {
    root: path.join(WEB_APP_DIR, 'assets'),
    prefix: '/assets/',
    // GraphiQL's plugin registers @fastify/static too; one reply.sendFile is enough.
    decorateReply: false,
    index: false,
    immutable: true,
    maxAge: ONE_YEAR_SECONDS * 1000,
  });
}

export default fp(webApp, { name: 'web-app' });
