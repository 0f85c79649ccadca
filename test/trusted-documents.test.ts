/**
 * Trusted documents: with a manifest built by `npm run trusted-documents`, only
 * its operations run (by hash alone, over POST or GET, or by their exact text),
 * over HTTP and WebSocket; anything else is UNTRUSTED_DOCUMENT before it is
 * parsed. Without one, Apollo's persisted-query extension works as Apollo's
 * clients expect: a hash alone is PersistedQueryNotFound, a document with its
 * hash runs, a hash that does not match is refused. On SQLite: no database in it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { TrustedDocumentManifest } from '../src/graphql/trusted-documents.js';
import { databaseTargets, type TestDatabase } from './helpers/databases.js';
import { projectRoot } from './helpers/process.js';
import { codeOf, postGraphQL } from './helpers/graphql-client.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const [sqlite] = databaseTargets;

const post = (server: TestServer, body: Record<string, unknown>) => postGraphQL(server.graphqlUrl, body);

const persisted = (sha256Hash: string) => ({ persistedQuery: { version: 1, sha256Hash } });

describe('trusted documents', { skip: sqlite?.skip }, () => {
  let db: TestDatabase;
  let trusted: TestServer;
  let open: TestServer;
  let manifest: TrustedDocumentManifest;
  const hashOf = (name: string) => manifest.operations.find((operation) => operation.name === name)?.id ?? '';

  before(async () => {
    db = await (sqlite ?? assert.fail('no SQLite target')).create();
    const file = path.join(tmpdir(), `trusted-${process.pid}.json`);
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/trusted-documents.ts', 'operations', file], {
      cwd: projectRoot,
    });
    manifest = JSON.parse(readFileSync(file, 'utf8')) as TrustedDocumentManifest;
    trusted = await startTestServer(db, { TRUSTED_DOCUMENTS: file });
    open = await startTestServer(db);
  });
  after(async () => {
    await trusted.close();
    await open.close();
    await db.drop();
  });

  it('runs registered operations by hash over POST and GET, and by their exact text', async () => {
    const created = await post(trusted, {
      extensions: persisted(hashOf('CreateTodo')),
      variables: { description: 'Trusted', dueDate: '01-01-2031' },
    });
    assert.equal(codeOf(created), undefined, JSON.stringify(created));
    const extensions = encodeURIComponent(JSON.stringify(persisted(hashOf('AllTodos'))));
    const viaGet = (await (await fetch(`${trusted.graphqlUrl}?extensions=${extensions}`)).json()) as { data: unknown };
    assert.match(JSON.stringify(viaGet.data), /"description":"Trusted"/);
    const body = manifest.operations.find((operation) => operation.name === 'AllTodos')?.body;
    assert.match(JSON.stringify((await post(trusted, { query: body })).body.data), /Trusted/);
  });

  it('refuses any other document, an unknown hash and a mismatched one', async () => {
    assert.equal(codeOf(await post(trusted, { query: '{ todos { success } }' })), 'UNTRUSTED_DOCUMENT');
    assert.equal(codeOf(await post(trusted, { extensions: persisted('0'.repeat(64)) })), 'UNTRUSTED_DOCUMENT');
    const mismatch = await post(trusted, { query: '{ todos { success } }', extensions: persisted(hashOf('AllTodos')) });
    assert.equal(codeOf(mismatch), 'PERSISTED_QUERY_HASH_MISMATCH');
    assert.equal(codeOf(await post(trusted, { extensions: { persistedQuery: { version: 2 } } })), 'BAD_REQUEST');

    const client = createClient({
      url: trusted.graphqlUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    try {
      const refusal = await new Promise<unknown>((resolve) => {
        client.subscribe(
          { query: 'subscription { changes { kind } }' },
          { next: resolve, error: resolve, complete: () => undefined },
        );
      });
      assert.match(JSON.stringify(refusal), /UNTRUSTED_DOCUMENT/);
    } finally {
      await client.dispose();
    }
  });

  it("speaks Apollo's persisted-query protocol when no manifest is set", async () => {
    const query = '{ todos { success } }';
    const hash = createHash('sha256').update(query).digest('hex');
    const missing = await post(open, { extensions: persisted(hash) });
    assert.equal(missing.body.errors?.[0]?.message, 'PersistedQueryNotFound');
    assert.equal(codeOf(missing), 'PERSISTED_QUERY_NOT_FOUND');
    assert.deepEqual((await post(open, { query, extensions: persisted(hash) })).body.data, {
      todos: { success: true },
    });
    assert.equal(
      codeOf(await post(open, { query, extensions: persisted('f'.repeat(64)) })),
      'PERSISTED_QUERY_HASH_MISMATCH',
    );
  });
});
