/**
 * A TCP proxy a test can cut (open connections reset, new ones refused) and
 * restore: a network partition between the server and one of its services.
 */
import { once } from 'node:events';
import net from 'node:net';
import { freePort } from './ports.js';

export class TcpProxy {
  readonly #sockets = new Set<net.Socket>();
  #listener: net.Server | undefined;
  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(await freePort(), target);
    await proxy.restore();
    return proxy;
  }

  async restore(): Promise<void> {
    this.#listener = net.createServer((client) => {
      const upstream = net.connect(this.target);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    this.#listener.listen(this.port, '127.0.0.1');
    await once(this.#listener, 'listening');
  }

  async cut(): Promise<void> {
    const listener = this.#listener;
    this.#listener = undefined;
    for (const socket of this.#sockets) socket.resetAndDestroy();
    if (listener) await new Promise((resolve) => listener.close(resolve));
  }
}
