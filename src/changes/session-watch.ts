/**
 * Ends a live connection (a WebSocket, an event stream) when the session that
 * opened it ends: logged out on any instance, or expired. Subscriptions never
 * outlive their credential.
 *
 * A logout reaches every instance through the change bus at once. The bus is
 * Redis pub/sub across instances, which drops what it cannot deliver, so a
 * logout made on another instance while Redis is down would go unheard: every
 * `recheckMs` the sessions of open connections are also looked up in the
 * database, and those revoked are ended.
 */
import type { Logger } from 'pino';
import type { Viewer } from '../accounts/viewer.js';
import type { ChangeBus } from './change-bus.js';

/** setTimeout's longest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const ENDED = 'The session has ended.';

export interface SessionRecheck {
  /** Which of these sessions are still in force (not revoked), by the database. */
  readonly unrevoked: (sessionIds: readonly string[]) => Promise<ReadonlySet<string>>;
  readonly intervalMs: number;
  readonly log: Logger;
}

export class SessionWatch {
  /** Each session's open connections' callbacks: one bus listener serves them all. */
  readonly #watchers = new Map<string, Set<(message: string) => void>>();
  readonly #timer: NodeJS.Timeout;
  #checking = false;

  constructor(
    changes: ChangeBus,
    private readonly recheck: SessionRecheck,
  ) {
    changes.onSessionEnded(({ sessionId }) => this.#end(sessionId, ENDED));
    this.#timer = setInterval(() => void this.#recheck(), recheck.intervalMs).unref();
  }

  /**
   * Calls `end` once, with what to tell the client, when `viewer`'s session
   * ends; the returned function stops watching (call it on close).
   */
  watch(viewer: Viewer, end: (message: string) => void): () => void {
    if (viewer.kind !== 'user') return () => undefined;
    const { sessionId } = viewer;
    const watchers = this.#watchers.get(sessionId) ?? new Set();
    this.#watchers.set(sessionId, watchers);
    const untilExpiry = Math.min(Math.max(0, viewer.expiresAt.getTime() - Date.now()), MAX_TIMER_MS);
    const expiry = setTimeout(() => ended('The session has expired.'), untilExpiry);
    const stop = () => {
      clearTimeout(expiry);
      watchers.delete(ended);
      if (watchers.size === 0 && this.#watchers.get(sessionId) === watchers) this.#watchers.delete(sessionId);
    };
    const ended = (message: string) => {
      stop();
      end(message);
    };
    watchers.add(ended);
    return stop;
  }

  /** Stops the periodic check, for shutdown. */
  close(): void {
    clearInterval(this.#timer);
  }

  #end(sessionId: string, message: string): void {
    for (const end of this.#watchers.get(sessionId) ?? []) end(message);
  }

  async #recheck(): Promise<void> {
    const sessionIds = [...this.#watchers.keys()];
    // One check at a time: a slow database must not pile them up.
    if (sessionIds.length === 0 || this.#checking) return;
    this.#checking = true;
    try {
      const unrevoked = await this.recheck.unrevoked(sessionIds);
      for (const sessionId of sessionIds) if (!unrevoked.has(sessionId)) this.#end(sessionId, ENDED);
    } catch (error) {
      this.recheck.log.warn({ err: error }, 'could not recheck the sessions of live connections; will try again');
    } finally {
      this.#checking = false;
    }
  }
}
