/**
 * Ends a live connection (a WebSocket, an event stream) when the session that
 * opened it ends: logged out on any instance (the change bus carries the news),
 * or expired. Subscriptions never outlive their credential.
 */
import type { Viewer } from '../accounts/viewer.js';
import type { ChangeBus } from './change-bus.js';

/** setTimeout's longest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class SessionWatch {
  /** Each session's open connections' callbacks: one bus listener serves them all. */
  readonly #watchers = new Map<string, Set<(message: string) => void>>();

  constructor(changes: ChangeBus) {
    changes.onSessionEnded(({ sessionId }) => {
      for (const end of this.#watchers.get(sessionId) ?? []) end('The session has ended.');
    });
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
}
