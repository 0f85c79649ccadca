/**
 * Persisted and trusted documents, compatible with Apollo's persisted-query
 * extension (`extensions.persistedQuery: { version: 1, sha256Hash }`).
 *
 * In trusted-documents mode (TRUSTED_DOCUMENTS names a manifest built with
 * `npm run trusted-documents`) only the operations registered in it run: a
 * client sends the hash alone, or the document whose hash is registered.
 * Anything else is refused before parsing, so the document limits and the
 * schema matter only to the operations the team shipped. Without a manifest,
 * any document runs, and automatic persisted queries are kept
 * (persisted-queries.ts): a hash not known yet is answered
 * PersistedQueryNotFound, which makes Apollo's clients send the document with
 * it; a document is checked against the hash sent with it, and kept.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GraphQLError } from 'graphql';
import type { PersistedQueryStore } from './persisted-queries.js';

/** Apollo's persisted query manifest, the format `npm run trusted-documents` writes. */
export interface TrustedDocumentManifest {
  readonly format: 'apollo-persisted-query-manifest';
  readonly version: 1;
  readonly operations: readonly {
    readonly id: string;
    readonly name: string;
    readonly type: string;
    readonly body: string;
  }[];
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export class TrustedDocuments {
  /** Registered documents by hash; undefined when any document may run. */
  readonly #byHash: ReadonlyMap<string, string> | undefined;

  /** `persisted` keeps the documents of automatic persisted queries (unused with a manifest). */
  constructor(
    manifest?: TrustedDocumentManifest,
    private readonly persisted?: PersistedQueryStore,
  ) {
    this.#byHash = manifest && new Map(manifest.operations.map((operation) => [operation.id, operation.body]));
  }

  static load(file: string | undefined, persisted?: PersistedQueryStore): TrustedDocuments {
    if (file === undefined) return new TrustedDocuments(undefined, persisted);
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { format?: unknown; operations?: unknown };
    if (manifest.format !== 'apollo-persisted-query-manifest' || !Array.isArray(manifest.operations)) {
      throw new Error(`${file} is not a persisted query manifest (format apollo-persisted-query-manifest)`);
    }
    return new TrustedDocuments(manifest as TrustedDocumentManifest);
  }

  /** The document to run for a request's `query` and `extensions`, or the error refusing it. */
  resolve(
    query: string | undefined,
    extensions: Record<string, unknown> | undefined,
  ): string | GraphQLError | Promise<string | GraphQLError> {
    const hash = persistedHash(extensions);
    if (hash instanceof GraphQLError) return hash;
    const text = query === '' ? undefined : query;
    if (hash !== undefined && text !== undefined && sha256(text) !== hash) {
      return refusal('The persisted query hash does not match the query.', 'PERSISTED_QUERY_HASH_MISMATCH');
    }
    if (this.#byHash) {
      const trusted = this.#byHash.get(hash ?? sha256(text ?? ''));
      return (
        trusted ??
        refusal('Only trusted documents run on this server, and this is not one of them.', 'UNTRUSTED_DOCUMENT')
      );
    }
    if (text !== undefined) return text;
    const stored = hash === undefined ? undefined : this.persisted?.get(hash);
    return stored instanceof Promise ? stored.then((found) => found ?? NOT_FOUND()) : (stored ?? NOT_FOUND());
  }

  /**
   * Keeps a valid document sent with its hash, so that the hash alone runs it
   * from now on (automatic persisted queries).
   */
  remember(query: string | undefined, extensions: Record<string, unknown> | undefined): void {
    if (!this.persisted || this.#byHash || !query) return;
    const hash = persistedHash(extensions);
    if (typeof hash === 'string') this.persisted.set(hash, query);
  }

  /** Whether a request may leave out its document, sending only a hash. */
  static wantsPersisted(extensions: unknown): boolean {
    return typeof extensions === 'object' && extensions !== null && 'persistedQuery' in extensions;
  }
}

function persistedHash(extensions: Record<string, unknown> | undefined): string | undefined | GraphQLError {
  const persisted = extensions?.persistedQuery;
  if (persisted === undefined) return undefined;
  const { version, sha256Hash } = (persisted ?? {}) as { version?: unknown; sha256Hash?: unknown };
  if (version !== 1 || typeof sha256Hash !== 'string' || !/^[0-9a-f]{64}$/.test(sha256Hash)) {
    return refusal(
      'extensions.persistedQuery must be { "version": 1, "sha256Hash": "<64 hex digits>" }.',
      'BAD_REQUEST',
    );
  }
  return sha256Hash;
}

const refusal = (message: string, code: string) => new GraphQLError(message, { extensions: { code } });

/** Apollo's clients resend the document with its hash on exactly this message. */
const NOT_FOUND = () => refusal('PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_FOUND');
