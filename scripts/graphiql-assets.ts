/**
 * Copies the browser bundles GraphiQL needs (React, ReactDOM, GraphiQL's script
 * and styles) into dist/graphiql, where the server reads them. The packages
 * themselves are build-time dependencies: the server needs four files of theirs,
 * not the hundred-odd packages GraphiQL depends on.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { GRAPHIQL_ASSET_DIR, GRAPHIQL_BUNDLES, INIT_SCRIPT } from '../src/http/graphiql.js';

const require = createRequire(import.meta.url);
mkdirSync(GRAPHIQL_ASSET_DIR, { recursive: true });
for (const [name, { packageName, file }] of GRAPHIQL_BUNDLES) {
  // Through each package's directory: their `exports` maps do not list the bundles.
  const packageDir = path.dirname(require.resolve(`${packageName}/package.json`));
  copyFileSync(path.join(packageDir, file), path.join(GRAPHIQL_ASSET_DIR, name));
}
writeFileSync(path.join(GRAPHIQL_ASSET_DIR, 'init.js'), INIT_SCRIPT);
console.log(`GraphiQL's bundles copied to ${path.relative(process.cwd(), GRAPHIQL_ASSET_DIR)}`);
