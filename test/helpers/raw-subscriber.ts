/**
 * A graphql-transport-ws client by hand, for tests that need what graphql-ws's
 * client hides: every message as it came, the close code and reason, the
 * server's pings, a socket that can be paused or told not to answer pings.
 */
import WebSocket from 'ws';
import { until } from './until.js';

export interface RawSubscriber {
  readonly socket: WebSocket;
  readonly messages: readonly { readonly type: string; readonly payload?: unknown }[];
  /** The close code and reason, once the socket has closed. */
  closed(): { readonly code: number; readonly reason: string } | undefined;
  pings(): number;
}

/** Opens a connection to `url`, waits for its acknowledgement, and subscribes `query` (as id "1"). */
export async function subscribeRaw(
  url: string,
  query: string,
  { token, answerPings = true }: { readonly token?: string; readonly answerPings?: boolean } = {},
): Promise<RawSubscriber> {
  const socket = new WebSocket(url, 'graphql-transport-ws', { autoPong: answerPings });
  const messages: { type: string; payload?: unknown }[] = [];
  let closed: { code: number; reason: string } | undefined;
  let pings = 0;
  socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as { type: string }));
  socket.on('ping', () => (pings += 1));
  socket.on('close', (code, reason) => (closed = { code, reason: reason.toString() }));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send(JSON.stringify({ type: 'connection_init', payload: token ? { token } : undefined }));
  // The protocol allows a subscribe only once the connection is acknowledged.
  await until(() => messages.some((message) => message.type === 'connection_ack'), 'connection_ack');
  socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
  return { socket, messages, closed: () => closed, pings: () => pings };
}
