/**
 * Registering, logging in and out: the rules between the resolvers and the
 * data. Answers are `LoginPayload`s; failures a user can cause are data
 * (`status: false` with an `Error`), never exceptions.
 */
import type { Kysely } from 'kysely';
import type { Tables } from '../db/tables.js';
import { insertInbox } from '../lists/lists.repository.js';
import {
  claimLoginAttempt,
  clearFailures,
  findUserForLogin,
  insertUser,
  type UserRecord,
} from './accounts.repository.js';
import { accountErrors, checkRegistration, couldBeCredentials, usernameKey, type AccountError } from './credentials.js';
import { decoyHash, hashPassword, verifyPassword } from './passwords.js';
import type { Sessions } from './sessions.js';
import type { ResponseCookies, Viewer } from './viewer.js';

export interface LoginResult {
  readonly status: boolean;
  readonly error: AccountError | null;
  readonly user: UserRecord | null;
  readonly token: string | null;
}

export interface ThrottleOptions {
  readonly maxFailures: number;
  readonly windowSeconds: number;
}

/** What an account operation needs from its request. */
export interface AccountRequest {
  readonly db: Kysely<Tables>;
  readonly viewer: Viewer;
  readonly response: ResponseCookies;
}

const failed = (error: AccountError): LoginResult => ({ status: false, error, user: null, token: null });

export class AccountRules {
  constructor(
    private readonly sessions: Sessions,
    private readonly throttle: ThrottleOptions,
  ) {
    // Made now, so the first login for an unknown name is not the one that pays for it.
    decoyHash().catch(() => undefined);
  }

  async register(request: AccountRequest, input: { username: string; password: string }): Promise<LoginResult> {
    const problem = checkRegistration(input);
    if (problem) return failed(problem);
    const key = usernameKey(input.username);
    // Checked first so a taken name answers without paying for a hash; the insert
    // below still settles a race between two registrations of one name.
    if (await findUserForLogin(request.db, key)) return failed(accountErrors.usernameTaken(input.username));
    const passwordHash = await hashPassword(input.password);
    // The account and its Inbox together, or neither.
    const user = await request.db.transaction().execute(async (trx) => {
      const inserted = await insertUser(trx, { username: input.username, usernameKey: key, passwordHash });
      if (inserted) await insertInbox(trx, inserted.id);
      return inserted;
    });
    if (!user) return failed(accountErrors.usernameTaken(input.username));
    return this.#signIn(request, user);
  }

  async login(request: AccountRequest, username: string, password: string): Promise<LoginResult> {
    // A name no account can have (too long, say) is answered at once: there is
    // nothing to guess, and nothing of it is stored.
    if (!couldBeCredentials(username, password)) return failed(accountErrors.invalidCredentials);
    const key = usernameKey(username);
    const claim = await claimLoginAttempt(request.db, key, this.throttle);
    if ('refusedUntil' in claim) {
      const minutes = Math.max(1, Math.ceil((claim.refusedUntil.getTime() - Date.now()) / 60_000));
      return failed(accountErrors.rateLimited(minutes));
    }
    const user = await findUserForLogin(request.db, key);
    // An unknown username is checked against a decoy hash: same work, same time, same answer.
    const matches = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
    if (!user || !matches) {
      // The attempt stays recorded as a failure; those older than the window go.
      await clearFailures(request.db, key, new Date(Date.now() - this.throttle.windowSeconds * 1000));
      return failed(accountErrors.invalidCredentials);
    }
    await clearFailures(request.db, key);
    return this.#signIn(request, { id: user.id, username: user.username });
  }

  async logout(request: AccountRequest): Promise<LoginResult> {
    await this.sessions.end(request.db, request.viewer, request.response);
    return {
      status: true,
      error: null,
      user: request.viewer.kind === 'user' ? request.viewer.user : null,
      token: null,
    };
  }

  async #signIn(request: AccountRequest, user: UserRecord): Promise<LoginResult> {
    const token = await this.sessions.start(request.db, user, request.response);
    return { status: true, error: null, user, token };
  }
}
