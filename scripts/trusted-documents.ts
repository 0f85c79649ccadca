/**
 * Builds the manifest for trusted-documents mode from a folder of `.graphql`
 * files: every operation, printed on its own with the fragments it uses, keyed
 * by the SHA-256 of that text, in Apollo's persisted query manifest format
 * (what `@apollo/generate-persisted-query-manifest` writes, so a client's
 * manifest serves as well).
 *
 *   npm run trusted-documents -- [folder=operations] [output=trusted-documents.json]
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, parse, print, visit, type DefinitionNode, type FragmentDefinitionNode } from 'graphql';
import { sha256, type TrustedDocumentManifest } from '../src/graphql/trusted-documents.js';

const [folder = 'operations', output = 'trusted-documents.json'] = process.argv.slice(2);
const definitions: DefinitionNode[] = readdirSync(folder)
  .filter((file) => file.endsWith('.graphql'))
  .sort()
  .flatMap((file) => parse(readFileSync(path.join(folder, file), 'utf8')).definitions);
const fragments = new Map(
  definitions
    .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
    .map((fragment) => [fragment.name.value, fragment]),
);

/** The fragments `definition` spreads, directly or through other fragments. */
function fragmentsOf(definition: DefinitionNode, found = new Map<string, FragmentDefinitionNode>()) {
  visit(definition, {
    FragmentSpread(spread) {
      const fragment = fragments.get(spread.name.value);
      if (!fragment || found.has(spread.name.value)) return;
      found.set(spread.name.value, fragment);
      fragmentsOf(fragment, found);
    },
  });
  return [...found.values()];
}

const operations = definitions.flatMap((definition) => {
  if (definition.kind !== Kind.OPERATION_DEFINITION) return [];
  if (!definition.name) throw new Error('Every trusted operation needs a name.');
  const body = [definition, ...fragmentsOf(definition)].map((node) => print(node)).join('\n\n');
  return [{ id: sha256(body), name: definition.name.value, type: definition.operation, body }];
});
const manifest: TrustedDocumentManifest = { format: 'apollo-persisted-query-manifest', version: 1, operations };
writeFileSync(output, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`${operations.length} trusted operations from ${folder}/ written to ${output}`);
