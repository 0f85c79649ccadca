/**
 * Safe retries over HTTP: a POST sent with an `Idempotency-Key` header (as the
 * IETF's draft-ietf-httpapi-idempotency-key-header has it) by a signed-in user
 * runs once per user and key. A retry with the same key and the same body gets
 * the first answer again, marked `Idempotent-Replayed: true`, and changes nothing.
 *
 * The key is claimed in the database before the request runs, so two
 * instances, or two racing retries, cannot both run it: the second is told the
 * first is still running (409). What happens to the claim depends on how far
 * the request got:
 *
 * - It was answered without running (no `data` in the answer: a document
 *   refused, a persisted query not known yet): the key is released, and the
 *   retry with the full document runs.
 * - It ran and was answered: the answer is kept, IDEMPOTENCY_KEY_TTL_SECONDS.
 * - It ran and failed on the server's side (5xx: a timeout, the database gone
 *   mid-way), or its answer is a stream: whether its writes committed is
 *   unknown, so the key stays claimed with no answer. Once the request can no
 *   longer be running, a retry hears IDEMPOTENCY_OUTCOME_UNKNOWN, never a
 *   second run. So does a request whose process died.
 *
 * Anonymous callers share one space and one scope, so their keys are ignored:
 * their requests run as if sent without one.
 */
import { createHmac } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Tables } from '../db/tables.js';
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
  /** Longest an operation runs (REQUEST_TIMEOUT_MS): a claim older than a batch of them, unanswered, was abandoned. */
  readonly requestTimeoutMs: number;
  /** Most operations in one batched request (BATCH_MAX). */
  readonly batchMax: number;
  /** Keys the fingerprint of request bodies (the server's AUTH_SECRET). */
  readonly secret: string;
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
    if (viewer.kind !== 'user') return false;
    const owner = viewer.user.id;
    // Keyed: a body may hold a password, which a plain hash would let anyone who reads the table guess at.
    const fingerprint = createHmac('sha256', this.settings.secret)
      .update(body ?? '')
      .digest('hex');
    const claim = await this.#claim(owner, key, fingerprint);
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

  /** Keeps the answer to a request that claimed a key (Fastify's onSend), releases the key, or leaves it unanswered. */
  async sending(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<void> {
    const claim = this.#claims.get(request);
    if (!claim) return;
    this.#claims.delete(request);
    // Ran, and its outcome is unknown: the key stays claimed with no answer.
    if (typeof payload !== 'string' || reply.statusCode >= 500) return;
    const release = this.db
      .deleteFrom('idempotency_keys')
      .where('owner_id', '=', claim.owner)
      .where('key', '=', claim.key);
    if (!ran(payload)) {
      await release.execute();
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
      // A batch runs its operations in turn, each within the timeout.
      const longest = this.settings.requestTimeoutMs * this.settings.batchMax + ABANDON_MARGIN_MS;
      return { kind: age > longest ? 'unknown' : 'running' };
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

/**
 * Whether an answer comes from running the request: a GraphQL answer refused
 * before execution has no `data` (nor has any answer of a batch that never ran).
 */
function ran(payload: string): boolean {
  try {
    const answer: unknown = JSON.parse(payload);
    const answers: unknown[] = Array.isArray(answer) ? answer : [answer];
    return answers.some((one) => typeof one === 'object' && one !== null && 'data' in one);
  } catch {
    return true;
  }
}

function refuse(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).type(JSON_TYPE).send(errorBody(message, code));
}
