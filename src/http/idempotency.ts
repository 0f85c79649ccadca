/**
 * Safe retries over HTTP: a POST sent with an `Idempotency-Key` header (as the
 * IETF's draft-ietf-httpapi-idempotency-key-header has it) runs once per caller
 * and key. A retry with the same key and the same body gets the first answer
 * again, marked `Idempotent-Replayed: true`, and changes nothing.
 *
 * The key is claimed in the database before the request runs, so two
 * instances, or two racing retries, cannot both run it: the second is told the
 * first is still running (409). The answer is kept when it is sent, for
 * IDEMPOTENCY_KEY_TTL_SECONDS. A server fault (500 or more) is not kept, and the
 * key is released so the request may be sent again under it, except TIMEOUT:
 * an operation past REQUEST_TIMEOUT_MS is answered while its writes may still
 * commit, so running it again could run it twice.
 *
 * What a key cannot promise: the answer is stored after the request's own
 * transactions commit, not with them. If the process dies in between, or the
 * request timed out, the key stays claimed with no answer; a retry then hears,
 * once the request could no longer be running, that its outcome is unknown
 * (IDEMPOTENCY_OUTCOME_UNKNOWN), never a second run. Pair keys with `ifVersion`
 * where that matters.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { ANONYMOUS_OWNER, type Tables } from '../db/tables.js';
import { errorBody } from '../graphql/errors.js';
import { JSON_TYPE } from './errors.js';
import type { Chore } from './housekeeping.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';

/** Visible ASCII, as a header value can carry it; a UUID is what clients usually send. */
const VALID_KEY = /^[\x21-\x7e]{1,255}$/;

interface StoredAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

type Claim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'replay'; readonly answer: StoredAnswer }
  | { readonly kind: 'running' | 'reused' | 'unknown' };

export interface IdempotencySettings {
  /** How long an answer is kept for retries (IDEMPOTENCY_KEY_TTL_SECONDS). */
  readonly ttlSeconds: number;
  /** Longest a request runs (REQUEST_TIMEOUT_MS): a claim older than that, without an answer, was abandoned. */
  readonly requestTimeoutMs: number;
}

/** Time a claim is given beyond the request timeout before it counts as abandoned. */
const ABANDON_MARGIN_MS = 5000;

export class IdempotencyKeys {
  /** Requests that claimed a key, until their answer is sent. */
  readonly #claims = new WeakMap<FastifyRequest, { owner: number; key: string }>();

  constructor(
    private readonly db: Kysely<Tables>,
    private readonly settings: IdempotencySettings,
  ) {}

  /**
   * For a POST with the header: claims the key, or answers the request itself
   * (a replay, or why the key cannot be used). Answers true when the request
   * was answered here and must go no further.
   */
  async answered(request: FastifyRequest, reply: FastifyReply, body: string | null): Promise<boolean> {
    const key = request.headers[IDEMPOTENCY_HEADER];
    if (request.method !== 'POST' || key === undefined) return false;
    if (typeof key !== 'string' || !VALID_KEY.test(key)) {
      await refuse(
        reply,
        400,
        'BAD_REQUEST',
        'Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID, say).',
      );
      return true;
    }
    const { viewer } = request.state;
    const owner = viewer.kind === 'user' ? viewer.user.id : ANONYMOUS_OWNER;
    const claim = await this.#claim(
      owner,
      key,
      createHash('sha256')
        .update(body ?? '')
        .digest('hex'),
    );
    switch (claim.kind) {
      case 'claimed':
        this.#claims.set(request, { owner, key });
        return false;
      case 'replay':
        await reply
          .code(claim.answer.status)
          .header('content-type', claim.answer.contentType)
          .header(REPLAYED_HEADER, 'true')
          .send(claim.answer.body);
        return true;
      case 'running':
        void reply.header('retry-after', '1');
        await refuse(
          reply,
          409,
          'IDEMPOTENCY_KEY_IN_USE',
          'A request with this Idempotency-Key is still running: retry in a moment to get its answer.',
        );
        return true;
      case 'reused':
        await refuse(
          reply,
          422,
          'IDEMPOTENCY_KEY_REUSED',
          'This Idempotency-Key was used for a different request: use a new key for a new request.',
        );
        return true;
      case 'unknown':
        await refuse(
          reply,
          409,
          'IDEMPOTENCY_OUTCOME_UNKNOWN',
          'The first request with this Idempotency-Key did not finish (the server stopped while running it), so whether it changed anything is unknown: read the data, then send the change again under a new key.',
        );
        return true;
    }
  }

  /** Keeps the answer to a request that claimed a key (Fastify's onSend), or releases the key. */
  async sending(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<void> {
    const claim = this.#claims.get(request);
    if (!claim) return;
    this.#claims.delete(request);
    // A timed-out operation's outcome is unknown: its key stays claimed, unanswered.
    if (reply.statusCode >= 500 && typeof payload === 'string' && payload.includes('"code":"TIMEOUT"')) return;
    // A stream (an event stream's answer) cannot be replayed; a server fault may be retried.
    if (typeof payload !== 'string' || reply.statusCode >= 500) {
      await this.db
        .deleteFrom('idempotency_keys')
        .where('owner_id', '=', claim.owner)
        .where('key', '=', claim.key)
        .execute();
      return;
    }
    const contentType = reply.getHeader('content-type');
    await this.db
      .updateTable('idempotency_keys')
      .set({
        status: reply.statusCode,
        content_type: typeof contentType === 'string' ? contentType : JSON_TYPE,
        body: payload,
      })
      .where('owner_id', '=', claim.owner)
      .where('key', '=', claim.key)
      .execute();
  }

  async #claim(owner: number, key: string, fingerprint: string): Promise<Claim> {
    const now = Date.now();
    const inserted = await this.db
      .insertInto('idempotency_keys')
      .values({ owner_id: owner, key, fingerprint, created_at: new Date(now).toISOString() })
      .onConflict((conflict) => conflict.columns(['owner_id', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    if (inserted) return { kind: 'claimed' };
    const row = await this.db
      .selectFrom('idempotency_keys')
      .select(['fingerprint', 'status', 'content_type', 'body', 'created_at'])
      .where('owner_id', '=', owner)
      .where('key', '=', key)
      .executeTakeFirst();
    const age = row ? now - Date.parse(row.created_at) : 0;
    if (!row || age > this.settings.ttlSeconds * 1000) {
      // Expired (or deleted a moment ago): the key is free again; the next attempt claims it.
      await this.db
        .deleteFrom('idempotency_keys')
        .where('owner_id', '=', owner)
        .where('key', '=', key)
        .where('created_at', '=', row?.created_at ?? '')
        .execute();
      return this.#claim(owner, key, fingerprint);
    }
    if (row.fingerprint !== fingerprint) return { kind: 'reused' };
    if (row.status === null) {
      return { kind: age > this.settings.requestTimeoutMs + ABANDON_MARGIN_MS ? 'unknown' : 'running' };
    }
    return {
      kind: 'replay',
      answer: { status: row.status, contentType: row.content_type ?? 'application/json', body: row.body ?? '' },
    };
  }

  /** The chore that deletes keys past their time (see housekeeping.ts). */
  expiry(): Chore {
    return {
      name: 'idempotency keys',
      // One statement: keys are small, and a day's worth is deleted each hour.
      run: async () => {
        const cutoff = new Date(Date.now() - this.settings.ttlSeconds * 1000).toISOString();
        const result = await this.db.deleteFrom('idempotency_keys').where('created_at', '<', cutoff).executeTakeFirst();
        return { deleted: Number(result.numDeletedRows), more: false };
      },
    };
  }
}

function refuse(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).type(JSON_TYPE).send(errorBody(message, code));
}
