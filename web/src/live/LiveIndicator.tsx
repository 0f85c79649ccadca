import { useLiveStatus } from './api-client';

const LABELS = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
} as const;

/** Whether changes made elsewhere show up now; announced politely when it changes. */
export function LiveIndicator() {
  const status = useLiveStatus();
  return (
    <p className={`live live-${status}`} role="status" aria-live="polite">
      <span aria-hidden="true" className="dot" />
      {LABELS[status]}
    </p>
  );
}
