/**
 * The GraphiQL IDE, served from this server's own copies of its scripts and
 * styles (the packages' prebuilt browser bundles, which the build copies into
 * dist/graphiql with the script that starts the IDE): it works offline and
 * under a Content-Security-Policy that allows only this origin. @fastify/static
 * serves the files; the page is answered on `GET /graphql` to a browser.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const ASSET_PREFIX = '/graphiql/';

/** Allows only this origin; GraphiQL's editors set inline `style` attributes. */
export const GRAPHIQL_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const JS = 'text/javascript; charset=utf-8';

/** Starts the IDE against the endpoint its page names; the build writes it beside the bundles. */
export const INIT_SCRIPT = `'use strict';
(function () {
  var endpoint = document.getElementById('graphiql').getAttribute('data-endpoint');
  var fetcher = GraphiQL.createFetcher({ url: endpoint });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: 'query fetchAllTodos {\\n  todos {\\n    success\\n    errors\\n    todos {\\n      id\\n      description\\n      completed\\n      dueDate\\n    }\\n  }\\n}\\n',
    }),
  );
})();
`;

interface Bundle {
  /** The package and the file in it the build copies. */
  readonly packageName: string;
  readonly file: string;
  readonly contentType: string;
}

/** The browser bundles the IDE loads, by the name they are served under. */
export const GRAPHIQL_BUNDLES: ReadonlyMap<string, Bundle> = new Map([
  ['react.js', { packageName: 'react', file: 'umd/react.production.min.js', contentType: JS }],
  ['react-dom.js', { packageName: 'react-dom', file: 'umd/react-dom.production.min.js', contentType: JS }],
  ['graphiql.js', { packageName: 'graphiql', file: 'graphiql.min.js', contentType: JS }],
  ['graphiql.css', { packageName: 'graphiql', file: 'graphiql.min.css', contentType: 'text/css; charset=utf-8' }],
]);

/** Where the build puts the bundles (scripts/graphiql-assets.ts): dist/graphiql, from src/http and dist/http alike. */
export const GRAPHIQL_ASSET_DIR = fileURLToPath(new URL('../../dist/graphiql/', import.meta.url));

/** The HTML page that loads the IDE against `endpointPath`. */
export function graphiqlPage(endpointPath: string): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>todo-graphql · GraphiQL</title>
    <!-- No favicon: without this the browser asks for /favicon.ico, a 404 logged as a console error. -->
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="${ASSET_PREFIX}graphiql.css">
    <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
  </head>
  <body>
    <div id="graphiql" data-endpoint="${endpointPath}">Loading GraphiQL…</div>
    <script src="${ASSET_PREFIX}react.js"></script>
    <script src="${ASSET_PREFIX}react-dom.js"></script>
    <script src="${ASSET_PREFIX}graphiql.js"></script>
    <script src="${ASSET_PREFIX}init.js"></script>
  </body>
</html>
`;
}

/** Serves GraphiQL's files under ASSET_PREFIX; refuses to start without them. */
async function graphiqlAssets(app: FastifyInstance): Promise<void> {
  for (const name of [...GRAPHIQL_BUNDLES.keys(), 'init.js']) {
    if (!existsSync(path.join(GRAPHIQL_ASSET_DIR, name)))
      throw new Error(`GraphiQL's ${name} is missing from ${GRAPHIQL_ASSET_DIR}: run npm run build`);
  }
  await app.register(fastifyStatic, {
    root: GRAPHIQL_ASSET_DIR,
    prefix: ASSET_PREFIX,
    maxAge: '1h',
  });
}

export default fp(graphiqlAssets, { name: 'graphiql' });
