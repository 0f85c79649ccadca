/** Ports for the servers a test starts of its own (Redis, PostgreSQL, proxies). */
import { once } from 'node:events';
import net from 'node:net';

/** A port free on 127.0.0.1 now: the probe that found it has closed. */
export async function freePort(): Promise<number> {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
